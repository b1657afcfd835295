// Server-sent events: ids, resume by Last-Event-ID, heartbeats, a client going away, and a
// consumer too slow for its queue.
#include "cloud/http/event_stream.h"
#include "cloud/http/server.h"
#include "tests/cloud/http/http_fixture.h"
#include "tests/cloud/http/raw_client.h"

#include <gtest/gtest.h>
#include <mutex>

namespace printrelay::http::testing {
namespace {

// A feed of numbered events; a stream opened with Last-Event-ID N gets those after N.
struct Feed {
  std::mutex mutex;
  std::vector<SseEvent> history;
  std::vector<std::shared_ptr<EventStream>> streams;
  std::atomic<int> closed{0};
  std::size_t maxQueued = 256;

  void publish(const std::string& data) {
    std::lock_guard lock(mutex);
    history.push_back({std::to_string(history.size() + 1), "order", data});
    for (auto& s : streams) {
      s->push(history.back());
    }
  }
  std::shared_ptr<EventStream> latest() {
    std::lock_guard lock(mutex);
    return streams.empty() ? nullptr : streams.back();
  }
};

Router feedRoutes(Feed& feed) {
  Router router;
  router.add("GET", "/events", [&feed](HttpRequest& req, RequestBody&) -> Reply {
    auto stream = EventStream::create({feed.maxQueued, [&feed] { ++feed.closed; }});
    std::size_t after = 0;
    if (auto last = req.lastEventId()) {
      after = std::stoul(*last);
    }
    std::lock_guard lock(feed.mutex);
    for (std::size_t i = after; i < feed.history.size(); ++i) {
      stream->push(feed.history[i]);
    }
    feed.streams.push_back(stream);
    return Reply::stream(stream);
  });
  return router;
}

// Reads the stream until `marker` shows up; what was read.
std::string readUntil(RawClient& c, const std::string& marker) {
  std::string seen;
  while (seen.find(marker) == std::string::npos) {
    auto more = c.readSome();
    if (more.empty()) {
      break;
    }
    seen += more;
  }
  return seen;
}

TEST(EventStreamTest, EventsCarryIdsAndLiveOnesFollow) {
  Feed feed;
  for (int i = 0; i < 3; ++i) {
    feed.publish("queued " + std::to_string(i));
  }
  TestServer s(feedRoutes(feed));
  RawClient c(s.port());
  c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  auto seen = readUntil(c, "id: 3\n");
  EXPECT_NE(seen.find("text/event-stream"), std::string::npos);
  EXPECT_NE(seen.find("id: 1\nevent: order\ndata: queued 0\n\n"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return s.server().metrics().eventStreams == 1; }));
  std::thread producer([&] { feed.publish("printing\nline two"); });
  seen = readUntil(c, "line two");
  producer.join();
  EXPECT_NE(seen.find("id: 4\nevent: order\ndata: printing\ndata: line two\n\n"),
            std::string::npos);
}

TEST(EventStreamTest, ResumesAfterLastEventId) {
  Feed feed;
  for (int i = 0; i < 5; ++i) {
    feed.publish("e" + std::to_string(i));
  }
  TestServer s(feedRoutes(feed));
  RawClient c(s.port());
  c.send("GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 3\r\n\r\n");
  auto seen = readUntil(c, "id: 5\n");
  EXPECT_EQ(seen.find("id: 3\n"), std::string::npos);
  EXPECT_NE(seen.find("id: 4\n"), std::string::npos);
}

TEST(EventStreamTest, HeartbeatsKeepAQuietStreamAlive) {
  Feed feed;
  ServerOptions options;
  options.heartbeatInterval = std::chrono::milliseconds(50);
  TestServer s(feedRoutes(feed), options);
  RawClient c(s.port());
  c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  auto seen = readUntil(c, ": heartbeat\n\n");
  EXPECT_NE(seen.find(": heartbeat\n\n"), std::string::npos);
}

TEST(EventStreamTest, ClientGoneClosesTheStream) {
  Feed feed;
  TestServer s(feedRoutes(feed));
  RawClient c(s.port());
  c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return s.server().metrics().eventStreams == 1; }));
  c.close();
  EXPECT_TRUE(eventually([&] { return feed.closed == 1; }));
  EXPECT_TRUE(eventually([&] { return s.server().metrics().eventStreams == 0; }));
  EXPECT_FALSE(feed.latest()->push({"9", "", "late"}));
}

TEST(EventStreamTest, SlowConsumerIsDroppedWhenItsQueueOverflows) {
  Feed feed;
  feed.maxQueued = 4;
  TestServer s(feedRoutes(feed));
  RawClient c(s.port());
  c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return s.server().metrics().eventStreams == 1; }));
  auto stream = feed.latest();
  // The client reads nothing: socket buffers fill, then the queue, then the stream is dropped.
  std::string big(64 * 1024, 'x');
  bool dropped = false;
  for (int i = 0; i < 20000 && !dropped; ++i) {
    dropped = !stream->push({std::to_string(i), "", big});
  }
  EXPECT_TRUE(dropped);
  EXPECT_EQ(feed.closed, 1);
  EXPECT_TRUE(eventually([&] { return s.server().metrics().eventStreams == 0; }));
}

TEST(EventStreamTest, DrainEndsStreams) {
  Feed feed;
  TestServer s(feedRoutes(feed));
  RawClient c(s.port());
  c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return s.server().metrics().eventStreams == 1; }));
  s.server().drain(std::chrono::seconds(20));
  EXPECT_TRUE(c.waitClosed());
  EXPECT_EQ(feed.closed, 1);
}

} // namespace
} // namespace printrelay::http::testing
