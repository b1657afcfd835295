#pragma once

#include "agent/agent_config.h"
#include "agent/backoff.h"
#include "agent/cloud_client.h"
#include "agent/enrollment.h"
#include "agent/job_processor.h"
#include "agent/journal.h"
#include "agent/print_backend.h"
#include "agent/service_notify.h"
#include "agent/status_reporter.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace printrelay::agent {

/// Pacing of the daemon loop that is not configuration (tests shorten it).
struct AgentTiming {
  /// Longest long-poll while jobs are printing, so their outcome is noticed soon.
  std::chrono::seconds followInterval{5};
  /// Settled jobs older than this are forgotten.
  std::chrono::seconds pruneAge{std::chrono::hours(24 * 30)};
};

/// The shop agent's daemon loop, a checklist:
///   recover what a previous run left in flight → READY → loop { flush the outbox → follow
///   spooled jobs → long-poll for offers (capped exponential backoff with full jitter when the
///   cloud is away; the maximum when the credential is refused) → process each offer } →
///   on stop: cancel a half-streamed document, flush, STOPPING.
class Agent {
public:
  Agent(Settings settings, Enrollment enrollment, std::unique_ptr<PrintBackend> backend,
        AgentTiming timing = {});
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;
  ~Agent();

  /// Runs until requestStop(); returns the process exit status (0 after a clean stop).
  int run();
  /// Asks the loop to stop: a waiting long-poll or pause is cut short, a streaming document is
  /// cancelled. Safe from any thread; may be called repeatedly.
  void requestStop();
  /// Asks the loop to call the reload handler at its next turn (SIGHUP). Safe from any thread.
  void requestReload();
  /// What to run on reload (re-read the configuration, apply the log level).
  void setReloadHandler(std::function<void()> handler) { reloadHandler_ = std::move(handler); }

  bool stopRequested() const { return stop_.load(); }
  Journal& journal() { return journal_; }

private:
  /// Waits up to `duration`, returning early when a stop is requested; pings the watchdog.
  void pause(std::chrono::milliseconds duration);
  /// Flushes the outbox; false when the credential was refused.
  bool flushOutbox();
  void handleProcessingOutcome(JobOutcome outcome);

  Settings settings_;
  AgentTiming timing_;
  Enrollment enrollment_;
  std::unique_ptr<PrintBackend> backend_;
  Journal journal_;
  CloudClient cloud_;
  StatusReporter reporter_;
  JobProcessor processor_;
  Backoff pollBackoff_;
  Backoff queueBackoff_;
  ServiceNotifier notifier_;
  std::function<void()> reloadHandler_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  bool offline_ = false;
  bool refused_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
};

} // namespace printrelay::agent
