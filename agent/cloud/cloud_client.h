#pragma once

#include "common/util/error.h"
#include "common/wire/http_client.h"
#include "common/wire/protocol.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace printrelay::agent {

/// A failed exchange with the cloud. status() is the HTTP status, or 0 when the cloud could not
/// be reached (code "cloud_unreachable"); code() is the cloud's own error code when it sent one.
class CloudError : public Error {
public:
  CloudError(int status, std::string code, const std::string& message)
      : Error(std::move(code), message), status_(status) {}
  int status() const noexcept { return status_; }
  /// The credential was refused (401/403): the agent was revoked or never enrolled.
  bool unauthorized() const noexcept { return status_ == 401 || status_ == 403; }
  /// Worth trying again later: unreachable, 5xx, 408 or 429.
  bool transient() const noexcept {
    return status_ == 0 || status_ >= 500 || status_ == 408 || status_ == 429;
  }

private:
  int status_;
};

/// How posting one status event went.
enum class EventDelivery {
  Delivered,    ///< 2xx (also for a repeated seq: events are idempotent)
  Rejected,     ///< 4xx other than 401/403/408/429: recorded and dropped, never retried
  Unauthorized, ///< 401/403: stop flushing; the credential is refused
  Unavailable,  ///< unreachable or 5xx: keep it and retry later
};

/// How an agent is given the cloud's CA, for the advice after a failed TLS verification.
inline constexpr std::string_view kAgentCaFileHint =
    "ca_file in the agent configuration (/etc/printrelay/agent.conf, or "
    "PRINTRELAY_AGENT_CA_FILE)";

/// `endpoint` with the agent's CA hint: failures to reach the cloud are explained in words
/// (explainTransportError) that name the agent's ca_file key.
CloudEndpoint withAgentCaHint(CloudEndpoint endpoint);

/// The agent's side of the HTTP API (routes in docs/architecture.md), authenticated with the
/// device credential. Poll, document and event requests use separate connections so that
/// interruptPoll() can cut a waiting long-poll from another thread without touching the rest.
class CloudClient {
public:
  CloudClient(CloudEndpoint endpoint, std::string credential);
  CloudClient(const CloudClient&) = delete;
  CloudClient& operator=(const CloudClient&) = delete;
  ~CloudClient();

  /// POST /api/v1/agent/enroll (no credential needed). Throws CloudError.
  protocol::EnrollResponse enroll(const protocol::EnrollRequest& request);

  /// GET /api/v1/agent/jobs?wait=N: the offers handed out (empty at the timeout). Accepts a
  /// JSON array, {"jobs": [...]}, a single offer object, or 204. Offers that do not parse are
  /// logged and skipped. Throws CloudError.
  std::vector<protocol::JobOffer> pollJobs(int waitSeconds);

  /// Receives ciphertext as it arrives; returning false stops the download.
  using ChunkReceiver = std::function<bool(std::span<const std::uint8_t>)>;
  /// GET /api/v1/agent/jobs/{id}/document, streamed to `receiver` (never buffered whole).
  /// Throws CloudError; a receiver that stopped the download gives CloudError
  /// {0, "cloud_download_stopped"}.
  void fetchDocument(const std::string& jobId, const std::string& leaseId,
                     const ChunkReceiver& receiver);

  /// POST /api/v1/agent/jobs/{id}/events with a JSON body. `detail` says what the cloud
  /// answered, for the journal and logs.
  EventDelivery postEvent(const std::string& jobId, const std::string& body, std::string& detail);

  /// POST /api/v1/agent/jobs/{id}/events for an event whose answer the agent needs (counted:
  /// the answer's "proceed"). Returns the answer (an object; {} when the body is empty). Throws
  /// CloudError for anything but 2xx (status 0 when unreachable).
  nlohmann::json postEventForAnswer(const std::string& jobId, const std::string& body);

  /// POST /api/v1/agent/jobs/{id}/ack {"lease_id"}: the lease is journalled; the cloud keeps the
  /// job leased for its whole length. Throws CloudError: 409 "lease_expired" when the cloud took
  /// the offer back (the job must not be printed), status 0 when unreachable.
  void acknowledgeOffer(const std::string& jobId, const std::string& leaseId);

  /// GET /api/v1/agent/me: tells the cloud the agent is alive without asking for jobs (while
  /// intake is paused). Returns the answer; throws CloudError when the cloud cannot be reached
  /// or refuses the credential.
  nlohmann::json checkIn();

  /// GET /api/v1/health on a connection of its own with short timeouts (2 s): true when the
  /// cloud answers at all below 500. The cheap check between long retry waits.
  bool reachable() const;

  /// Cuts a long-poll in progress (safe from any thread; a no-op when none is running).
  void interruptPoll();

private:
  CloudEndpoint endpoint_;
  std::string credential_;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<httplib::Client> pollClient_;
};

/// The CloudError for a finished exchange that did not succeed (status, and the cloud's JSON
/// error code and message when the body carries one).
CloudError cloudErrorFor(int status, const std::string& body, const std::string& what);

} // namespace printrelay::agent
