#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

namespace printrelay::cloud {

namespace {

// Binds lease_id, lease_expires_at, agent_id, last_event_seq, spooler_job_id, printer.
void bindJobMutable(SQLite::Statement& st, int first, const JobRecord& j) {
  st.bind(first, j.leaseId);
  st.bind(first + 1, j.leaseExpiresAt);
  st.bind(first + 2, j.agentId);
  st.bind(first + 3, static_cast<std::int64_t>(j.lastEventSeq));
  bindOptional(st, first + 4,
               j.spoolerJobId ? std::optional<std::int64_t>(*j.spoolerJobId) : std::nullopt);
  st.bind(first + 5, j.printer);
}

} // namespace

void SqliteTransaction::insertJob(const JobRecord& j) {
  SQLite::Statement st(db_, "INSERT INTO jobs (id, order_id, store_id, lease_id, "
                            "lease_expires_at, agent_id, last_event_seq, spooler_job_id, "
                            "printer, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, j.id);
  st.bind(2, j.orderId);
  st.bind(3, j.storeId);
  bindJobMutable(st, 4, j);
  st.bind(10, j.createdAt);
  st.bind(11, j.updatedAt);
  st.exec();
}

std::optional<JobRecord> SqliteTransaction::findJob(const std::string& id) {
  return jobWhere("jobs.id", id);
}

std::optional<JobRecord> SqliteTransaction::findJobByOrder(const std::string& orderId) {
  SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns +
                                " FROM jobs WHERE jobs.order_id = ? ORDER BY jobs.rowid DESC "
                                "LIMIT 1");
  st.bind(1, orderId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readJob(st);
}

void SqliteTransaction::updateJob(const JobRecord& j) {
  SQLite::Statement st(db_, "UPDATE jobs SET lease_id = ?, lease_expires_at = ?, agent_id = ?, "
                            "last_event_seq = ?, spooler_job_id = ?, printer = ?, "
                            "updated_at = ? WHERE id = ?");
  bindJobMutable(st, 1, j);
  st.bind(7, j.updatedAt);
  st.bind(8, j.id);
  if (st.exec() != 1) {
    throw Error("store_not_found", "no job " + j.id + " to update");
  }
}

std::optional<JobRecord> SqliteTransaction::nextQueuedJob(const std::string& storeId) {
  SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns +
                                " FROM jobs JOIN orders ON orders.id = jobs.order_id "
                                "WHERE jobs.store_id = ? AND orders.state = 'queued' "
                                "AND " +
                                std::string(kCurrentJob) +
                                " ORDER BY jobs.created_at, jobs.rowid LIMIT 1");
  st.bind(1, storeId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readJob(st);
}

std::vector<JobRecord> SqliteTransaction::expiredLeases(std::int64_t now,
                                                        const std::string& storeId) {
  SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns +
                                " FROM jobs JOIN orders ON orders.id = jobs.order_id "
                                "WHERE jobs.lease_id <> '' AND jobs.lease_expires_at <= ? "
                                "AND orders.state = 'dispatched' AND " +
                                std::string(kCurrentJob) +
                                " AND (? = '' OR jobs.store_id = ?) ORDER BY jobs.rowid");
  st.bind(1, now);
  st.bind(2, storeId);
  st.bind(3, storeId);
  std::vector<JobRecord> out;
  while (st.executeStep()) {
    out.push_back(readJob(st));
  }
  return out;
}

std::optional<std::int64_t> SqliteTransaction::nextLeaseExpiry(const std::string& storeId) {
  SQLite::Statement st(db_, "SELECT MIN(jobs.lease_expires_at) FROM jobs "
                            "JOIN orders ON orders.id = jobs.order_id "
                            "WHERE jobs.store_id = ? AND jobs.lease_id <> '' "
                            "AND orders.state = 'dispatched' AND " +
                                std::string(kCurrentJob));
  st.bind(1, storeId);
  st.executeStep();
  return optionalInt(st.getColumn(0));
}

void SqliteTransaction::insertJobEvent(const JobEventRecord& e) {
  SQLite::Statement st(db_, "INSERT INTO job_events (job_id, seq, payload, response, at) "
                            "VALUES (?, ?, ?, ?, ?)");
  st.bind(1, e.jobId);
  st.bind(2, static_cast<std::int64_t>(e.seq));
  st.bind(3, e.payloadJson);
  st.bind(4, e.responseJson);
  st.bind(5, e.at);
  try {
    st.exec();
  } catch (const SQLite::Exception& ex) {
    if (ex.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE) {
      throw Error("duplicate_event",
                  "job " + e.jobId + " already has event " + std::to_string(e.seq));
    }
    throw;
  }
}

std::optional<JobEventRecord> SqliteTransaction::findJobEvent(const std::string& jobId,
                                                              std::uint64_t seq) {
  SQLite::Statement st(db_, "SELECT job_id, seq, payload, response, at FROM job_events "
                            "WHERE job_id = ? AND seq = ?");
  st.bind(1, jobId);
  st.bind(2, static_cast<std::int64_t>(seq));
  if (!st.executeStep()) {
    return std::nullopt;
  }
  JobEventRecord e;
  e.jobId = st.getColumn(0).getString();
  e.seq = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
  e.payloadJson = st.getColumn(2).getString();
  e.responseJson = st.getColumn(3).getString();
  e.at = st.getColumn(4).getInt64();
  return e;
}

std::optional<JobRecord> SqliteTransaction::jobWhere(const char* column, const std::string& value) {
  SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE " + column +
                                " = ?");
  st.bind(1, value);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readJob(st);
}

} // namespace printrelay::cloud
