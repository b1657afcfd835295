#include "cloud/storage/sqlite/sqlite_store.h"

#include "cloud/storage/sqlite/sqlite_migrations.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>

namespace printrelay::cloud {

SqliteTransaction::SqliteTransaction(std::mutex& mutex, SQLite::Database& db)
    : lock_(mutex), db_(db), tx_(db, SQLite::TransactionBehavior::IMMEDIATE) {}

void SqliteTransaction::commit() {
  tx_.commit();
  lock_.unlock(); // nothing may follow a commit, so let the next transaction in
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
}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<StoreTransaction> SqliteStore::begin() {
  return std::make_unique<SqliteTransaction>(mutex_, db_);
}

int SqliteStore::schemaVersion() {
  std::lock_guard lock(mutex_);
  return appliedSchemaVersion(db_);
}

} // namespace printrelay::cloud
