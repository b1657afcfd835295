// GET /metrics on the real server: the records' counts (orders by state, the dispatch queue,
// agents online, the mail outbox) read from the store at scrape time, the worker pool's
// saturation and the parked long-polls; admins only.
#include "tests/cloud/cloud_fixture.h"

#include <future>
#include <sstream>

namespace printrelay::cloud::testing {
namespace {

/// The value of the sample `series` ("name" or "name{labels}") in Prometheus text, or -1.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

class MetricsTest : public StoreFixture {
protected:
  std::string scrape() {
    const auto reply = request("GET", "/metrics", kAdminToken);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.body;
  }

  /// Orders of a new customer at the fixture's store, written straight to the store.
  void seedOrders(const std::vector<OrderState>& states) {
    const std::string customerId = createUser(freshEmail()).value("id", "");
    auto tx = server_->store().begin();
    for (const OrderState state : states) {
      OrderRecord order;
      order.id = "ord_seed_" + std::to_string(++seeded_);
      order.storeId = storeId_;
      order.customerId = customerId;
      order.state = state;
      order.optionsJson = "{}";
      order.documentName = "a.pdf";
      order.contentType = "application/pdf";
      order.createdAt = order.updatedAt = clock_.now();
      tx->insertOrder(order);
    }
    tx->commit();
  }

  int seeded_ = 0;
};

TEST_F(MetricsTest, CountsOrdersByStateTheQueueAgentsAndTheOutbox) {
  seedOrders({OrderState::Queued, OrderState::Queued, OrderState::Queued, OrderState::Printing,
              OrderState::Printed, OrderState::Printed, OrderState::Cancelled});
  {
    // Two mails not due for an hour (the background worker leaves them), one already sent.
    auto tx = server_->store().begin();
    MailRecord mail;
    mail.recipient = "someone@example.com";
    mail.subject = "s";
    mail.body = "b";
    mail.createdAt = clock_.now();
    mail.nextAttemptAt = clock_.now() + 3600;
    tx->enqueueMail(mail);
    tx->enqueueMail(mail);
    mail.id = tx->enqueueMail(mail);
    mail.sentAt = clock_.now();
    tx->updateMail(mail);
    tx->commit();
  }
  // A second store's agent that last called long ago is not online; the fixture's agent calls.
  const auto otherAgent = enrollAgent(createStore("Far Away"));
  pollNow(otherAgent);
  clock_.advance(Api::kOnlineWindowSeconds + 1);
  pollNow(agent_);

  const std::string text = scrape();
  EXPECT_EQ(sample(text, R"(printrelay_orders{state="queued"})"), 3) << text;
  EXPECT_EQ(sample(text, R"(printrelay_orders{state="printing"})"), 1);
  EXPECT_EQ(sample(text, R"(printrelay_orders{state="printed"})"), 2);
  EXPECT_EQ(sample(text, R"(printrelay_orders{state="cancelled"})"), 1);
  EXPECT_EQ(sample(text, R"(printrelay_orders{state="awaiting_upload"})"), 0); // zero, listed
  EXPECT_EQ(sample(text, R"(printrelay_orders{state="expired"})"), 0);
  EXPECT_EQ(sample(text, "printrelay_dispatch_queue_depth"), 3);
  EXPECT_EQ(sample(text, "printrelay_agents_online"), 1);
  EXPECT_EQ(sample(text, "printrelay_mail_outbox_depth"), 2);
  EXPECT_NE(text.find("# TYPE printrelay_orders gauge"), std::string::npos);

  // The worker pool: its size, and this very scrape busy on it.
  EXPECT_EQ(sample(text, "printrelay_http_worker_threads"), settings_.httpThreads);
  EXPECT_GE(sample(text, "printrelay_http_worker_busy"), 1);
  EXPECT_GE(sample(text, "printrelay_http_worker_queue_depth"), 0);
  EXPECT_EQ(sample(text, "printrelay_http_parked_waits"), 0);
  EXPECT_EQ(sample(text, "printrelay_http_event_streams"), 0);
}

TEST_F(MetricsTest, EachScrapeReadsTheStoreAnew) {
  seedOrders({OrderState::Queued});
  EXPECT_EQ(sample(scrape(), "printrelay_dispatch_queue_depth"), 1);
  seedOrders({OrderState::Queued, OrderState::Dispatched});
  const std::string text = scrape();
  EXPECT_EQ(sample(text, "printrelay_dispatch_queue_depth"), 2);
  EXPECT_EQ(sample(text, R"(printrelay_orders{state="dispatched"})"), 1);
}

TEST_F(MetricsTest, ShowsAParkedLongPollWhileItWaits) {
  auto poll = std::async(std::launch::async, [this] {
    return requestOnNewClient("GET", "/api/v1/agent/jobs?wait=30", agent_.credential);
  });
  double parked = 0;
  for (int i = 0; i < 500 && parked < 1; ++i) {
    parked = sample(scrape(), "printrelay_http_parked_waits");
    if (parked < 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_EQ(parked, 1);
  // Stopping drains: the parked poll is told at once to come back later.
  client_.reset();
  stopServer();
  const HttpReply reply = poll.get();
  EXPECT_EQ(reply.status, 503) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "shutting_down");
}

TEST_F(MetricsTest, OnlyAnAdminMayScrape) {
  EXPECT_EQ(request("GET", "/metrics").status, 401);
  EXPECT_EQ(request("GET", "/metrics", "not-a-token").status, 401);
  EXPECT_EQ(request("GET", "/metrics", std::string(kAdminToken) + "x").status, 401);
  EXPECT_EQ(request("GET", "/metrics", customer_).status, 403);
  const auto agentReply = request("GET", "/metrics", agent_.credential);
  EXPECT_TRUE(agentReply.status == 401 || agentReply.status == 403) << agentReply.describe();
  const std::string shopkeeper = freshEmail("shopkeeper");
  createUser(shopkeeper, "shopkeeper", json::array({storeId_}));
  EXPECT_EQ(request("GET", "/metrics", accessToken(shopkeeper)).status, 403);
  // Nothing of the store leaks in a refusal.
  EXPECT_EQ(request("GET", "/metrics", customer_).body.find("printrelay_"), std::string::npos);
}

} // namespace
} // namespace printrelay::cloud::testing
