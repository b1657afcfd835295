#include "cloud/storage/sqlite/sqlite_store.h"

#include "cloud/storage/sqlite/sqlite_migrations.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>

namespace printrelay::cloud {

SqliteTransaction::SqliteTransaction(std::unique_lock<std::mutex> writerLock, SQLite::Database& db)
    : lock_(std::move(writerLock)), db_(db), tx_(db, SQLite::TransactionBehavior::IMMEDIATE) {}

SqliteTransaction::SqliteTransaction(std::unique_ptr<SqliteReadConnection> reader)
    : reader_(std::move(reader)), db_(reader_->database()),
      tx_(db_, SQLite::TransactionBehavior::DEFERRED) {}

void SqliteTransaction::commit() {
  tx_.commit();
  // Nothing may follow a commit, so let the next transaction have the connection.
  if (lock_.owns_lock()) {
    lock_.unlock();
  }
  reader_.reset();
}

SqliteStore::SqliteStore(const std::string& path)
    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
  db_.exec("PRAGMA foreign_keys = ON");
  db_.exec("PRAGMA busy_timeout = 5000");
  if (path != ":memory:") {
    SQLite::Statement wal(db_, "PRAGMA journal_mode = WAL");
    wal.executeStep();
    if (wal.getColumn(0).getString() != "wal") {
      throw Error("store_unavailable", "cannot switch " + path + " to WAL mode");
    }
  }
  db_.exec("PRAGMA synchronous = FULL");
  applyMigrations(db_, sqliteMigrations());
  if (path != ":memory:") {
    readers_ = std::make_unique<SqliteReaderPool>(path);
  }
}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<StoreTransaction> SqliteStore::begin() {
  return std::make_unique<SqliteTransaction>(std::unique_lock(mutex_), db_);
}

std::unique_ptr<StoreTransaction> SqliteStore::beginRead() {
  if (!readers_) {
    return std::make_unique<SqliteTransaction>(
        std::make_unique<SqliteReadConnection>(std::unique_lock(mutex_), db_));
  }
  return std::make_unique<SqliteTransaction>(readers_->lend());
}

int SqliteStore::schemaVersion() {
  std::lock_guard lock(mutex_);
  return appliedSchemaVersion(db_);
}

} // namespace printrelay::cloud
