#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

namespace printrelay::cloud {

void SqliteTransaction::insertJob(const JobRecord& j) {
  kJobs.insert(db_, j);
}

std::optional<JobRecord> SqliteTransaction::findJob(const std::string& id) {
  return kJobs.findOne(db_, "WHERE jobs.id = ?", id);
}

std::optional<JobRecord> SqliteTransaction::findJobByOrder(const std::string& orderId) {
  return kJobs.findOne(db_, "WHERE jobs.order_id = ? ORDER BY jobs.rowid DESC LIMIT 1", orderId);
}

void SqliteTransaction::updateJob(const JobRecord& j) {
  if (kJobs.update(db_, j,
                   {"lease_id", "lease_expires_at", "agent_id", "last_event_seq", "spooler_job_id",
                    "printer", "updated_at"},
                   "id") != 1) {
    throw Error("store_not_found", "no job " + j.id + " to update");
  }
}

std::optional<JobRecord> SqliteTransaction::nextQueuedJob(const std::string& storeId) {
  return kJobs.findOne(db_,
                       std::string("JOIN orders ON orders.id = jobs.order_id "
                                   "WHERE jobs.store_id = ? AND orders.state = 'queued' AND ") +
                           kCurrentJob + " ORDER BY jobs.created_at, jobs.rowid LIMIT 1",
                       storeId);
}

std::vector<JobRecord> SqliteTransaction::expiredLeases(std::int64_t now,
                                                        const std::string& storeId) {
  return kJobs.findAll(db_,
                       std::string("JOIN orders ON orders.id = jobs.order_id "
                                   "WHERE jobs.lease_id <> '' AND jobs.lease_expires_at <= ? "
                                   "AND orders.state = 'dispatched' AND ") +
                           kCurrentJob + " AND (? = '' OR jobs.store_id = ?) ORDER BY jobs.rowid",
                       now, storeId, storeId);
}

std::optional<std::int64_t> SqliteTransaction::nextLeaseExpiry(const std::string& storeId) {
  return selectInteger(std::string("SELECT MIN(jobs.lease_expires_at) FROM jobs "
                                   "JOIN orders ON orders.id = jobs.order_id "
                                   "WHERE jobs.store_id = ? AND jobs.lease_id <> '' "
                                   "AND orders.state = 'dispatched' AND ") +
                           kCurrentJob,
                       storeId);
}

void SqliteTransaction::insertJobEvent(const JobEventRecord& e) {
  try {
    kJobEvents.insert(db_, e);
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
  return kJobEvents.findOne(db_, "WHERE job_id = ? AND seq = ?", jobId,
                            static_cast<std::int64_t>(seq));
}

} // namespace printrelay::cloud
