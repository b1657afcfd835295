// Versioned SQLite migrations: applied once each, in order, in their own transaction.
#include "cloud/storage/sqlite/sqlite_migrations.h"
#include "cloud/storage/sqlite/sqlite_store.h"
#include "common/util/error.h"
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
  /// The database at schema `version` (3 or later), with the store st_1 and the customer cu_1.
  SQLite::Database openAtVersion(int version) {
    auto db = openRaw();
    db.exec("PRAGMA foreign_keys = ON");
    const auto& all = sqliteMigrations();
    EXPECT_EQ(applyMigrations(db, std::vector<Migration>(all.begin(), all.begin() + version)),
              version);
    db.exec("INSERT INTO stores (id, name, address, latitude, longitude, created_at) "
            "VALUES ('st_1', 'Shop', '', 1, 2, 3)");
    db.exec("INSERT INTO users (id, email, role, name, password_hash, created_at, updated_at) "
            "VALUES ('cu_1', 'a@example.com', 'customer', 'A', 'h', 1, 1)");
    return db;
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
  for (const char* table :
       {"stores", "enrollment_codes", "agents", "users", "orders", "order_history", "jobs",
        "job_events", "shopkeeper_stores", "sessions", "refresh_tokens", "revoked_access_tokens",
        "account_tokens", "mail_outbox", "order_pages", "store_print_defaults"}) {
    EXPECT_TRUE(db.tableExists(table)) << table;
  }
  EXPECT_FALSE(db.tableExists("customers"));
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

TEST_F(SqliteMigrationsTest, GuestOrdersSurviveTheMoveToAccounts) {
  const auto& all = sqliteMigrations();
  {
    auto db = openRaw();
    db.exec("PRAGMA foreign_keys = ON");
    EXPECT_EQ(applyMigrations(db, {all[0], all[1]}), 2);
    db.exec("INSERT INTO stores (id, name, address, latitude, longitude, created_at) "
            "VALUES ('st_1', 'Shop', '', 1, 2, 3)");
    db.exec("INSERT INTO customers (id, kind, token_hash, created_at) "
            "VALUES ('cu_guest', 'guest', 'h', 4)");
    db.exec("INSERT INTO orders (id, store_id, customer_id, state, options, document_name, "
            "content_type, document_size, key_id, created_at, updated_at) VALUES ('ord_1', "
            "'st_1', 'cu_guest', 'printed', '{}', 'a.pdf', 'application/pdf', 10, 'k', 5, 6)");
    db.exec("INSERT INTO order_history (order_id, state, at, note) "
            "VALUES ('ord_1', 'printed', 6, 'done')");
    db.exec("INSERT INTO jobs (id, order_id, store_id, created_at, updated_at) "
            "VALUES ('job_1', 'ord_1', 'st_1', 5, 6)");
  }
  SqliteStore store(dbPath().string());
  EXPECT_EQ(store.schemaVersion(), all.back().version);
  auto tx = store.begin();
  const auto order = tx->findOrder("ord_1");
  ASSERT_TRUE(order);
  EXPECT_EQ(order->customerId, "cu_guest");
  EXPECT_EQ(order->documentSize, 10u);
  EXPECT_EQ(tx->orderHistory("ord_1").size(), 1u);
  EXPECT_EQ(tx->findJobByOrder("ord_1")->id, "job_1");
  const auto guest = tx->findUser("cu_guest");
  ASSERT_TRUE(guest);
  EXPECT_TRUE(guest->deactivatedAt); // a guest had no password: it can never sign in
  EXPECT_TRUE(guest->email.empty());
  auto db = openRaw();
  EXPECT_FALSE(db.tableExists("customers"));
  SQLite::Statement check(db, "PRAGMA foreign_key_check");
  EXPECT_FALSE(check.executeStep()) << "a row lost its parent";
}

TEST_F(SqliteMigrationsTest, APageCountHoldMovesToTheOrdersLifecycle) {
  const auto& all = sqliteMigrations();
  {
    auto db = openAtVersion(7);
    for (const char* id : {"ord_held", "ord_coded", "ord_done"}) {
      db.exec(std::string("INSERT INTO orders (id, store_id, customer_id, state, options, "
                          "document_name, content_type, created_at, updated_at) VALUES ('") +
              id + "', 'st_1', 'cu_1', '" + (std::string(id) == "ord_done" ? "printed" : "held") +
              "', '{}', 'a.pdf', 'application/pdf', 5, 6)");
      db.exec(std::string("INSERT INTO order_pages (order_id, quoted_pages, hold_reason) "
                          "VALUES ('") +
              id + "', 3, 'page_count')");
    }
    // One held order already has its lifecycle row (held for pickup first, with a code).
    db.exec("INSERT INTO order_lifecycle (order_id, store_id, wants_hold, pickup_code) "
            "VALUES ('ord_coded', 'st_1', 1, '123456')");
  }
  SqliteStore store(dbPath().string());
  EXPECT_EQ(store.schemaVersion(), all.back().version);
  auto tx = store.begin();
  EXPECT_EQ(tx->findOrderLifecycle("ord_held")->holdReason, "page_count");
  const auto coded = tx->findOrderLifecycle("ord_coded");
  EXPECT_EQ(coded->holdReason, "page_count");
  EXPECT_EQ(coded->pickupCode, "123456");
  EXPECT_TRUE(coded->wantsHold);
  EXPECT_FALSE(tx->findOrderLifecycle("ord_done")) << "only a held order waits for a reason";
  EXPECT_EQ(tx->findOrderPages("ord_held")->quotedPages, 3);
}

TEST_F(SqliteMigrationsTest, EveryChargeKeepsItsPageCountWhenItMovesToTheOrdersPages) {
  const auto& all = sqliteMigrations();
  {
    auto db = openAtVersion(8);
    // Per order: its quoted pages and their source (NULL: no order_pages row), the agent's
    // pages, and its charge's pages, their source and when the charge was made final.
    db.exec("CREATE TEMP TABLE cases (id, quoted, source, agent, pages, pages_source, final)");
    db.exec("INSERT INTO cases VALUES "
            "('ord_quoted', 3, 'client', NULL, 3, 'client', NULL), "  // the quote, as it stands
            "('ord_final', 3, 'cloud', 4, 4, 'agent', 9), "           // final on the agent's count
            "('ord_uncounted', 5, 'client', NULL, 5, 'agent', 9), "   // the agent could not count
            "('ord_old_quote', NULL, NULL, NULL, 6, 'cloud', NULL), " // older than order_pages
            "('ord_old_final', NULL, NULL, NULL, 7, 'agent', 9), "    // the same, final
            "('ord_recounted', 2, 'client', 8, 2, 'client', NULL), "  // counted after the quote
            "('ord_requoted', 4, 'agent', 4, 2, 'client', NULL), "    // charge not repriced
            "('ord_reprinted', 3, 'cloud', 5, 3, 'agent', 9)");       // counted after the final
    db.exec("INSERT INTO orders (id, store_id, customer_id, state, options, document_name, "
            "content_type, created_at, updated_at) "
            "SELECT id, 'st_1', 'cu_1', 'printed', '{}', 'a.pdf', 'application/pdf', 5, 6 "
            "FROM cases");
    db.exec("INSERT INTO order_pages (order_id, quoted_pages, source, agent_pages) "
            "SELECT id, quoted, source, agent FROM cases WHERE quoted IS NOT NULL");
    db.exec("INSERT INTO order_charges (order_id, pages, pages_source, price_list, breakdown, "
            "total_minor, currency, quoted_total_minor, finalized_at, payment_state, created_at, "
            "updated_at) SELECT id, pages, pages_source, '{}', '{}', 100, 'EUR', 100, final, "
            "'unpaid', 6, 6 FROM cases");
  }
  SqliteStore store(dbPath().string());
  EXPECT_EQ(store.schemaVersion(), all.back().version);
  auto tx = store.begin();
  const std::pair<const char*, std::pair<int, const char*>> expected[] = {
      {"ord_quoted", {3, "client"}},   {"ord_final", {4, "agent"}},
      {"ord_uncounted", {5, "agent"}}, {"ord_old_quote", {6, "cloud"}},
      {"ord_old_final", {7, "agent"}}, {"ord_recounted", {2, "client"}},
      {"ord_requoted", {2, "client"}}, {"ord_reprinted", {3, "agent"}},
  };
  for (const auto& [id, count] : expected) {
    const auto charge = tx->findOrderCharge(id);
    ASSERT_TRUE(charge) << id;
    EXPECT_EQ(charge->pages, count.first) << id;
    EXPECT_EQ(charge->pagesSource, count.second) << id;
    EXPECT_EQ(charge->totalMinor, 100) << id;
    const auto view = tx->findOrderView(id, false);
    ASSERT_TRUE(view && view->charge) << id;
    EXPECT_EQ(view->charge->pages, count.first) << id;
  }
  // Counts nothing contradicts stay as they were.
  EXPECT_EQ(tx->findOrderPages("ord_final")->quotedPages, 3);
  EXPECT_EQ(tx->findOrderPages("ord_recounted")->agentPages, 8);
  EXPECT_EQ(tx->findOrderPages("ord_uncounted")->agentPages, std::nullopt);
  auto db = openRaw();
  for (const char* column : {"pages", "pages_source"}) {
    EXPECT_EQ(db.execAndGet(std::string("SELECT COUNT(*) FROM pragma_table_info('order_charges') "
                                        "WHERE name = '") +
                            column + "'")
                  .getInt(),
              0)
        << column;
  }
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
