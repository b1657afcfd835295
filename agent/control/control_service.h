#pragma once

#include "agent/cloud/cloud_requests.h"
#include "agent/control/control_protocol.h"
#include "agent/control/control_server.h"
#include "agent/daemon/log_ring.h"
#include "agent/jobs/journal.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace printrelay::agent {

class Agent;

/// Timing of the control service (tests shorten it).
struct AgentControlOptions {
  /// How long a request that changes jobs waits for the daemon to finish the job in hand.
  std::chrono::milliseconds workLockWait{std::chrono::seconds(20)};
};

/// The control commands of the running agent (the protocol is in control_protocol.h):
///   status, printers, jobs, job, reprint, cancel, pause, resume, release, resolve, test-page,
///   diagnose, logs, key-rotate.
/// Reads go through its own journal connection; changes to jobs take the daemon's work lock,
/// so they never interleave with a job being processed. The pause survives a restart
/// (state_dir/paused.json).
class AgentControl {
public:
  /// Restores a pause and the older store keys from the state directory. Does not listen yet.
  AgentControl(Agent& agent, LogRing& logs, AgentControlOptions options = {});
  AgentControl(const AgentControl&) = delete;
  AgentControl& operator=(const AgentControl&) = delete;
  ~AgentControl();

  /// Listens on the configured control_socket (nothing when it is empty). A socket that cannot
  /// be created is logged as an error and the agent runs on without it.
  void listen();
  /// Stops serving (idempotent; also on destruction).
  void stopListening();

  /// Handles one request (what the server calls; tests call it directly). Throws
  /// printrelay::Error with the code to answer.
  nlohmann::json handle(const control::Request& request, const std::string& peer);

private:
  nlohmann::json status();
  nlohmann::json printers();
  nlohmann::json jobs(const nlohmann::json& args);
  /// A job id as typed: a whole id, or the start of exactly one journal job's id.
  std::string resolveJobId(const std::string& typed);
  nlohmann::json job(const nlohmann::json& args);
  nlohmann::json reprint(const nlohmann::json& args, const std::string& peer);
  nlohmann::json cancel(const nlohmann::json& args, const std::string& peer);
  nlohmann::json pause(bool paused, const std::string& peer);
  nlohmann::json release(const nlohmann::json& args, const std::string& peer);
  /// resolve {"order": ORDER or JOB id, "printed": bool}: the shop's answer to an order in
  /// outcome_unknown, sent to the cloud.
  nlohmann::json resolve(const nlohmann::json& args, const std::string& peer);
  nlohmann::json testPage(const nlohmann::json& args, const std::string& peer);
  nlohmann::json diagnose();
  nlohmann::json logs(const nlohmann::json& args);
  nlohmann::json rotateKey(const std::string& peer);

  /// The daemon's work lock, or Error{"agent_busy"} after workLockWait.
  std::unique_lock<std::timed_mutex> lockWork();
  CloudRequests cloud() const;

  Agent& agent_;
  LogRing& logs_;
  AgentControlOptions options_;
  std::mutex journalMutex_;
  Journal journal_; // a second connection, for reads
  std::unique_ptr<control::ControlServer> server_;
};

/// The JSON of a journal job as the control protocol shows it.
nlohmann::json jobJson(const JournalJob& job);

/// The text of a test page: what printed it, where and when.
std::string testPageText(const std::string& printer, const std::string& storeName,
                         const std::string& version);

} // namespace printrelay::agent
