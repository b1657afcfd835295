// The SQLite store reads a page of order views in one statement, however long the page: every
// connection the store opens is traced (an SQLite auto-extension installs the trace) and the
// statements a call runs are counted.
#include "cloud/storage/sqlite/sqlite_store.h"
#include "tests/support/store_seed.h"
#include "tests/support/temp_dir.h"

#include <atomic>
#include <gtest/gtest.h>
#include <sqlite3.h>

namespace printrelay::cloud::testing {
namespace {

std::atomic<int> statementsRun{0};

int countStatement(unsigned /*type*/, void* /*context*/, void* /*statement*/, void* sql) {
  // Statements of triggers come as "-- …" comments within their statement: not counted.
  const char* text = static_cast<const char*>(sql);
  if (text == nullptr || std::string_view(text).rfind("--", 0) != 0) {
    ++statementsRun;
  }
  return 0;
}

int traceConnection(sqlite3* db, const char** /*error*/, const sqlite3_api_routines* /*api*/) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, countStatement, nullptr);
  return SQLITE_OK;
}

class SqliteOrderViewsTest : public ::testing::Test {
protected:
  void SetUp() override {
    // void(*)(void) is what sqlite3_auto_extension takes for any entry point.
    sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(&traceConnection));
    store_ = std::make_unique<SqliteStore>((dir_.path() / "store.db").string());
    auto tx = store_->begin();
    seedStoreAndCustomer(*tx);
    for (int i = 0; i < 40; ++i) {
      seedPrintedOrder(*tx, "ord_" + std::to_string(100 + i), 10 + i);
    }
    tx->commit();
  }

  void TearDown() override {
    store_.reset();
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)(void)>(&traceConnection));
  }

  /// How many statements listOrderViews runs for a page of `limit` orders, and the page's size.
  std::pair<int, std::size_t> statementsForPage(int limit) {
    auto read = store_->beginRead();
    read->findStore("st_1"); // the read transaction starts before the count does
    OrderListQuery query;
    query.customerId = "cu_1";
    query.limit = limit;
    const int before = statementsRun;
    const auto views = read->listOrderViews(query);
    return {statementsRun - before, views.size()};
  }

  printrelay::testing::TempDir dir_{"printrelay-order-views-test"};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteOrderViewsTest, APageOfOrderViewsIsOneStatementWhateverItsLength) {
  const auto [forOne, one] = statementsForPage(1);
  const auto [forTwenty, twenty] = statementsForPage(20);
  const auto [forForty, forty] = statementsForPage(40);
  EXPECT_EQ(one, 1u);
  EXPECT_EQ(twenty, 20u);
  EXPECT_EQ(forty, 40u);
  EXPECT_EQ(forOne, 1);
  EXPECT_EQ(forTwenty, 1);
  EXPECT_EQ(forForty, 1);
}

TEST_F(SqliteOrderViewsTest, OneOrdersViewIsOneStatementAndOneMoreForItsHistory) {
  auto read = store_->beginRead();
  read->findStore("st_1");
  int before = statementsRun;
  ASSERT_TRUE(read->findOrderView("ord_120", false));
  EXPECT_EQ(statementsRun - before, 1);
  before = statementsRun;
  ASSERT_TRUE(read->findOrderView("ord_120", true));
  EXPECT_EQ(statementsRun - before, 2);
}

} // namespace
} // namespace printrelay::cloud::testing
