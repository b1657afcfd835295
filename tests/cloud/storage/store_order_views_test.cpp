// The store conformance suite (store_conformance.h): order views, everything an order's JSON
// shows read together, one page at a time.
#include "tests/cloud/storage/store_conformance.h"

#include <stdexcept>

namespace printrelay::cloud::testing {
namespace {

const OrderView& viewOf(const std::vector<OrderView>& views, const std::string& id) {
  for (const auto& view : views) {
    if (view.order.id == id) {
      return view;
    }
  }
  throw std::runtime_error("no view of " + id);
}

TEST_P(StoreConformanceTest, AViewCarriesWhatTheOrderJsonShows) {
  seedViewOrders();
  OrderListQuery query;
  query.customerId = "cu_1";
  const auto views = store_->beginRead()->listOrderViews(query);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].order.id, "ord_bare"); // newest first
  const OrderView& full = viewOf(views, "ord_full");
  EXPECT_EQ(full.order.state, OrderState::Queued);
  EXPECT_EQ(full.order.optionsJson, R"({"copies":1})");
  ASSERT_TRUE(full.job);
  EXPECT_EQ(full.job->id, "job_reprint");
  EXPECT_EQ(full.job->printer, "Office");
  EXPECT_EQ(full.job->spoolerJobId, 7);
  ASSERT_TRUE(full.pages);
  EXPECT_EQ(full.pages->quotedPages, 3);
  EXPECT_FALSE(full.pages->cloudPages);
  EXPECT_EQ(full.pages->source, "client");
  ASSERT_TRUE(full.charge);
  EXPECT_EQ(full.charge->totalMinor, 30);
  EXPECT_EQ(full.charge->pages, 3); // the quoted count
  EXPECT_EQ(full.charge->pagesSource, "client");
  EXPECT_EQ(full.charge->paymentState, "paid");
  EXPECT_EQ(full.charge->paidAt, 16);
  EXPECT_FALSE(full.charge->refundedAt);
  ASSERT_TRUE(full.lifecycle);
  EXPECT_TRUE(full.lifecycle->wantsHold);
  EXPECT_EQ(full.lifecycle->pickupCode, "123456");
  EXPECT_FALSE(full.lifecycle->documentDeletedAt);
  EXPECT_FALSE(full.storeLifecycle);  // the store never set its own: the defaults apply
  EXPECT_EQ(full.enteredStateAt, 35); // the newest entry for its state, not the first
  EXPECT_TRUE(full.history.empty());  // a page carries no history

  const OrderView& bare = viewOf(views, "ord_bare");
  EXPECT_FALSE(bare.job);
  EXPECT_FALSE(bare.pages);
  EXPECT_FALSE(bare.charge);
  EXPECT_FALSE(bare.lifecycle);
  EXPECT_FALSE(bare.enteredStateAt);
}

TEST_P(StoreConformanceTest, AViewCarriesItsStoresLifecycleSettings) {
  seedViewOrders();
  {
    auto tx = store_->begin();
    StoreLifecycleRecord settings;
    settings.storeId = "st_1";
    settings.releaseWindowSeconds = 7200;
    settings.updatedAt = 50;
    tx->putStoreLifecycle(settings);
    tx->commit();
  }
  OrderListQuery query;
  query.storeId = "st_1";
  for (const auto& view : store_->beginRead()->listOrderViews(query)) {
    ASSERT_TRUE(view.storeLifecycle) << view.order.id;
    EXPECT_EQ(view.storeLifecycle->releaseWindowSeconds, 7200);
  }
}

TEST_P(StoreConformanceTest, OneOrdersViewComesWithItsHistoryWhenAsked) {
  seedViewOrders();
  auto read = store_->beginRead();
  const auto withHistory = read->findOrderView("ord_full", true);
  ASSERT_TRUE(withHistory);
  ASSERT_EQ(withHistory->history.size(), 3u);
  EXPECT_EQ(withHistory->history[0].note, "first queued");
  EXPECT_EQ(withHistory->history[2].state, OrderState::Queued);
  EXPECT_EQ(withHistory->job->id, "job_reprint");
  EXPECT_EQ(withHistory->enteredStateAt, 35);
  const auto without = read->findOrderView("ord_full", false);
  ASSERT_TRUE(without);
  EXPECT_TRUE(without->history.empty());
  EXPECT_EQ(without->charge->totalMinor, 30);
  EXPECT_FALSE(read->findOrderView("ord_missing", true));
}

TEST_P(StoreConformanceTest, ViewsArePagedExactlyAsOrdersAre) {
  {
    auto tx = store_->begin();
    for (int i = 0; i < 12; ++i) {
      const auto state = i % 3 == 0 ? OrderState::Queued : OrderState::AwaitingUpload;
      seedOrder(*tx, "ord_" + std::to_string(100 + i), state, 10 + i / 2);
    }
    tx->commit();
  }
  auto read = store_->beginRead();
  std::vector<OrderListQuery> queries(4);
  queries[0].customerId = "cu_1";
  queries[0].limit = 5;
  queries[1].storeId = "st_1";
  queries[1].oldestFirst = true;
  queries[1].after = std::make_pair(std::int64_t{12}, std::string("ord_104"));
  queries[2].customerId = "cu_1";
  queries[2].states = {OrderState::Queued};
  queries[3].storeId = "st_1";
  queries[3].createdAfter = 11;
  queries[3].createdBefore = 15;
  for (const auto& query : queries) {
    std::vector<std::string> orders;
    for (const auto& order : read->listOrders(query)) {
      orders.push_back(order.id);
    }
    std::vector<std::string> views;
    for (const auto& view : read->listOrderViews(query)) {
      views.push_back(view.order.id);
    }
    EXPECT_FALSE(orders.empty());
    EXPECT_EQ(views, orders);
  }
}

} // namespace
} // namespace printrelay::cloud::testing
