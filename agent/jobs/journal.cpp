#include "agent/jobs/journal.h"

#include "agent/identity/state_files.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace printrelay::agent {
namespace {

// Migration N takes the schema from version N-1 to N. Never edit a migration that shipped:
// add a new one.
constexpr std::array<std::string_view, Journal::kSchemaVersion> kMigrations{
    // 1: jobs and the event outbox.
    R"sql(
CREATE TABLE jobs (
  job_id         TEXT PRIMARY KEY,
  order_id       TEXT NOT NULL,
  lease_id       TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN
                   ('leased','submitting','printing','printed','failed','cancelled')),
  spooler_job_id INTEGER,
  printer        TEXT NOT NULL DEFAULT '',
  document_name  TEXT NOT NULL DEFAULT '',
  last_error     TEXT NOT NULL DEFAULT '',
  last_seq       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id     TEXT NOT NULL REFERENCES jobs(job_id),
  seq        INTEGER NOT NULL,
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sent_at    INTEGER,
  UNIQUE (job_id, seq)
);
)sql",
    // 2: delivery bookkeeping, and indexes for the daemon's queries.
    R"sql(
ALTER TABLE outbox ADD COLUMN result TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_pending ON outbox (sent_at, id);
CREATE INDEX jobs_state ON jobs (state);
)sql",
    // 3: the spooler job's identity beyond its number (CUPS job-uuid).
    R"sql(
ALTER TABLE jobs ADD COLUMN spooler_job_uuid TEXT NOT NULL DEFAULT '';
)sql",
    // 4: the state outcome_unknown (a CHECK cannot be altered: the table is copied) and the
    // evidence kept for it: the last spooler state seen, when, and the bytes sent.
    R"sql(
CREATE TABLE jobs_v4 (
  job_id           TEXT PRIMARY KEY,
  order_id         TEXT NOT NULL,
  lease_id         TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('leased','submitting','printing','printed',
                     'failed','cancelled','outcome_unknown')),
  spooler_job_id   INTEGER,
  printer          TEXT NOT NULL DEFAULT '',
  document_name    TEXT NOT NULL DEFAULT '',
  last_error       TEXT NOT NULL DEFAULT '',
  last_seq         INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  spooler_job_uuid TEXT NOT NULL DEFAULT '',
  spooler_state    TEXT NOT NULL DEFAULT '',
  spooler_seen_at  INTEGER NOT NULL DEFAULT 0,
  bytes_sent       INTEGER
);
INSERT INTO jobs_v4 (job_id, order_id, lease_id, state, spooler_job_id, printer, document_name,
                     last_error, last_seq, created_at, updated_at, spooler_job_uuid)
  SELECT job_id, order_id, lease_id, state, spooler_job_id, printer, document_name, last_error,
         last_seq, created_at, updated_at, spooler_job_uuid FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v4 RENAME TO jobs;
CREATE INDEX jobs_state ON jobs (state);
)sql",
};

struct Step {
  JobState from;
  JobState to;
};

constexpr std::array kSteps{
    Step{JobState::Leased, JobState::Submitting},
    Step{JobState::Leased, JobState::Failed},
    Step{JobState::Leased, JobState::Cancelled},
    Step{JobState::Submitting, JobState::Printing},
    Step{JobState::Submitting, JobState::Printed},
    Step{JobState::Submitting, JobState::Failed},
    Step{JobState::Submitting, JobState::Cancelled},
    Step{JobState::Printing, JobState::Printed},
    Step{JobState::Printing, JobState::Failed},
    Step{JobState::Cancelled, JobState::Leased},
    Step{JobState::Submitting, JobState::OutcomeUnknown},
    Step{JobState::Printing, JobState::OutcomeUnknown},
};

constexpr std::array<std::string_view, 7> kStateNames{
    "leased", "submitting", "printing", "printed", "failed", "cancelled", "outcome_unknown"};

std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kJobColumns =
    "job_id, order_id, lease_id, state, spooler_job_id, printer, document_name, last_error, "
    "last_seq, created_at, updated_at, spooler_job_uuid, spooler_state, spooler_seen_at, "
    "bytes_sent";
constexpr const char* kEventColumns =
    "id, job_id, seq, body, created_at, sent_at, result, attempts";

JournalJob readJob(SQLite::Statement& q) {
  JournalJob job;
  job.jobId = q.getColumn(0).getString();
  job.orderId = q.getColumn(1).getString();
  job.leaseId = q.getColumn(2).getString();
  const auto state = parseJobState(q.getColumn(3).getString());
  if (!state) {
    throw Error("journal_corrupt", "job " + job.jobId + " has an unknown state");
  }
  job.state = *state;
  if (!q.getColumn(4).isNull()) {
    job.spoolerJobId = q.getColumn(4).getInt();
  }
  job.printer = q.getColumn(5).getString();
  job.documentName = q.getColumn(6).getString();
  job.lastError = q.getColumn(7).getString();
  job.lastSeq = static_cast<std::uint64_t>(q.getColumn(8).getInt64());
  job.createdAt = q.getColumn(9).getInt64();
  job.updatedAt = q.getColumn(10).getInt64();
  job.spoolerJobUuid = q.getColumn(11).getString();
  job.spoolerState = q.getColumn(12).getString();
  job.spoolerSeenAt = q.getColumn(13).getInt64();
  if (!q.getColumn(14).isNull()) {
    job.bytesSent = static_cast<std::uint64_t>(q.getColumn(14).getInt64());
  }
  return job;
}

OutboxEvent readEvent(SQLite::Statement& q) {
  OutboxEvent e;
  e.id = q.getColumn(0).getInt64();
  e.jobId = q.getColumn(1).getString();
  e.seq = static_cast<std::uint64_t>(q.getColumn(2).getInt64());
  e.body = q.getColumn(3).getString();
  e.createdAt = q.getColumn(4).getInt64();
  if (!q.getColumn(5).isNull()) {
    e.sentAt = q.getColumn(5).getInt64();
  }
  e.result = q.getColumn(6).getString();
  e.attempts = q.getColumn(7).getInt();
  return e;
}

/// Every row a bound query selects, read with `read`, in the query's order.
template <typename Row>
std::vector<Row> readAll(SQLite::Statement& query, Row (*read)(SQLite::Statement&)) {
  std::vector<Row> out;
  while (query.executeStep()) {
    out.push_back(read(query));
  }
  return out;
}

SQLite::Database openDatabase(const std::string& path) {
  try {
    // Private like every other state file. SQLite gives the -wal and -shm files it creates the
    // mode of the database; ones left by an older agent are tightened too.
    makePrivateFile(path);
    for (const char* companion : {"-wal", "-shm"}) {
      if (std::filesystem::exists(path + companion)) {
        makePrivateFile(path + companion);
      }
    }
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    return db;
  } catch (const std::exception& e) {
    throw Error("journal_unavailable", "cannot open the job journal " + path + ": " + e.what());
  }
}

} // namespace

std::string_view toString(JobState state) {
  return kStateNames.at(static_cast<std::size_t>(state));
}

std::optional<JobState> parseJobState(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) {
      return static_cast<JobState>(i);
    }
  }
  return std::nullopt;
}

bool canAdvance(JobState from, JobState to) {
  for (const auto& step : kSteps) {
    if (step.from == from && step.to == to) {
      return true;
    }
  }
  return false;
}

bool isSettled(JobState state) {
  return state == JobState::Printed || state == JobState::Failed || state == JobState::Cancelled ||
         state == JobState::OutcomeUnknown;
}

Journal::Journal(const std::string& path) : db_(openDatabase(path)) {
  try {
    db_.exec("PRAGMA journal_mode=WAL");
    // Every step must survive a power cut before the agent acts on it.
    db_.exec("PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
  } catch (const SQLite::Exception& e) {
    throw Error("journal_unavailable", "cannot use the job journal " + path + ": " + e.what());
  }
  migrate();
}

int Journal::schemaVersion() const {
  return db_.execAndGet("PRAGMA user_version").getInt();
}

void Journal::migrate() {
  const int current = schemaVersion();
  if (current > kSchemaVersion) {
    throw Error("journal_too_new", "the job journal has schema version " + std::to_string(current) +
                                       "; this agent knows up to " +
                                       std::to_string(kSchemaVersion));
  }
  if (current == kSchemaVersion) {
    return;
  }
  // A migration may copy a table the outbox refers to (4): the references are checked after.
  db_.exec("PRAGMA foreign_keys=OFF");
  for (int version = current + 1; version <= kSchemaVersion; ++version) {
    SQLite::Transaction tx(db_);
    db_.exec(std::string(kMigrations.at(static_cast<std::size_t>(version - 1))));
    db_.exec("PRAGMA user_version = " + std::to_string(version));
    tx.commit();
  }
  db_.exec("PRAGMA foreign_keys=ON");
  if (db_.execAndGet("SELECT COUNT(*) FROM pragma_foreign_key_check").getInt64() != 0) {
    throw Error("journal_corrupt", "the job journal's outbox refers to jobs it does not have");
  }
}

JournalJob Journal::recordLease(const protocol::JobOffer& offer) {
  SQLite::Transaction tx(db_);
  const auto existing = find(offer.jobId);
  const auto now = nowSeconds();
  if (!existing) {
    SQLite::Statement insert(db_, "INSERT INTO jobs (job_id, order_id, lease_id, state, "
                                  "document_name, created_at, updated_at) "
                                  "VALUES (?, ?, ?, 'leased', ?, ?, ?)");
    insert.bind(1, offer.jobId);
    insert.bind(2, offer.orderId);
    insert.bind(3, offer.leaseId);
    insert.bind(4, offer.documentName);
    insert.bind(5, now);
    insert.bind(6, now);
    insert.exec();
  } else if (existing->state == JobState::Leased || existing->state == JobState::Cancelled) {
    SQLite::Statement update(
        db_, "UPDATE jobs SET lease_id = ?, order_id = ?, state = 'leased', spooler_job_id = "
             "NULL, spooler_job_uuid = '', document_name = ?, updated_at = ? WHERE job_id = ?");
    update.bind(1, offer.leaseId);
    update.bind(2, offer.orderId);
    update.bind(3, offer.documentName);
    update.bind(4, now);
    update.bind(5, offer.jobId);
    update.exec();
  } else {
    throw Error("journal_illegal_transition", "job " + offer.jobId + " is already " +
                                                  std::string(toString(existing->state)) +
                                                  "; it is not leased again");
  }
  tx.commit();
  return *find(offer.jobId);
}

void Journal::updateLease(const std::string& jobId, const std::string& leaseId) {
  SQLite::Statement update(db_, "UPDATE jobs SET lease_id = ?, updated_at = ? WHERE job_id = ?");
  update.bind(1, leaseId);
  update.bind(2, nowSeconds());
  update.bind(3, jobId);
  if (update.exec() != 1) {
    throw Error("journal_unknown_job", "the journal has no job " + jobId);
  }
}

std::optional<JournalJob> Journal::find(const std::string& jobId) const {
  SQLite::Statement q(db_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE job_id = ?");
  q.bind(1, jobId);
  if (!q.executeStep()) {
    return std::nullopt;
  }
  return readJob(q);
}

std::vector<JournalJob> Journal::unsettled() const {
  SQLite::Statement q(db_, std::string("SELECT ") + kJobColumns +
                               " FROM jobs WHERE state IN ('leased','submitting','printing') "
                               "ORDER BY created_at, rowid");
  return readAll(q, readJob);
}

std::vector<JournalJob> Journal::recent(std::size_t limit) const {
  SQLite::Statement q(db_, std::string("SELECT ") + kJobColumns +
                               " FROM jobs ORDER BY updated_at DESC, rowid DESC LIMIT ?");
  q.bind(1, static_cast<std::int64_t>(limit));
  return readAll(q, readJob);
}

std::uint64_t Journal::advance(const std::string& jobId, JobState to, const StepDetails& details,
                               std::optional<protocol::JobEvent> event) {
  SQLite::Transaction tx(db_);
  const auto job = find(jobId);
  if (!job) {
    throw Error("journal_unknown_job", "the journal has no job " + jobId);
  }
  if (!canAdvance(job->state, to)) {
    throw Error("journal_illegal_transition", "job " + jobId + " cannot go from " +
                                                  std::string(toString(job->state)) + " to " +
                                                  std::string(toString(to)));
  }
  SQLite::Statement update(db_, "UPDATE jobs SET state = ?, spooler_job_id = ?, printer = ?, "
                                "last_error = ?, updated_at = ?, spooler_job_uuid = ?, "
                                "bytes_sent = COALESCE(?, bytes_sent) WHERE job_id = ?");
  update.bind(1, std::string(toString(to)));
  const auto spooler = details.spoolerJobId ? details.spoolerJobId : job->spoolerJobId;
  if (spooler) {
    update.bind(2, *spooler);
  } else {
    update.bind(2); // NULL
  }
  update.bind(3, details.printer.value_or(job->printer));
  update.bind(4, details.error.value_or(job->lastError));
  update.bind(5, nowSeconds());
  update.bind(6, details.spoolerJobUuid.value_or(job->spoolerJobUuid));
  if (details.bytesSent) {
    update.bind(7, static_cast<std::int64_t>(*details.bytesSent));
  } else {
    update.bind(7); // NULL: kept
  }
  update.bind(8, jobId);
  update.exec();
  std::uint64_t seq = 0;
  if (event) {
    seq = insertEvent(*job, std::move(*event));
  }
  tx.commit();
  return seq;
}

void Journal::noteSpoolerState(const std::string& jobId, std::string_view state, std::int64_t at) {
  SQLite::Statement update(db_, "UPDATE jobs SET spooler_state = ?, spooler_seen_at = ? "
                                "WHERE job_id = ? AND spooler_state <> ?");
  update.bind(1, std::string(state));
  update.bind(2, at);
  update.bind(3, jobId);
  update.bind(4, std::string(state));
  update.exec();
}

std::uint64_t Journal::enqueue(const std::string& jobId, protocol::JobEvent event) {
  SQLite::Transaction tx(db_);
  const auto job = find(jobId);
  if (!job) {
    throw Error("journal_unknown_job", "the journal has no job " + jobId);
  }
  const auto seq = insertEvent(*job, std::move(event));
  tx.commit();
  return seq;
}

std::uint64_t Journal::insertEvent(const JournalJob& job, protocol::JobEvent event) {
  event.seq = job.lastSeq + 1;
  event.leaseId = job.leaseId;
  const auto now = nowSeconds();
  SQLite::Statement insert(
      db_, "INSERT INTO outbox (job_id, seq, body, created_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, job.jobId);
  insert.bind(2, static_cast<std::int64_t>(event.seq));
  // Messages carry text from spoolers and drivers: invalid UTF-8 is replaced, never a throw.
  insert.bind(3,
              nlohmann::json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  insert.bind(4, now);
  insert.exec();
  SQLite::Statement bump(db_, "UPDATE jobs SET last_seq = ?, updated_at = ? WHERE job_id = ?");
  bump.bind(1, static_cast<std::int64_t>(event.seq));
  bump.bind(2, now);
  bump.bind(3, job.jobId);
  bump.exec();
  return event.seq;
}

std::vector<OutboxEvent> Journal::pendingEvents(std::size_t limit) const {
  SQLite::Statement q(db_, std::string("SELECT ") + kEventColumns +
                               " FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?");
  q.bind(1, static_cast<std::int64_t>(limit));
  return readAll(q, readEvent);
}

std::vector<OutboxEvent> Journal::eventsFor(const std::string& jobId) const {
  SQLite::Statement q(db_, std::string("SELECT ") + kEventColumns +
                               " FROM outbox WHERE job_id = ? ORDER BY seq");
  q.bind(1, jobId);
  return readAll(q, readEvent);
}

std::size_t Journal::pendingCount() const {
  return static_cast<std::size_t>(
      db_.execAndGet("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").getInt64());
}

void Journal::markSent(std::int64_t eventId, const std::string& result) {
  SQLite::Statement update(db_, "UPDATE outbox SET sent_at = ?, result = ?, attempts = attempts "
                                "+ 1 WHERE id = ? AND sent_at IS NULL");
  update.bind(1, nowSeconds());
  update.bind(2, result);
  update.bind(3, eventId);
  update.exec();
}

void Journal::noteAttempt(std::int64_t eventId, const std::string& result) {
  SQLite::Statement update(
      db_, "UPDATE outbox SET attempts = attempts + 1, result = ? WHERE id = ? AND sent_at IS "
           "NULL");
  update.bind(1, result);
  update.bind(2, eventId);
  update.exec();
}

std::size_t Journal::prune(std::chrono::seconds age) {
  const auto cutoff = nowSeconds() - age.count();
  SQLite::Transaction tx(db_);
  const char* settled =
      "SELECT job_id FROM jobs WHERE state IN ('printed','failed','cancelled','outcome_unknown') "
      "AND updated_at < ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE "
      "o.job_id = jobs.job_id AND o.sent_at IS NULL)";
  SQLite::Statement events(db_,
                           std::string("DELETE FROM outbox WHERE job_id IN (") + settled + ")");
  events.bind(1, cutoff);
  events.exec();
  SQLite::Statement jobs(db_, std::string("DELETE FROM jobs WHERE job_id IN (") + settled + ")");
  jobs.bind(1, cutoff);
  const int removed = jobs.exec();
  tx.commit();
  return static_cast<std::size_t>(removed);
}

} // namespace printrelay::agent
