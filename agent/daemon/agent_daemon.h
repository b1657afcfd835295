#pragma once

#include "agent/cloud/cloud_client.h"
#include "agent/daemon/agent_config.h"
#include "agent/daemon/backoff.h"
#include "agent/daemon/daemon_state.h"
#include "agent/daemon/printer_report.h"
#include "agent/daemon/status_reporter.h"
#include "agent/identity/enrollment.h"
#include "agent/jobs/job_processor.h"
#include "agent/jobs/journal.h"
#include "agent/platform/service_notify.h"
#include "agent/spooler/print_backend.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace printrelay::agent {

/// Pacing of the daemon loop that is not configuration (tests shorten it).
struct AgentTiming {
  /// Longest long-poll while jobs are printing (the loop follows them after each poll).
  std::chrono::seconds followInterval{5};
  /// Settled jobs older than this are forgotten.
  std::chrono::seconds pruneAge{std::chrono::hours(24 * 30)};
  /// How often the spooler's printers are looked at for a change to report.
  std::chrono::milliseconds printerCheckInterval{std::chrono::seconds(15)};
  /// The printer report is sent again this often even when nothing changed.
  std::chrono::milliseconds printerReportInterval{std::chrono::minutes(10)};
  /// How long past its own wait a long-poll may take to answer before a stopping agent cuts it.
  std::chrono::milliseconds pollAnswerMargin{std::chrono::seconds(10)};
  /// How often a thread of its own asks the spooler about jobs while any is at the spooler,
  /// and reports what settled at once: "printed" within a second of the printer's last byte.
  std::chrono::milliseconds activeFollowInterval{250};
};

/// How soon requestStop() ends the loop.
enum class StopMode {
  /// No new job is taken; a long-poll in flight is left to end by itself (at most its wait plus
  /// AgentTiming::pollAnswerMargin) and what it brings is given back; a document being
  /// streamed is cancelled and given back. SIGTERM, SIGINT, the Windows service's STOP.
  Graceful,
  /// As Graceful, but a long-poll in flight is cut at once (a second stop request).
  Now,
};

/// The shop agent's daemon loop, a checklist:
///   recover what a previous run left in flight → READY → loop { flush the outbox → follow
///   spooled jobs → report the printers (at start, on change, every 10 minutes, after a
///   reconnect) → long-poll for offers (capped exponential backoff with full jitter when the
///   cloud is away, cut short by a cheap reachability probe; the maximum when the credential
///   is refused) → process each offer } → on stop: cancel a half-streamed document, flush,
///   STOPPING. Beside the loop, a follower thread asks the spooler about jobs in flight every
///   activeFollowInterval and reports their outcome at once.
class Agent {
public:
  Agent(Settings settings, Enrollment enrollment, std::unique_ptr<PrintBackend> backend,
        AgentTiming timing = {});
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;
  ~Agent();

  /// Runs until requestStop(); returns the process exit status (0 after a clean stop).
  int run();
  /// Asks the loop to stop (see StopMode): a pause is cut short, a streaming document is
  /// cancelled and given back. A long-poll in flight is not cut unless `mode` is Now or it
  /// outlives its wait: the cloud leases a job the moment it hands it to the poll, so a cut
  /// connection would leave that job waiting out its lease. Safe from any thread; may be
  /// called repeatedly.
  void requestStop(StopMode mode = StopMode::Graceful);
  /// Asks the loop to call the reload handler at its next turn (SIGHUP). Safe from any thread.
  void requestReload();
  /// What to run on reload (re-read the configuration, apply the log level).
  void setReloadHandler(std::function<void()> handler) { reloadHandler_ = std::move(handler); }

  bool stopRequested() const { return stop_.load(); }
  Journal& journal() { return journal_; }

  // --- what the control socket uses ------------------------------------------------------

  /// The daemon's own state: cloud link (online/offline since when, last contact), pause.
  DaemonState& state() { return state_; }
  /// Pauses or resumes intake. While paused the loop does not ask the cloud for jobs (a waiting
  /// long-poll is left to end; an offer it brings is given back) but still follows printing
  /// jobs and flushes the outbox. Safe from any thread; true when it changed.
  bool setPaused(bool paused, std::string by = {}, std::int64_t since = 0);
  /// Held by the loop while it uses the journal, the spooler and the processor (never during
  /// a long-poll or a wait). Control requests that change jobs take it.
  std::timed_mutex& workLock() { return workMutex_; }
  /// A copy of the settings in force (a reload changes some). Safe from any thread.
  Settings settings() const;
  /// A copy of the identity (a key rotation changes the key id). Safe from any thread.
  AgentIdentity identity() const;
  /// The device credential.
  const std::string& credential() const { return enrollment_.credential; }
  /// Applies a re-read configuration (call on the loop thread, i.e. from the reload handler):
  /// log level, printer, poll wait, backoff, purge_spooler_jobs and max_document_mib change at
  /// once (the printers are reported again: the agent's printer may differ). Returns the
  /// keys that changed but take effect only after a restart.
  std::vector<std::string> applySettings(const Settings& fresh);
  /// Switches to a new store key (after the cloud registered it); documents sealed to the
  /// `older` keys still open. Take workLock() first.
  void setStoreKey(hpke::KeyPair key, std::vector<hpke::KeyPair> older, std::string keyId);
  /// Keys besides the current one that queued documents may be sealed to (kept from an
  /// earlier rotation). Call before run().
  void setOlderStoreKeys(std::vector<hpke::KeyPair> older);
  /// Called on the loop thread when the cloud answers after the agent started, was offline or
  /// was refused (re-send what the cloud may have missed). The printer report is re-sent then
  /// by the agent itself.
  void setReconnectHandler(std::function<void()> handler) {
    reconnectHandler_ = std::move(handler);
  }
  CloudClient& cloud() { return cloud_; }
  PrinterReporter& printerReporter() { return printerReporter_; }
  PrintBackend& backend() { return *backend_; }
  JobProcessor& processor() { return processor_; }
  StatusReporter& reporter() { return reporter_; }

private:
  /// How long to wait before asking again while the credential is refused.
  std::chrono::milliseconds refusedPause() const;
  /// Waits up to `duration`, returning early when a stop is requested; pings the watchdog.
  void pause(std::chrono::milliseconds duration);
  /// Records that the cloud answered / could not be reached / refused us, and says so in the
  /// log and to the service manager when the link changes (never silently offline).
  void noteOnline();
  void noteOffline(const std::string& why);
  /// While paused: GET /api/v1/agent/me at most once per poll wait, to stay "online".
  void checkInWhilePaused();
  void noteRefused(const std::string& why);
  /// Flushes the outbox; false when the credential was refused.
  bool flushOutbox();
  void handleProcessingOutcome(JobOutcome outcome);
  /// Marks a long-poll of `wait` seconds as in flight; false (and nothing marked) when a stop
  /// was requested, so no poll starts after one.
  bool beginPoll(int wait);
  void endPoll();
  /// The body of the thread that, once a stop is requested, cuts a long-poll in flight when
  /// its answer is overdue or the stop is urgent; returns when run() ends.
  void cutPollWhenStopping();
  /// The body of the thread that follows spooler jobs every activeFollowInterval while any is
  /// in flight (under the work lock) and flushes what that recorded; returns when run() ends.
  void followWhileActive();
  /// Waits out a retry delay while the cloud is unreachable, probing every offline_probe_ms
  /// whether it is back; returns early when it is (or on stop).
  void pauseWhileOffline(std::chrono::milliseconds duration);

  Settings settings_;
  AgentTiming timing_;
  Enrollment enrollment_;
  std::unique_ptr<PrintBackend> backend_;
  Journal journal_;
  CloudClient cloud_;
  StatusReporter reporter_;
  CloudClient followCloud_; ///< the follower thread's own connections
  StatusReporter followReporter_;
  JobProcessor processor_;
  PrinterReporter printerReporter_;
  Backoff pollBackoff_;
  Backoff queueBackoff_;
  ServiceNotifier notifier_;
  std::function<void()> reloadHandler_;
  std::function<void()> reconnectHandler_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  std::atomic<std::size_t> inFlight_{0}; ///< jobs at the spooler, as last counted
  // Guarded by mutex_: the long-poll in flight and when its answer is due; a StopMode::Now
  // request; the end of run().
  bool polling_ = false;
  std::chrono::steady_clock::time_point pollDue_{};
  bool stopNow_ = false;
  bool runEnded_ = false;
  bool offline_ = false;
  bool refused_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  DaemonState state_;
  std::timed_mutex workMutex_;
  mutable std::mutex infoMutex_; // settings_ and enrollment_.identity, read by other threads
  std::chrono::steady_clock::time_point offlineReminder_{};
  std::chrono::steady_clock::time_point nextCheckIn_{};
};

} // namespace printrelay::agent
