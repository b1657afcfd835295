#pragma once

#include "common/wire/protocol.h"

#include <SQLiteCpp/Database.h>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent {

/// Where a job is in the agent. Each step is written before it is acted on:
///   leased → submitting (spooler job id recorded) → printing → printed | failed
///   leased | submitting → cancelled (given back to the cloud before the spooler had it all)
/// A cancelled job may be leased again (it was never printed).
/// OutcomeUnknown: the spooler forgot a job it was handed, which may have printed (settled: the
/// shop says whether it printed, at the cloud).
enum class JobState { Leased, Submitting, Printing, Printed, Failed, Cancelled, OutcomeUnknown };

/// "leased", "submitting", … as stored.
std::string_view toString(JobState state);
/// Parses a stored name; nullopt for anything else.
std::optional<JobState> parseJobState(std::string_view name);
/// True when the journal allows `from → to` (the step table in journal.cpp).
bool canAdvance(JobState from, JobState to);
/// Printed, failed, cancelled and outcome_unknown: nothing is in flight at the spooler for the
/// agent.
bool isSettled(JobState state);

/// One job as the journal knows it.
struct JournalJob {
  std::string jobId;
  std::string orderId;
  std::string leaseId;
  JobState state = JobState::Leased;
  std::optional<int> spoolerJobId;
  std::string spoolerJobUuid; ///< job-uuid recorded right after Create-Job; empty on Windows
  std::string printer;
  std::string documentName;
  std::string lastError;
  std::uint64_t lastSeq = 0; ///< seq of the newest event enqueued for the job
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;
  // What the agent saw of the job at the spooler: the evidence of an outcome_unknown.
  std::string spoolerState;               ///< last state seen at the spooler ("" none yet)
  std::int64_t spoolerSeenAt = 0;         ///< when it was first seen in that state
  std::optional<std::uint64_t> bytesSent; ///< document bytes handed to the spooler
};

/// One status event waiting in (or already through) the outbox.
struct OutboxEvent {
  std::int64_t id = 0; ///< global order of enqueueing
  std::string jobId;
  std::uint64_t seq = 0;
  std::string body; ///< the JSON posted to /api/v1/agent/jobs/{jobId}/events
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> sentAt;
  std::string result; ///< "delivered", or why it was dropped
  int attempts = 0;
};

/// What a step records besides the new state; unset fields keep their value.
struct StepDetails {
  std::optional<int> spoolerJobId;
  std::optional<std::string> spoolerJobUuid;
  std::optional<std::string> printer;
  std::optional<std::string> error;
  std::optional<std::uint64_t> bytesSent;

  /// Only the error (why a job failed or was given back).
  static StepDetails withError(std::string why) {
    StepDetails d;
    d.error = std::move(why);
    return d;
  }
  /// The spooler job a job was submitted as: its number and job-uuid (empty when the
  /// spooler has none).
  static StepDetails submitted(int spoolerJobId, std::string printer, std::string uuid = {}) {
    StepDetails d;
    d.spoolerJobId = spoolerJobId;
    d.spoolerJobUuid = std::move(uuid);
    d.printer = std::move(printer);
    return d;
  }
};

/// The agent's durable memory (SQLite, WAL, synchronous=FULL): the jobs it handled and the
/// outbox of status events. Schema versions are migrations applied in order on open.
class Journal {
public:
  /// The schema version this build writes.
  static constexpr int kSchemaVersion = 4;

  /// Opens (creating if needed) and migrates the journal; throws Error{"journal_too_new"} for a
  /// journal written by a newer agent and Error{"journal_unavailable"} when it cannot be opened.
  explicit Journal(const std::string& path);

  /// The schema version of the open journal.
  int schemaVersion() const;

  /// Records a job handed out with its lease: a new job starts leased; a leased or cancelled
  /// job is leased again under the new lease. Throws Error{"journal_illegal_transition"} for a
  /// job past leased (the caller re-reports those instead).
  JournalJob recordLease(const protocol::JobOffer& offer);
  /// Replaces a job's lease id (events carry the lease they were posted under).
  void updateLease(const std::string& jobId, const std::string& leaseId);

  std::optional<JournalJob> find(const std::string& jobId) const;
  /// Jobs in leased, submitting or printing, oldest first.
  std::vector<JournalJob> unsettled() const;
  /// Every job, newest first (for status displays).
  std::vector<JournalJob> recent(std::size_t limit) const;

  /// Moves a job to `to` (checked with canAdvance), stores `details` and, when `event` is
  /// given, enqueues it with the job's next seq and current lease: one transaction. Returns the
  /// event's seq, or 0 when none was enqueued.
  std::uint64_t advance(const std::string& jobId, JobState to, const StepDetails& details,
                        std::optional<protocol::JobEvent> event = std::nullopt);
  /// Records the state the spooler reports for the job (only when it changed; `at` Unix seconds).
  void noteSpoolerState(const std::string& jobId, std::string_view state, std::int64_t at);
  /// Enqueues an event without changing state (re-reporting an outcome). Returns its seq.
  std::uint64_t enqueue(const std::string& jobId, protocol::JobEvent event);

  /// Events not yet delivered or dropped, in the order they were enqueued.
  std::vector<OutboxEvent> pendingEvents(std::size_t limit = 100) const;
  /// Every event of one job, in seq order.
  std::vector<OutboxEvent> eventsFor(const std::string& jobId) const;
  std::size_t pendingCount() const;
  /// Closes an event: delivered, or dropped with the reason.
  void markSent(std::int64_t eventId, const std::string& result);
  /// Counts a failed delivery attempt that will be retried.
  void noteAttempt(std::int64_t eventId, const std::string& result);

  /// Forgets settled jobs (and their closed events) untouched for longer than `age`.
  std::size_t prune(std::chrono::seconds age);

private:
  void migrate();
  /// Inserts the event with the job's next seq and lease; the caller holds the transaction.
  std::uint64_t insertEvent(const JournalJob& job, protocol::JobEvent event);

  mutable SQLite::Database db_;
};

} // namespace printrelay::agent
