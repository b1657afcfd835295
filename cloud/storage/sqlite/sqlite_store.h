#pragma once

#include "cloud/storage/sqlite/sqlite_readers.h"
#include "cloud/storage/store.h"

#include <SQLiteCpp/Database.h>
#include <memory>
#include <mutex>
#include <string>

namespace printrelay::cloud {

/// The embedded backend: one SQLite database in WAL mode, migrated on open. Write transactions
/// are serialized on one connection (one node, many threads), which keeps every
/// read-modify-write atomic without retry loops. Read transactions run on connections of their
/// own and wait for nobody; an in-memory database has only the one connection, so there they
/// are serialized with the writes.
class SqliteStore : public Store {
public:
  /// Opens (creating if needed) the database file at `path`, or an in-memory database for
  /// ":memory:", and applies the schema migrations.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

  std::unique_ptr<StoreTransaction> begin() override;
  std::unique_ptr<StoreTransaction> beginRead() override;
  std::string backendName() const override { return "sqlite"; }
  int schemaVersion() override;

private:
  std::mutex mutex_; ///< the writer's lock
  SQLite::Database db_;
  std::unique_ptr<SqliteReaderPool> readers_; ///< null for an in-memory database
};

} // namespace printrelay::cloud
