// The serving core over real sockets: routing, keep-alive, request ids, the protections (413
// before the body, the header deadline, connection caps, 503 from a full pool), streamed request
// and response bodies, drain.
#include "cloud/http/server.h"
#include "tests/cloud/http/http_fixture.h"
#include "tests/cloud/http/raw_client.h"

#include <fstream>
#include <future>
#include <gtest/gtest.h>
#include <openssl/evp.h>

namespace printrelay::http::testing {
namespace {

std::string sha256Hex(EVP_MD_CTX* ctx) {
  unsigned char digest[32];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    static constexpr char digits[] = "0123456789abcdef";
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 15];
  }
  return hex;
}

struct Sha256 {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  Sha256() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void update(const char* data, std::size_t n) { EVP_DigestUpdate(ctx.get(), data, n); }
  std::string hex() { return sha256Hex(ctx.get()); }
};

// The largest resident set so far, in KiB (VmHWM).
long peakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

Router basicRoutes() {
  Router router;
  router.add("GET", "/hello",
             [](HttpRequest&, RequestBody&) -> Reply { return HttpResponse::text(200, "hello"); });
  router.add("POST", "/echo", [](HttpRequest& req, RequestBody& body) -> Reply {
    auto r = HttpResponse::text(200, body.readAll(1 << 20));
    r.headers.set("X-Seen-Id", req.requestId);
    return r;
  });
  router.add("GET", "/orders/{id}/pages/{page}", [](HttpRequest& req, RequestBody&) -> Reply {
    return HttpResponse::text(200, req.params["id"] + ":" + req.params["page"]);
  });
  return router;
}

TEST(HttpServerTest, RoutesByMethodAndPath) {
  TestServer s(basicRoutes());
  RawClient c(s.port());
  auto r = c.request("GET", "/hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  r = c.request("GET", "/orders/o-17/pages/3");
  EXPECT_EQ(r.body, "o-17:3");
  r = c.request("DELETE", "/hello");
  EXPECT_EQ(r.status, 405);
  r = c.request("GET", "/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("not_found"), std::string::npos);
}

TEST(HttpServerTest, KeepAliveServesTwoRequestsOnOneSocket) {
  TestServer s(basicRoutes());
  RawClient c(s.port());
  auto first = c.request("POST", "/echo", "", "one");
  auto second = c.request("POST", "/echo", "", "two");
  EXPECT_EQ(first.body, "one");
  EXPECT_EQ(second.body, "two");
  EXPECT_EQ(s.server().metrics().openConnections, 1u);
}

TEST(HttpServerTest, RequestIdIsEchoedWhenSaneAndMadeOtherwise) {
  TestServer s(basicRoutes());
  RawClient c(s.port());
  auto r = c.request("POST", "/echo", "X-Request-Id: abc-123.x\r\n", "x");
  EXPECT_EQ(r.headers["x-request-id"], "abc-123.x");
  EXPECT_EQ(r.headers["x-seen-id"], "abc-123.x");
  r = c.request("POST", "/echo", "X-Request-Id: <script>\r\n", "x");
  EXPECT_EQ(r.headers["x-request-id"].size(), 16u);
  EXPECT_NE(r.headers["x-request-id"], "<script>");
}

TEST(HttpServerTest, OversizedContentLengthIsRefusedBeforeTheBody) {
  Router router;
  std::atomic<bool> handlerRan{false};
  router.add(
      "PUT", "/small",
      [&](HttpRequest&, RequestBody&) -> Reply {
        handlerRan = true;
        return HttpResponse::text(200, "");
      },
      RouteOptions{1024});
  TestServer s(std::move(router));
  RawClient c(s.port());
  // A terabyte announced, not a byte of it sent: the answer comes at once.
  c.send("PUT /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\n");
  auto r = c.readResponse();
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(c.waitClosed());
  EXPECT_FALSE(handlerRan);
}

TEST(HttpServerTest, ChunkedBodyOverTheLimitIsRefused) {
  Router router;
  router.add(
      "POST", "/small",
      [](HttpRequest&, RequestBody& body) -> Reply {
        return HttpResponse::text(200, body.readAll(1 << 20));
      },
      RouteOptions{1024});
  TestServer s(std::move(router));
  RawClient c(s.port());
  std::string chunk(800, 'a');
  c.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  c.send("320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(c.readResponse().status, 413);
}

TEST(HttpServerTest, HeaderDeadlineDropsASlowClientWhileOthersAreServed) {
  ServerOptions options;
  options.headerDeadline = std::chrono::milliseconds(300);
  TestServer s(basicRoutes(), options);
  RawClient slow(s.port());
  slow.send("GET /hello HTTP/1.1\r\n");
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    // One header byte at a time, never finishing.
    while (!done && slow.send("X")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  RawClient other(s.port());
  EXPECT_EQ(other.request("GET", "/hello").status, 200);
  EXPECT_TRUE(eventually([&] { return s.server().metrics().connectionsTimedOut >= 1; }));
  done = true;
  trickle.join();
  EXPECT_TRUE(slow.waitClosed());
  EXPECT_EQ(other.request("GET", "/hello").status, 200);
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.idleTimeout = std::chrono::milliseconds(100);
  TestServer s(basicRoutes(), options);
  RawClient c(s.port());
  EXPECT_EQ(c.request("GET", "/hello").status, 200);
  EXPECT_TRUE(c.waitClosed());
}

TEST(HttpServerTest, TicksRunOnTheEventLoopUntilStop) {
  ServerOptions options;
  options.tickInterval = std::chrono::milliseconds(10);
  std::atomic<int> ticks{0};
  options.onTick = [&ticks] { ++ticks; };
  {
    TestServer s(basicRoutes(), options);
    EXPECT_TRUE(eventually([&] { return ticks.load() >= 3; }));
  }
  const int atStop = ticks.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ticks.load(), atStop); // none after the server stopped
}

TEST(HttpServerTest, BodyBelowTheMinimumRateIsCut) {
  ServerOptions options;
  options.bodyGrace = std::chrono::milliseconds(100);
  options.minBodyBytesPerSecond = 1 << 20;
  std::promise<std::string> outcome;
  Router router;
  router.add("PUT", "/upload", [&outcome](HttpRequest&, RequestBody& body) -> Reply {
    try {
      body.readAll(1 << 20);
      outcome.set_value("complete");
    } catch (const BodyError&) {
      outcome.set_value("aborted");
      throw;
    }
    return HttpResponse::text(200, "");
  });
  TestServer s(std::move(router), options);
  RawClient slow(s.port());
  slow.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789");
  EXPECT_EQ(outcome.get_future().get(), "aborted");
  EXPECT_TRUE(slow.waitClosed());
  EXPECT_GE(s.server().metrics().connectionsTimedOut, 1u);
}

TEST(HttpServerTest, ConnectionsPerAddressAreCapped) {
  ServerOptions options;
  options.maxConnectionsPerAddress = 3;
  TestServer s(basicRoutes(), options);
  std::vector<RawClient> held;
  for (int i = 0; i < 3; ++i) {
    held.emplace_back(s.port());
    ASSERT_EQ(held.back().request("GET", "/hello").status, 200);
  }
  RawClient fourth(s.port());
  auto r = fourth.request("GET", "/hello");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_GE(s.server().metrics().connectionsRefused, 1u);
  held.pop_back();
  EXPECT_TRUE(eventually([&] {
    RawClient again(s.port());
    return again.request("GET", "/hello").status == 200;
  }));
}

TEST(HttpServerTest, FullWorkerPoolAnswers503WithRetryAfter) {
  ServerOptions options;
  options.workerThreads = 1;
  options.maxQueuedTasks = 0;
  std::promise<void> release;
  auto released = release.get_future().share();
  Router router;
  router.add("GET", "/block", [released](HttpRequest&, RequestBody&) -> Reply {
    released.wait();
    return HttpResponse::text(200, "done");
  });
  router.add(
      "GET", "/health",
      [](HttpRequest&, RequestBody&) -> Reply { return HttpResponse::text(200, "ok"); },
      RouteOptions{0, false});
  TestServer s(std::move(router), options);
  RawClient first(s.port());
  first.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return s.server().metrics().workerBusy == 1; }));
  RawClient second(s.port());
  auto r = second.request("GET", "/block");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");
  // A non-blocking route runs on the I/O thread: it answers while the pool is full.
  RawClient third(s.port());
  EXPECT_EQ(third.request("GET", "/health").body, "ok");
  release.set_value();
  EXPECT_EQ(first.readResponse().body, "done");
  EXPECT_EQ(s.server().metrics().requestsByStatus[503], 1u);
}

TEST(HttpServerTest, UploadStreamsThroughTheHandlerWithoutPilingUp) {
  constexpr std::size_t kTotal = 64u << 20;
  Router router;
  std::atomic<std::size_t> largestRead{0};
  router.add(
      "PUT", "/upload",
      [&](HttpRequest&, RequestBody& body) -> Reply {
        Sha256 sha;
        std::vector<char> buf(256 * 1024);
        std::size_t total = 0;
        while (auto n = body.read(buf.data(), buf.size())) {
          sha.update(buf.data(), n);
          total += n;
          largestRead = std::max<std::size_t>(largestRead, n);
        }
        return HttpResponse::text(200, std::to_string(total) + " " + sha.hex());
      },
      RouteOptions{kTotal});
  TestServer s(std::move(router));
  [[maybe_unused]] auto before = peakRssKiB();
  RawClient c(s.port());
  c.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kTotal) +
         "\r\n\r\n");
  Sha256 sent;
  std::string block(64 * 1024, '\0');
  for (std::size_t at = 0; at < kTotal; at += block.size()) {
    for (std::size_t i = 0; i < block.size(); i += 64) {
      block[i] = char((at + i) / 64);
    }
    sent.update(block.data(), block.size());
    ASSERT_TRUE(c.send(block));
  }
  auto r = c.readResponse();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::to_string(kTotal) + " " + sent.hex());
  EXPECT_LE(largestRead.load(), 64u * 1024);
#if !defined(__SANITIZE_ADDRESS__)
  // 64 MiB went through; far less than that ever sat in memory.
  EXPECT_LT(peakRssKiB() - before, 24 * 1024);
#endif
}

TEST(HttpServerTest, DownloadStreamsFromAProvider) {
  Router router;
  router.add("GET", "/doc", [](HttpRequest& req, RequestBody&) -> Reply {
    HttpResponse r;
    r.headers.set("Content-Type", "application/octet-stream");
    auto sent = std::make_shared<int>(0);
    r.provider = [sent]() -> std::optional<std::string> {
      if (*sent == 100) {
        return std::nullopt;
      }
      return std::string(10000, char('a' + (*sent)++ % 26));
    };
    if (req.query == "sized") {
      r.contentLength = 100 * 10000;
    }
    return r;
  });
  TestServer s(std::move(router));
  RawClient c(s.port());
  for (const char* target : {"/doc", "/doc?sized"}) {
    auto r = c.request("GET", target);
    EXPECT_EQ(r.status, 200);
    ASSERT_EQ(r.body.size(), 1000000u) << target;
    EXPECT_EQ(r.body.substr(0, 3), "aaa");
    EXPECT_EQ(r.body.substr(990000, 3), "vvv");
  }
}

TEST(HttpServerTest, DrainLetsARequestInFlightFinish) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  Router router;
  router.add("GET", "/slow", [&entered, released](HttpRequest&, RequestBody&) -> Reply {
    entered.set_value();
    released.wait();
    return HttpResponse::text(200, "finished");
  });
  TestServer s(std::move(router));
  RawClient c(s.port());
  c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  entered.get_future().wait();
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    release.set_value();
  });
  s.server().drain(std::chrono::seconds(20));
  releaser.join();
  auto r = c.readResponse();
  EXPECT_EQ(r.body, "finished");
  EXPECT_EQ(r.headers["connection"], "close");
}

} // namespace
} // namespace printrelay::http::testing
