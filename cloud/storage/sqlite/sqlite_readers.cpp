#include "cloud/storage/sqlite/sqlite_readers.h"

namespace printrelay::cloud {

SqliteReadConnection::SqliteReadConnection(SqliteReaderPool& pool,
                                           std::unique_ptr<SQLite::Database> db)
    : pool_(&pool), pooled_(std::move(db)), db_(pooled_.get()) {}

SqliteReadConnection::SqliteReadConnection(std::unique_lock<std::mutex> writerLock,
                                           SQLite::Database& writer)
    : writerLock_(std::move(writerLock)), db_(&writer) {
  db_->exec("PRAGMA query_only = ON");
}

SqliteReadConnection::~SqliteReadConnection() {
  if (pool_ != nullptr) {
    pool_->giveBack(std::move(pooled_));
    return;
  }
  try {
    db_->exec("PRAGMA query_only = OFF");
  } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

SqliteReaderPool::SqliteReaderPool(std::string path) : path_(std::move(path)) {}

std::unique_ptr<SqliteReadConnection> SqliteReaderPool::lend() {
  std::unique_ptr<SQLite::Database> db;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      db = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!db) {
    db = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_FULLMUTEX);
    db->exec("PRAGMA busy_timeout = 5000");
    db->exec("PRAGMA query_only = ON");
  }
  return std::make_unique<SqliteReadConnection>(*this, std::move(db));
}

void SqliteReaderPool::giveBack(std::unique_ptr<SQLite::Database> db) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdle) {
    idle_.push_back(std::move(db));
  }
}

} // namespace printrelay::cloud
