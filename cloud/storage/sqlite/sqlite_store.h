#pragma once

#include "cloud/storage/store.h"

#include <SQLiteCpp/Database.h>
#include <mutex>
#include <string>

namespace printrelay::cloud {

/// The embedded backend: one SQLite database in WAL mode, migrated on open. Transactions are
/// serialized on one connection (one node, many threads), which keeps every read-modify-write
/// atomic without retry loops.
class SqliteStore : public Store {
public:
  /// Opens (creating if needed) the database file at `path`, or an in-memory database for
  /// ":memory:", and applies the schema migrations.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

  std::unique_ptr<StoreTransaction> begin() override;
  std::string backendName() const override { return "sqlite"; }
  int schemaVersion() override;

private:
  std::mutex mutex_;
  SQLite::Database db_;
};

} // namespace printrelay::cloud
