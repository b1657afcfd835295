// The live event feed's rows and the stream tickets, on every backend: ids increase, filters
// select one customer, order or store, presence is the newest online/offline row, and a ticket
// is used once.
#include "tests/cloud/storage/store_conformance.h"

namespace printrelay::cloud::testing {
namespace {

StreamEventRecord orderEvent(const std::string& store, const std::string& order,
                             const std::string& customer, const std::string& state) {
  StreamEventRecord e;
  e.kind = "order";
  e.storeId = store;
  e.orderId = order;
  e.customerId = customer;
  e.state = state;
  e.at = 10;
  return e;
}

StreamEventRecord agentEvent(const std::string& store, const std::string& state) {
  StreamEventRecord e;
  e.kind = "agent";
  e.storeId = store;
  e.state = state;
  e.dataJson = "{}";
  e.at = 20;
  return e;
}

} // namespace

TEST_P(StoreConformanceTest, StreamEventsHaveIncreasingIdsAndAreFilteredAfterAnId) {
  auto tx = store_->begin();
  EXPECT_EQ(tx->lastStreamEventId(), 0);
  const auto a = tx->appendStreamEvent(orderEvent("st_1", "ord_a", "usr_1", "queued"));
  const auto b = tx->appendStreamEvent(orderEvent("st_2", "ord_b", "usr_2", "queued"));
  const auto c = tx->appendStreamEvent(agentEvent("st_1", "online"));
  const auto d = tx->appendStreamEvent(orderEvent("st_1", "ord_a", "usr_1", "printed"));
  tx->commit();
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);

  auto read = store_->beginRead();
  EXPECT_EQ(read->lastStreamEventId(), d);
  auto ids = [&](const StreamEventFilter& f, std::int64_t after, int limit) {
    std::vector<std::int64_t> out;
    for (const auto& e : read->streamEventsAfter(f, after, limit)) {
      out.push_back(e.id);
    }
    return out;
  };
  EXPECT_EQ(ids({"usr_1", "", ""}, 0, 10), (std::vector<std::int64_t>{a, d}));
  EXPECT_EQ(ids({"", "ord_a", ""}, a, 10), (std::vector<std::int64_t>{d}));
  EXPECT_EQ(ids({"", "", "st_1"}, 0, 10), (std::vector<std::int64_t>{a, c, d}));
  EXPECT_EQ(ids({"", "", "st_1"}, 0, 2), (std::vector<std::int64_t>{a, c}));
  EXPECT_TRUE(ids({"", "", "st_1"}, d, 10).empty());
  const auto presence = read->lastAgentPresence("st_1");
  ASSERT_TRUE(presence);
  EXPECT_EQ(presence->id, c);
  EXPECT_EQ(presence->state, "online");
  EXPECT_FALSE(read->lastAgentPresence("st_2"));
}

TEST_P(StoreConformanceTest, StreamTicketsAreUsedOnceAndExpire) {
  auto tx = store_->begin();
  tx->insertUser(makeUser("usr_1", "a@example.com"));
  StreamTicketRecord t;
  t.ticketHash = "h1";
  t.userId = "usr_1";
  t.sessionId = "ses_1";
  t.path = "/api/v1/orders/events";
  t.createdAt = 100;
  t.expiresAt = 160;
  tx->insertStreamTicket(t);
  tx->commit();

  tx = store_->begin();
  const auto found = tx->findStreamTicket("h1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->path, t.path);
  EXPECT_FALSE(found->usedAt);
  EXPECT_TRUE(tx->markStreamTicketUsed("h1", 120));
  EXPECT_FALSE(tx->markStreamTicketUsed("h1", 121));
  EXPECT_FALSE(tx->markStreamTicketUsed("nope", 121));
  EXPECT_EQ(tx->findStreamTicket("h1")->usedAt, 120);
  tx->deleteExpiredStreamTickets(160);
  EXPECT_TRUE(tx->findStreamTicket("h1"));
  tx->deleteExpiredStreamTickets(161);
  EXPECT_FALSE(tx->findStreamTicket("h1"));
  tx->commit();
}

} // namespace printrelay::cloud::testing
