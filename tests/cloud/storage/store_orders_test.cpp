// The store conformance suite (store_conformance.h): orders, their history, jobs, leases, job
// events, page counts, pickup codes and order lists.
#include "tests/cloud/storage/store_conformance.h"

namespace printrelay::cloud::testing {
namespace {

TEST_P(StoreConformanceTest, StoresCanBeEditedAndListTheirOrders) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
  seedOrder(*tx, "ord_2", OrderState::AwaitingUpload, 20);
  auto store = *tx->findStore("st_1");
  store.name = "Renamed";
  store.latitude = 1.5;
  EXPECT_TRUE(tx->updateStore(store));
  EXPECT_EQ(tx->findStore("st_1")->name, "Renamed");
  EXPECT_EQ(tx->findStore("st_1")->latitude, 1.5);
  store.id = "st_missing";
  EXPECT_FALSE(tx->updateStore(store));
  OrderListQuery ofStore;
  ofStore.storeId = "st_1";
  const auto orders = tx->listOrders(ofStore);
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].id, "ord_2");
  ofStore.storeId = "st_other";
  EXPECT_TRUE(tx->listOrders(ofStore).empty());
}

TEST_P(StoreConformanceTest, OrdersRoundTripAndListNewestFirst) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
  seedOrder(*tx, "ord_2", OrderState::AwaitingUpload, 20);
  tx->insertUser(makeUser("cu_other", "other@example.com"));
  auto order = *tx->findOrder("ord_1");
  EXPECT_EQ(order.state, OrderState::AwaitingUpload);
  EXPECT_FALSE(order.documentSize);
  order.state = OrderState::Queued;
  order.documentSize = 1234;
  order.keyId = "kid";
  order.updatedAt = 30;
  tx->updateOrder(order);
  const auto reread = *tx->findOrder("ord_1");
  EXPECT_EQ(reread.state, OrderState::Queued);
  EXPECT_EQ(reread.documentSize, 1234u);
  EXPECT_EQ(reread.keyId, "kid");
  EXPECT_EQ(reread.optionsJson, R"({"copies":1})");
  OrderListQuery ofCustomer;
  ofCustomer.customerId = "cu_1";
  const auto list = tx->listOrders(ofCustomer);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "ord_2");
  ofCustomer.customerId = "cu_other";
  EXPECT_TRUE(tx->listOrders(ofCustomer).empty());
  OrderRecord missing = order;
  missing.id = "ord_missing";
  EXPECT_THROW(tx->updateOrder(missing), Error);
}

TEST_P(StoreConformanceTest, OrderHistoryKeepsItsOrder) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
  tx->appendOrderHistory({"ord_1", OrderState::AwaitingUpload, 10, "created"});
  tx->appendOrderHistory({"ord_1", OrderState::Queued, 10, ""});
  tx->appendOrderHistory({"ord_1", OrderState::Dispatched, 9, "clock skew keeps insert order"});
  const auto history = tx->orderHistory("ord_1");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].state, OrderState::AwaitingUpload);
  EXPECT_EQ(history[0].note, "created");
  EXPECT_EQ(history[2].state, OrderState::Dispatched);
  EXPECT_TRUE(tx->orderHistory("ord_none").empty());
}

TEST_P(StoreConformanceTest, QueuedJobsComeOutOldestFirst) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Queued, 10);
  seedOrder(*tx, "ord_2", OrderState::Queued, 11);
  seedOrder(*tx, "ord_3", OrderState::Dispatched, 9);
  seedJob(*tx, "job_2", "ord_2", 21);
  seedJob(*tx, "job_1", "ord_1", 20);
  seedJob(*tx, "job_3", "ord_3", 19);
  EXPECT_EQ(tx->nextQueuedJob("st_1")->id, "job_1");
  EXPECT_FALSE(tx->nextQueuedJob("st_other"));
  EXPECT_EQ(tx->findJobByOrder("ord_2")->id, "job_2");
  auto order = *tx->findOrder("ord_1");
  order.state = OrderState::Dispatched;
  tx->updateOrder(order);
  EXPECT_EQ(tx->nextQueuedJob("st_1")->id, "job_2");
}

TEST_P(StoreConformanceTest, LeasesExpireOnlyForDispatchedOrders) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Dispatched, 10);
  seedOrder(*tx, "ord_2", OrderState::Printing, 10);
  seedOrder(*tx, "ord_3", OrderState::Dispatched, 10);
  auto j1 = seedJob(*tx, "job_1", "ord_1", 10);
  auto j2 = seedJob(*tx, "job_2", "ord_2", 10);
  auto j3 = seedJob(*tx, "job_3", "ord_3", 10);
  j1.leaseId = "lease_1";
  j1.leaseExpiresAt = 100;
  j1.agentId = "ag_1";
  j1.spoolerJobId = 7;
  j1.printer = "p";
  j1.lastEventSeq = 3;
  tx->updateJob(j1);
  j2.leaseId = "lease_2";
  j2.leaseExpiresAt = 50;
  tx->updateJob(j2);
  j3.leaseId = "lease_3";
  j3.leaseExpiresAt = 200;
  tx->updateJob(j3);

  const auto reread = *tx->findJob("job_1");
  EXPECT_EQ(reread.leaseId, "lease_1");
  EXPECT_EQ(reread.spoolerJobId, 7);
  EXPECT_EQ(reread.printer, "p");
  EXPECT_EQ(reread.lastEventSeq, 3u);
  EXPECT_EQ(reread.agentId, "ag_1");

  EXPECT_TRUE(tx->expiredLeases(99, "").empty());
  const auto expired = tx->expiredLeases(100, "");
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, "job_1");
  EXPECT_EQ(tx->expiredLeases(1000, "st_1").size(), 2u);
  EXPECT_TRUE(tx->expiredLeases(1000, "st_other").empty());
  EXPECT_EQ(tx->nextLeaseExpiry("st_1"), 100);
  EXPECT_FALSE(tx->nextLeaseExpiry("st_other"));
}

TEST_P(StoreConformanceTest, JobEventsAreUniquePerJobAndSeq) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Dispatched, 10);
  seedOrder(*tx, "ord_2", OrderState::Dispatched, 10);
  seedJob(*tx, "job_1", "ord_1", 10);
  seedJob(*tx, "job_2", "ord_2", 10);
  tx->insertJobEvent({"job_1", 1, R"({"a":1})", R"({"ok":true})", 11});
  tx->insertJobEvent({"job_2", 1, R"({"a":2})", R"({"ok":true})", 11});
  try {
    tx->insertJobEvent({"job_1", 1, "{}", "{}", 12});
    FAIL() << "a duplicate (job, seq) was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "duplicate_event");
  }
  const auto e = tx->findJobEvent("job_1", 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payloadJson, R"({"a":1})");
  EXPECT_EQ(e->responseJson, R"({"ok":true})");
  EXPECT_FALSE(tx->findJobEvent("job_1", 2));
  // The transaction is still usable after the refused insert.
  tx->commit();
  EXPECT_TRUE(store_->begin()->findJobEvent("job_2", 1));
}

TEST_P(StoreConformanceTest, OrderPagesAreInsertedThenOverwritten) {
  {
    auto tx = store_->begin();
    seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
    EXPECT_FALSE(tx->findOrderPages("ord_1"));
    OrderPagesRecord p;
    p.orderId = "ord_1";
    p.clientPages = 4;
    tx->putOrderPages(p);
    tx->commit();
  }
  auto tx = store_->begin();
  auto p = tx->findOrderPages("ord_1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->clientPages, 4);
  EXPECT_FALSE(p->cloudPages);
  EXPECT_FALSE(p->agentPages);
  EXPECT_FALSE(p->quotedPages);
  EXPECT_EQ(p->source, "");
  EXPECT_FALSE(p->approvedAt);
  p->cloudPages = 5;
  p->quotedPages = 5;
  p->agentPages = 7;
  p->source = "cloud";
  p->agentContentType = "application/pdf";
  p->approvedAt = 99;
  tx->putOrderPages(*p);
  const auto again = tx->findOrderPages("ord_1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->cloudPages, 5);
  EXPECT_EQ(again->clientPages, 4);
  EXPECT_EQ(again->agentPages, 7);
  EXPECT_EQ(again->quotedPages, 5);
  EXPECT_EQ(again->source, "cloud");
  EXPECT_EQ(again->agentContentType, "application/pdf");
  EXPECT_EQ(again->approvedAt, 99);
}

TEST_P(StoreConformanceTest, PickupCodesAreReservedWhileTheOrderMayBeCollected) {
  auto tx = store_->begin();
  const std::vector<std::pair<std::string, OrderState>> orders = {
      {"ord_held", OrderState::Held},       {"ord_printed", OrderState::Printed},
      {"ord_gone", OrderState::Printed},    {"ord_cancelled", OrderState::Cancelled},
      {"ord_expired", OrderState::Expired},
  };
  for (const auto& [id, state] : orders) {
    seedOrder(*tx, id, state, 10);
    tx->putOrderLifecycle({id, "st_1", true, "", "424242",
                           id == "ord_gone" ? std::optional<std::int64_t>(20) : std::nullopt});
  }
  std::vector<std::string> ids;
  for (const auto& o : tx->ordersWithPickupCode("st_1", "424242")) {
    ids.push_back(o.id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"ord_held", "ord_printed"}));
  EXPECT_TRUE(tx->ordersWithPickupCode("st_1", "000000").empty());
  EXPECT_TRUE(tx->ordersWithPickupCode("st_other", "424242").empty());
}

TEST_P(StoreConformanceTest, OrdersInAStateSinceCountFromTheirLatestEntry) {
  auto tx = store_->begin();
  auto held = seedOrder(*tx, "ord_1", OrderState::Held, 10);
  tx->appendOrderHistory({"ord_1", OrderState::Held, 10, ""});
  tx->appendOrderHistory({"ord_1", OrderState::Queued, 20, ""});
  tx->appendOrderHistory({"ord_1", OrderState::Held, 50, "held again"});
  auto printed = seedOrder(*tx, "ord_2", OrderState::Printed, 10);
  printed.documentSize = 100;
  tx->updateOrder(printed);
  tx->appendOrderHistory({"ord_2", OrderState::Printed, 30, ""});
  seedOrder(*tx, "ord_3", OrderState::Printed, 10); // never uploaded
  tx->appendOrderHistory({"ord_3", OrderState::Printed, 30, ""});

  EXPECT_TRUE(tx->ordersInStateSince("st_1", OrderState::Held, 49, false, 10).empty());
  ASSERT_EQ(tx->ordersInStateSince("st_1", OrderState::Held, 50, false, 10).size(), 1u);
  EXPECT_EQ(tx->ordersInStateSince("st_1", OrderState::Printed, 30, false, 10).size(), 2u);
  auto stored = tx->ordersInStateSince("st_1", OrderState::Printed, 30, true, 10);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, "ord_2");
  tx->putOrderLifecycle({"ord_2", "st_1", false, "", "", 40});
  EXPECT_TRUE(tx->ordersInStateSince("st_1", OrderState::Printed, 100, true, 10).empty());
  EXPECT_EQ(tx->ordersInStateSince("st_1", OrderState::Printed, 100, false, 1).size(), 1u);
  EXPECT_TRUE(tx->ordersInStateSince("st_other", OrderState::Held, 100, false, 10).empty());
  (void)held;
}

TEST_P(StoreConformanceTest, OrderPagesAreFilteredAndStable) {
  auto tx = store_->begin();
  // Five orders, three of them in the same second.
  seedOrder(*tx, "ord_a", OrderState::Queued, 10);
  seedOrder(*tx, "ord_b", OrderState::Held, 20);
  seedOrder(*tx, "ord_c", OrderState::Queued, 20);
  seedOrder(*tx, "ord_d", OrderState::Printed, 20);
  seedOrder(*tx, "ord_e", OrderState::Queued, 30);
  const auto ids = [](const std::vector<OrderRecord>& orders) {
    std::vector<std::string> out;
    for (const auto& o : orders) {
      out.push_back(o.id);
    }
    return out;
  };
  OrderListQuery q;
  q.customerId = "cu_1";
  q.limit = 2;
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_e", "ord_d"}));
  q.after = std::make_pair(std::int64_t{20}, std::string("ord_d"));
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_c", "ord_b"}));
  q.oldestFirst = true;
  q.after = std::make_pair(std::int64_t{20}, std::string("ord_b"));
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_c", "ord_d"}));
  q = OrderListQuery{};
  q.storeId = "st_1";
  q.states = {OrderState::Queued};
  q.createdAfter = 10;
  q.createdBefore = 30;
  q.limit = 10;
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_c"}));
  q.states = {};
  q.customerId = "cu_other";
  EXPECT_TRUE(tx->listOrders(q).empty());
}

TEST_P(StoreConformanceTest, AReprintedOrdersNewestJobIsItsCurrentOne) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Queued, 10);
  auto old = seedJob(*tx, "job_old", "ord_1", 10);
  old.leaseId = "lease_stale";
  old.leaseExpiresAt = 5;
  tx->updateJob(old);
  seedJob(*tx, "job_new", "ord_1", 50);
  EXPECT_EQ(tx->findJobByOrder("ord_1")->id, "job_new");
  EXPECT_EQ(tx->findJob("job_old")->orderId, "ord_1");
  EXPECT_EQ(tx->nextQueuedJob("st_1")->id, "job_new");
  auto order = *tx->findOrder("ord_1");
  order.state = OrderState::Dispatched;
  tx->updateOrder(order);
  // The old job's stale lease is not the order's: it neither expires nor wakes a poll.
  EXPECT_TRUE(tx->expiredLeases(100, "st_1").empty());
  EXPECT_FALSE(tx->nextLeaseExpiry("st_1"));
}

} // namespace
} // namespace printrelay::cloud::testing
