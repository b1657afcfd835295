#pragma once

#include "common/wire/protocol.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <httplib.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace printrelay::agent::testing {

/// The agent's routes of the cloud, served by cpp-httplib on 127.0.0.1 from a thread, for
/// tests: offers handed out by the long-poll, sealed documents streamed in small pieces,
/// events and enrollments recorded. start() on port 0 picks a free port; stop() joins.
class FakeCloud {
public:
  /// One event as the cloud received it.
  struct ReceivedEvent {
    std::string jobId;
    nlohmann::json body;
  };

  FakeCloud();
  FakeCloud(const FakeCloud&) = delete;
  FakeCloud& operator=(const FakeCloud&) = delete;
  ~FakeCloud();

  /// Starts listening (port 0: any free port) and returns once the server runs.
  void start(int port = 0);
  /// Stops the server and joins its thread (idempotent).
  void stop();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// The credential agent routes accept.
  void setCredential(std::string credential);
  /// Queues an offer for the next poll and serves `envelope` as its document.
  void addOffer(const protocol::JobOffer& offer, std::vector<std::uint8_t> envelope);
  /// Answers document requests for the job with this status and error code instead.
  void failDocument(const std::string& jobId, int status, std::string code);
  /// Serves the job's document normally again.
  void clearDocumentFailure(const std::string& jobId);
  /// Answers event posts with this status (200 = accept); `code` for the error body.
  void setEventStatus(int status, std::string code = "conflict");
  /// Answers events of one state ("counted") with this status and body instead of {"ok":true}
  /// (events answered with a non-2xx status are not recorded).
  void setEventAnswer(const std::string& state, int status, nlohmann::json body);
  /// Answers offer acknowledgements with this status (200 = accept; 409 lease_expired: the
  /// offer was taken back).
  void setAckStatus(int status, std::string code = "lease_expired");
  /// The job ids whose offers were acknowledged (with 200), oldest first.
  std::vector<std::string> acks() const;
  /// Answers polls with this status (200 = normal).
  void setPollStatus(int status);
  /// How the enroll route answers.
  void setEnrollAnswer(int status, nlohmann::json body);
  /// Longest time a poll is held when no offer is queued (the agent's wait is honoured up to it).
  void setMaxPollHold(std::chrono::milliseconds hold);
  /// Bytes per piece when streaming a document.
  void setDocumentPiece(std::size_t bytes);

  std::vector<ReceivedEvent> events() const;
  std::vector<ReceivedEvent> eventsFor(const std::string& jobId) const;
  /// The states of the job's events ("counted", "printing", …), oldest first.
  std::vector<std::string> statesFor(const std::string& jobId) const;
  std::vector<nlohmann::json> enrollRequests() const;
  /// The "printers" lists received by PUT /api/v1/agent/printers, oldest first.
  std::vector<nlohmann::json> printerReports() const;
  int polls() const { return polls_.load(); }
  int documentRequests() const { return documentRequests_.load(); }
  /// Waits until `predicate` holds over the recorded events, up to `timeout`.
  bool waitForEvents(const std::function<bool(const std::vector<ReceivedEvent>&)>& predicate,
                     std::chrono::milliseconds timeout) const;

private:
  void routes();
  bool authorized(const httplib::Request& req, httplib::Response& res) const;

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> polls_{0};
  std::atomic<int> documentRequests_{0};

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string credential_ = "device-credential";
  std::deque<protocol::JobOffer> offers_;
  std::map<std::string, std::vector<std::uint8_t>> documents_;
  std::map<std::string, std::string> leases_;
  std::map<std::string, std::pair<int, std::string>> documentFailures_;
  std::vector<ReceivedEvent> events_;
  std::vector<nlohmann::json> enrollRequests_;
  std::vector<nlohmann::json> printerReports_;
  int eventStatus_ = 200;
  std::string eventCode_;
  std::map<std::string, std::pair<int, nlohmann::json>> eventAnswers_;
  int pollStatus_ = 200;
  int ackStatus_ = 200;
  std::string ackCode_;
  std::vector<std::string> acks_;
  int enrollStatus_ = 200;
  nlohmann::json enrollBody_;
  std::chrono::milliseconds maxPollHold_{200};
  std::size_t piece_ = 4096;
};

} // namespace printrelay::agent::testing
