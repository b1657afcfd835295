// Versioned SQLite migrations: applied once each, in order, in their own transaction.
#include "cloud/sqlite_migrations.h"
#include "cloud/sqlite_store.h"
#include "common/error.h"
#include "tests/support/temp_dir.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

namespace printrelay::cloud::testing {
namespace {

class SqliteMigrationsTest : public ::testing::Test {
protected:
  std::filesystem::path dbPath() const { return dir_.path() / "cloud.db"; }
  SQLite::Database openRaw() {
    return SQLite::Database(dbPath().string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  }
  static std::vector<std::pair<int, std::int64_t>> recorded(SQLite::Database& db) {
    SQLite::Statement st(db, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
    std::vector<std::pair<int, std::int64_t>> out;
    while (st.executeStep()) {
      out.emplace_back(st.getColumn(0).getInt(), st.getColumn(1).getInt64());
    }
    return out;
  }

  printrelay::testing::TempDir dir_{"printrelay-migrations-test"};
};

TEST_F(SqliteMigrationsTest, MigrationsAreNumberedWithoutGaps) {
  const auto& migrations = sqliteMigrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(migrations[i].description.empty());
  }
}

TEST_F(SqliteMigrationsTest, FreshDatabaseGetsEveryMigrationRecorded) {
  SqliteStore store(dbPath().string());
  EXPECT_EQ(store.schemaVersion(), sqliteMigrations().back().version);
  auto db = openRaw();
  const auto versions = recorded(db);
  ASSERT_EQ(versions.size(), sqliteMigrations().size());
  for (const char* table : {"stores", "enrollment_codes", "agents", "customers", "orders",
                            "order_history", "jobs", "job_events"}) {
    EXPECT_TRUE(db.tableExists(table)) << table;
  }
}

TEST_F(SqliteMigrationsTest, DatabaseIsInWalMode) {
  SqliteStore store(dbPath().string());
  auto db = openRaw();
  SQLite::Statement mode(db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.executeStep());
  EXPECT_EQ(mode.getColumn(0).getString(), "wal");
}

TEST_F(SqliteMigrationsTest, ReopeningAppliesNothingAgain) {
  std::vector<std::pair<int, std::int64_t>> before;
  {
    SqliteStore store(dbPath().string());
    auto db = openRaw();
    before = recorded(db);
  }
  SqliteStore again(dbPath().string());
  auto db = openRaw();
  EXPECT_EQ(recorded(db), before);
}

TEST_F(SqliteMigrationsTest, OlderDatabaseIsUpgradedKeepingItsData) {
  const auto& all = sqliteMigrations();
  {
    auto db = openRaw();
    EXPECT_EQ(applyMigrations(db, {all.front()}), 1);
    db.exec("INSERT INTO stores (id, name, address, latitude, longitude, created_at) "
            "VALUES ('st_old', 'Old Shop', '', 1, 2, 3)");
    EXPECT_FALSE(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = "
                               "'orders_by_customer'")
                     .getInt());
  }
  SqliteStore store(dbPath().string());
  EXPECT_EQ(store.schemaVersion(), all.back().version);
  EXPECT_EQ(store.begin()->findStore("st_old")->name, "Old Shop");
  auto db = openRaw();
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders_by_customer'")
                .getInt(),
            1);
}

TEST_F(SqliteMigrationsTest, FailingMigrationRollsBackAlone) {
  auto db = openRaw();
  const std::vector<Migration> migrations{
      sqliteMigrations().front(),
      {2, "half done", "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);"},
  };
  try {
    applyMigrations(db, migrations);
    FAIL() << "the broken migration was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "migration_failed");
    EXPECT_NE(std::string(e.what()).find("half done"), std::string::npos);
  }
  EXPECT_EQ(appliedSchemaVersion(db), 1);
  EXPECT_TRUE(db.tableExists("stores"));
  EXPECT_FALSE(db.tableExists("half_done"));
}

TEST_F(SqliteMigrationsTest, NewerDatabaseIsRefused) {
  {
    auto db = openRaw();
    applyMigrations(db, sqliteMigrations());
    db.exec("INSERT INTO schema_migrations (version, description, applied_at) "
            "VALUES (999, 'from the future', 0)");
  }
  try {
    SqliteStore store(dbPath().string());
    FAIL() << "a newer schema was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "database_too_new");
  }
}

} // namespace
} // namespace printrelay::cloud::testing
