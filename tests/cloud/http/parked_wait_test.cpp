// Parked waits: completed from another thread, cancelled by a client that goes away, timed out,
// drained, and two thousand of them at once while a normal request is served.
#include "cloud/http/parked_wait.h"
#include "cloud/http/server.h"
#include "tests/cloud/http/http_fixture.h"
#include "tests/cloud/http/raw_client.h"

#include <future>
#include <gtest/gtest.h>
#include <mutex>

namespace printrelay::http::testing {
namespace {

// The producer's side of the test: the waits parked so far, by the poll's query.
struct Hub {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<ParkedWait>> waits;
  std::atomic<int> cancelled{0};
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};

  std::shared_ptr<ParkedWait> get(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = waits.find(key);
    return it == waits.end() ? nullptr : it->second;
  }
};

Router pollRoutes(Hub& hub) {
  Router router;
  router.add("GET", "/poll", [&hub](HttpRequest& req, RequestBody&) -> Reply {
    ParkedWait::Options options;
    options.timeout = hub.timeout;
    options.onCancel = [&hub] { ++hub.cancelled; };
    auto wait = ParkedWait::create(std::move(options));
    std::lock_guard lock(hub.mutex);
    hub.waits[req.query] = wait;
    return Reply::park(wait);
  });
  router.add("GET", "/hello",
             [](HttpRequest&, RequestBody&) -> Reply { return HttpResponse::text(200, "hello"); });
  return router;
}

TEST(ParkedWaitTest, CompletedFromAnotherThreadThenTheConnectionIsReused) {
  Hub hub;
  TestServer s(pollRoutes(hub));
  RawClient c(s.port());
  c.send("GET /poll?a HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return s.server().metrics().parkedWaits == 1; }));
  std::promise<bool> written;
  std::thread producer([&] {
    EXPECT_TRUE(hub.get("a")->complete(HttpResponse::json(200, R"({"job":"j-1"})"),
                                       [&](bool ok) { written.set_value(ok); }));
  });
  auto r = c.readResponse();
  producer.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"job":"j-1"})");
  EXPECT_TRUE(written.get_future().get());
  EXPECT_FALSE(hub.get("a")->complete(HttpResponse::text(200, "again")));
  EXPECT_EQ(c.request("GET", "/hello").body, "hello");
  EXPECT_EQ(s.server().metrics().parkedWaits, 0u);
}

TEST(ParkedWaitTest, ClientGoneWhileParkedFiresTheCancellation) {
  Hub hub;
  TestServer s(pollRoutes(hub));
  RawClient c(s.port());
  c.send("GET /poll?b HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return s.server().metrics().parkedWaits == 1; }));
  c.close();
  EXPECT_TRUE(eventually([&] { return hub.cancelled == 1; }));
  // The offer cannot go out any more: the producer learns it from complete().
  EXPECT_FALSE(hub.get("b")->complete(HttpResponse::text(200, "offer")));
  EXPECT_TRUE(eventually([&] { return s.server().metrics().parkedWaits == 0; }));
}

TEST(ParkedWaitTest, TimesOutWithItsTimeoutResponse) {
  Hub hub;
  hub.timeout = std::chrono::milliseconds(50);
  TestServer s(pollRoutes(hub));
  RawClient c(s.port());
  auto r = c.request("GET", "/poll?t");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(hub.cancelled, 0);
}

TEST(ParkedWaitTest, DrainAsksParkedWaitsToComplete) {
  Hub hub;
  Router router;
  router.add("GET", "/poll", [&hub](HttpRequest&, RequestBody&) -> Reply {
    auto holder = std::make_shared<std::weak_ptr<ParkedWait>>();
    ParkedWait::Options o;
    o.onDrain = [holder] {
      if (auto w = holder->lock()) {
        w->complete(HttpResponse::error(503, "draining", "come back later"));
      }
    };
    auto wait = ParkedWait::create(std::move(o));
    *holder = wait;
    std::lock_guard lock(hub.mutex);
    hub.waits["d"] = wait;
    return Reply::park(wait);
  });
  TestServer s(std::move(router));
  RawClient c(s.port());
  c.send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return s.server().metrics().parkedWaits == 1; }));
  std::thread drainer([&] { s.server().drain(std::chrono::seconds(20)); });
  auto r = c.readResponse();
  drainer.join();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["connection"], "close");
}

TEST(ParkedWaitTest, TwoThousandParkedLongPolls) {
  constexpr int kPolls = 2000;
  if (raiseFileLimit(2 * kPolls + 200) < 2 * kPolls + 200) {
    GTEST_SKIP() << "the descriptor limit is too low for " << kPolls << " connections";
  }
  Hub hub;
  ServerOptions options;
  options.maxConnectionsPerAddress = kPolls + 10;
  options.maxQueuedTasks = kPolls; // all arrive at once: none may be turned away with 503
  TestServer s(pollRoutes(hub), options);
  std::vector<RawClient> clients;
  clients.reserve(kPolls);
  for (int i = 0; i < kPolls; ++i) {
    clients.emplace_back(s.port());
    ASSERT_TRUE(
        clients.back().send("GET /poll?" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  ASSERT_TRUE(eventually([&] { return s.server().metrics().parkedWaits == kPolls; }))
      << s.server().metrics().parkedWaits << " parked, "
      << s.server().metrics().requestsByStatus[503] << " answered 503";
  {
    RawClient customer(s.port());
    EXPECT_EQ(customer.request("GET", "/hello").body, "hello");
  }
  std::atomic<int> written{0};
  std::thread producer([&] {
    for (int i = 0; i < kPolls; ++i) {
      auto key = std::to_string(i);
      hub.get(key)->complete(HttpResponse::text(200, "job-" + key),
                             [&](bool ok) { written += ok ? 1 : 0; });
    }
  });
  int answered = 0;
  for (int i = 0; i < kPolls; ++i) {
    auto r = clients[std::size_t(i)].readResponse();
    answered += r.status == 200 && r.body == "job-" + std::to_string(i) ? 1 : 0;
  }
  producer.join();
  EXPECT_EQ(answered, kPolls);
  EXPECT_TRUE(eventually([&] { return written == kPolls; }));
  // The count drops once each write has completed, just after the client has its answer.
  EXPECT_TRUE(eventually([&] { return s.server().metrics().parkedWaits == 0; }));
  EXPECT_EQ(hub.cancelled, 0);
}

} // namespace
} // namespace printrelay::http::testing
