#pragma once

#include <SQLiteCpp/Database.h>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace printrelay::cloud {

class SqliteReaderPool;

/// The connection a read transaction holds: one lent by the pool (returned when this is
/// destroyed), or for an in-memory database, which has no second connection, the writer's own
/// connection under the writer's lock. Either way the connection is query-only meanwhile, so a
/// write through it fails.
class SqliteReadConnection {
public:
  SqliteReadConnection(SqliteReaderPool& pool, std::unique_ptr<SQLite::Database> db);
  SqliteReadConnection(std::unique_lock<std::mutex> writerLock, SQLite::Database& writer);
  ~SqliteReadConnection();
  SqliteReadConnection(const SqliteReadConnection&) = delete;
  SqliteReadConnection& operator=(const SqliteReadConnection&) = delete;

  SQLite::Database& database() { return *db_; }

private:
  SqliteReaderPool* pool_ = nullptr;
  std::unique_ptr<SQLite::Database> pooled_;
  std::unique_lock<std::mutex> writerLock_;
  SQLite::Database* db_;
};

/// Query-only connections to one database file for read transactions. A reader takes an idle
/// one or opens a new one, so readers never wait for each other; a few idle ones are kept.
class SqliteReaderPool {
public:
  explicit SqliteReaderPool(std::string path);

  /// A connection for one read transaction.
  std::unique_ptr<SqliteReadConnection> lend();

private:
  friend class SqliteReadConnection;
  void giveBack(std::unique_ptr<SQLite::Database> db);

  static constexpr std::size_t kMaxIdle = 4;
  const std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<SQLite::Database>> idle_;
};

} // namespace printrelay::cloud
