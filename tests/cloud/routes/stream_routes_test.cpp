// Live event streams over real HTTP connections to the real cloud: who may open which stream
// (Bearer or a single-use ticket), hostile Last-Event-ID values, live delivery, resume after a
// disconnect and after a restart, the shop's agent events, heartbeats, and a stream's
// registration released when its client goes away.
#include "tests/cloud/cloud_fixture.h"
#include "tests/cloud/http/raw_client.h"

#include <cctype>
#include <chrono>
#include <gtest/gtest.h>

namespace printrelay::cloud::testing {
namespace {

using http::testing::RawClient;

/// One event as the client parsed it.
struct Event {
  std::string id;
  std::string event;
  std::string data;
  json asJson() const { return json::parse(data, nullptr, false); }
};

/// Waits (real time, up to 20 s) until `condition` holds; a condition, never a fixed sleep.
bool eventually(const std::function<bool()>& condition) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

/// An EventSource-like client on a raw socket: reads the head, undoes the chunked coding and
/// parses events and comment lines.
class SseClient {
public:
  SseClient(std::uint16_t port, const std::string& target, const std::string& headers = "")
      : raw_(port) {
    raw_.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" + headers +
              "\r\n");
    while (wire_.find("\r\n\r\n") == std::string::npos) {
      if (!fill()) {
        return;
      }
    }
    const auto end = wire_.find("\r\n\r\n");
    head_ = wire_.substr(0, end);
    wire_.erase(0, end + 4);
    status_ = std::stoi(head_.substr(9, 3));
    if (status_ != 200) {
      // An error: a JSON body with its Content-Length.
      const auto at = lower(head_).find("content-length: ");
      const std::size_t length =
          at == std::string::npos ? 0 : std::stoul(head_.substr(at + 16, 12));
      while (wire_.size() < length && fill()) {
      }
      body_ = wire_.substr(0, length);
    }
  }

  int status() const { return status_; }
  const std::string& head() const { return head_; }
  std::string errorCode() const {
    const auto j = json::parse(body_, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  int comments() const { return comments_; }

  /// The next event (comments are counted and skipped); nullopt when the stream ended.
  std::optional<Event> next() {
    while (true) {
      const auto end = text_.find("\n\n");
      if (end != std::string::npos) {
        const std::string block = text_.substr(0, end);
        text_.erase(0, end + 2);
        Event e;
        bool any = false;
        std::size_t start = 0;
        while (start <= block.size()) {
          auto nl = block.find('\n', start);
          const std::string line =
              block.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
          if (!line.empty() && line[0] == ':') {
            ++comments_;
          } else if (line.rfind("id: ", 0) == 0) {
            e.id = line.substr(4);
            any = true;
          } else if (line.rfind("event: ", 0) == 0) {
            e.event = line.substr(7);
            any = true;
          } else if (line.rfind("data: ", 0) == 0) {
            e.data += line.substr(6);
            any = true;
          }
          if (nl == std::string::npos) {
            break;
          }
          start = nl + 1;
        }
        if (any) {
          return e;
        }
        continue;
      }
      if (!dechunk()) {
        return std::nullopt;
      }
    }
  }

  /// Reads until a comment line arrives; false when the stream ended first.
  bool awaitComment() {
    const int before = comments_;
    while (comments_ == before) {
      const auto end = text_.find("\n\n");
      if (end != std::string::npos && text_[0] == ':') {
        ++comments_;
        text_.erase(0, end + 2);
        continue;
      }
      if (end != std::string::npos) {
        return false; // an event came first: the caller did not expect one
      }
      if (!dechunk()) {
        return false;
      }
    }
    return true;
  }

  void close() { raw_.close(); }

private:
  static std::string lower(std::string s) {
    for (auto& c : s) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
  }
  bool fill() {
    auto more = raw_.readSome();
    if (more.empty()) {
      return false;
    }
    wire_ += more;
    return true;
  }
  /// Moves one chunk from the wire to the text; false at the end of the stream.
  bool dechunk() {
    while (true) {
      const auto line = wire_.find("\r\n");
      if (line != std::string::npos) {
        const std::size_t size = std::stoul(wire_.substr(0, line), nullptr, 16);
        if (size == 0) {
          return false;
        }
        if (wire_.size() >= line + 2 + size + 2) {
          text_ += wire_.substr(line + 2, size);
          wire_.erase(0, line + 2 + size + 2);
          return true;
        }
      }
      if (!fill()) {
        return false;
      }
    }
  }

  RawClient raw_;
  std::string wire_;
  std::string text_;
  std::string head_;
  std::string body_;
  int status_ = 0;
  int comments_ = 0;
};

class StreamRoutesTest : public StoreFixture {
protected:
  void configure(CloudSettings& settings) override {
    settings.streamHeartbeat = std::chrono::milliseconds(200);
    // Tokens name the issuer; a fixed one keeps them valid across a restart on another port.
    settings.publicUrl = "https://cloud.printrelay.test";
  }

  std::uint16_t port() const { return static_cast<std::uint16_t>(server_->port()); }
  static std::string bearer(const std::string& token) {
    return "Authorization: Bearer " + token + "\r\n";
  }
  /// The stream at `path` opened with `token`, after `lastEventId` when given.
  std::unique_ptr<SseClient> open(const std::string& path, const std::string& token,
                                  const std::string& extraHeaders = "") {
    return std::make_unique<SseClient>(port(), path,
                                       (token.empty() ? "" : bearer(token)) + extraHeaders);
  }
  /// Waits until `count` streams are subscribed to the feed.
  bool streamsOpen(std::size_t count) {
    return eventually([&] { return server_->openEventStreams() == count; });
  }
  std::string ticket(const std::string& token, const std::string& path) {
    const auto reply =
        request("POST", "/api/v1/stream-tickets", token, json{{"path", path}}.dump());
    EXPECT_EQ(reply.status, 201) << reply.describe();
    return reply.asJson().value("ticket", "");
  }
  void uploadText(const std::string& orderId) {
    const auto reply = upload(customer_, orderId, "hello, printer\n", "text/plain");
    ASSERT_EQ(reply.status, 200) << reply.describe();
  }
  void cancel(const std::string& orderId) {
    const auto reply = request("POST", "/api/v1/orders/" + orderId + "/cancel", customer_, "{}");
    ASSERT_EQ(reply.status, 200) << reply.describe();
  }
  /// A verified shopkeeper of `storeId`, signed in.
  std::string shopkeeperOf(const std::string& storeId) {
    const std::string email = freshEmail("shopkeeper");
    createUser(email, "shopkeeper", json::array({storeId}));
    return accessToken(email);
  }
};

TEST_F(StreamRoutesTest, StreamsAreAuthorisedLikeTheirReads) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  const std::string other = customerToken();
  const std::string otherStore = createStore("Elsewhere");
  const std::string keeper = shopkeeperOf(storeId_);

  EXPECT_EQ(open("/api/v1/orders/events", "")->status(), 401);
  EXPECT_EQ(open("/api/v1/orders/events", "not-a-token")->status(), 401);
  EXPECT_EQ(open("/api/v1/orders/events", keeper)->status(), 403);
  EXPECT_EQ(open("/api/v1/orders/events", agent_.credential)->status(), 403);
  // Someone else's order looks missing, for a customer and for another shop's keeper.
  auto foreign = open("/api/v1/orders/" + orderId + "/events", other);
  EXPECT_EQ(foreign->status(), 404);
  EXPECT_EQ(foreign->errorCode(), "order_not_found");
  EXPECT_EQ(open("/api/v1/orders/" + orderId + "/events", shopkeeperOf(otherStore))->status(), 404);
  EXPECT_EQ(open("/api/v1/orders/ord_nope/events", customer_)->status(), 404);
  // A shop's stream: its keepers and admins; another shop 403, no such store 404.
  EXPECT_EQ(open("/api/v1/shop/stores/" + otherStore + "/events", keeper)->status(), 403);
  EXPECT_EQ(open("/api/v1/shop/stores/" + storeId_ + "/events", customer_)->status(), 403);
  EXPECT_EQ(open("/api/v1/shop/stores/str_nope/events", kAdminToken)->status(), 404);

  auto own = open("/api/v1/orders/" + orderId + "/events", customer_);
  EXPECT_EQ(own->status(), 200);
  EXPECT_NE(own->head().find("text/event-stream"), std::string::npos);
  EXPECT_EQ(open("/api/v1/orders/" + orderId + "/events", keeper)->status(), 200);
  EXPECT_EQ(open("/api/v1/orders/" + orderId + "/events", kAdminToken)->status(), 200);
  EXPECT_EQ(open("/api/v1/shop/stores/" + storeId_ + "/events", keeper)->status(), 200);
}

TEST_F(StreamRoutesTest, AStateChangeArrivesLiveOnEveryStreamThatShowsIt) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  const std::string keeper = shopkeeperOf(storeId_);
  auto mine = open("/api/v1/orders/events", customer_);
  auto one = open("/api/v1/orders/" + orderId + "/events", customer_);
  auto shop = open("/api/v1/shop/stores/" + storeId_ + "/events", keeper);
  ASSERT_EQ(mine->status(), 200);
  ASSERT_TRUE(streamsOpen(3));
  // Another customer's change never shows on this customer's stream.
  const std::string other = customerToken();
  createOrder(other, storeId_, "text/plain");

  uploadText(orderId);
  auto e = mine->next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "order");
  EXPECT_FALSE(e->id.empty());
  EXPECT_EQ(e->id.find_first_not_of("0123456789"), std::string::npos);
  auto data = e->asJson();
  EXPECT_EQ(data["state"], "queued");
  EXPECT_EQ(data["order"]["id"], orderId);
  EXPECT_EQ(data["order"]["state"], "queued");

  auto single = one->next();
  ASSERT_TRUE(single);
  EXPECT_EQ(single->id, e->id);
  EXPECT_TRUE(single->asJson()["order"].contains("history")); // as GET /orders/{id} renders it

  // The shop sees the other customer's new order first, then this one queued.
  auto first = shop->next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->asJson()["state"], "awaiting_upload");
  auto queued = shop->next();
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->id, e->id);
  EXPECT_TRUE(queued->asJson()["order"]["customer_id"].is_string()); // as the shop's list shows it
  EXPECT_LT(std::stoll(first->id), std::stoll(queued->id));
}

TEST_F(StreamRoutesTest, ResumeByLastEventIdReplaysWhatWasMissedInOrderThenGoesLive) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  auto stream = open("/api/v1/orders/events", customer_);
  ASSERT_TRUE(streamsOpen(1));
  uploadText(orderId);
  auto seen = stream->next();
  ASSERT_TRUE(seen);
  stream->close();
  ASSERT_TRUE(streamsOpen(0));

  // Missed while away: a second order created and uploaded, the first cancelled.
  const std::string second = createOrder(customer_, storeId_, "text/plain");
  uploadText(second);
  cancel(orderId);

  auto resumed = open("/api/v1/orders/events", customer_, "Last-Event-ID: " + seen->id + "\r\n");
  ASSERT_EQ(resumed->status(), 200);
  std::vector<std::pair<std::string, std::string>> got; // (order, state)
  std::int64_t last = std::stoll(seen->id);
  for (int i = 0; i < 3; ++i) {
    auto e = resumed->next();
    ASSERT_TRUE(e);
    EXPECT_GT(std::stoll(e->id), last) << "ids increase, nothing twice";
    last = std::stoll(e->id);
    got.emplace_back(e->asJson()["order"]["id"].get<std::string>(),
                     e->asJson()["state"].get<std::string>());
  }
  const std::vector<std::pair<std::string, std::string>> expected{
      {second, "awaiting_upload"}, {second, "queued"}, {orderId, "cancelled"}};
  EXPECT_EQ(got, expected);
  // Then live.
  cancel(second);
  auto live = resumed->next();
  ASSERT_TRUE(live);
  EXPECT_GT(std::stoll(live->id), last);
  EXPECT_EQ(live->asJson()["state"], "cancelled");
  EXPECT_EQ(live->asJson()["order"]["id"], second);
}

TEST_F(StreamRoutesTest, ResumeWorksAcrossARestartOfTheCloud) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  std::string lastId;
  {
    auto stream = open("/api/v1/orders/" + orderId + "/events", customer_);
    ASSERT_TRUE(streamsOpen(1));
    uploadText(orderId);
    auto e = stream->next();
    ASSERT_TRUE(e);
    lastId = e->id;
  }
  cancel(orderId);
  stopServer();
  startServer();
  auto resumed =
      open("/api/v1/orders/" + orderId + "/events", customer_, "Last-Event-ID: " + lastId + "\r\n");
  ASSERT_EQ(resumed->status(), 200);
  auto e = resumed->next();
  ASSERT_TRUE(e);
  EXPECT_GT(std::stoll(e->id), std::stoll(lastId));
  EXPECT_EQ(e->asJson()["state"], "cancelled");
}

TEST_F(StreamRoutesTest, HostileLastEventIdsAreRefused) {
  for (const std::string bad :
       {"-1", "abc", "1000000000000000000000000000000", "1 2", "0x10", "12345678901234567890"}) {
    auto s = open("/api/v1/orders/events", customer_, "Last-Event-ID: " + bad + "\r\n");
    EXPECT_EQ(s->status(), 400) << bad;
    EXPECT_EQ(s->errorCode(), "invalid_request") << bad;
  }
  auto twice = open("/api/v1/orders/events", customer_, "Last-Event-ID: 1\r\nLast-Event-ID: 2\r\n");
  EXPECT_EQ(twice->status(), 400);
  auto query = open("/api/v1/orders/events?last_event_id=-5", customer_);
  EXPECT_EQ(query->status(), 400);
  // A huge header is refused by the server before any route runs.
  auto huge = open("/api/v1/orders/events", customer_,
                   "Last-Event-ID: " + std::string(20 * 1024, '9') + "\r\n");
  EXPECT_EQ(huge->status(), 431);
  // An id from the future counts as the newest: the stream opens and goes live.
  auto future = open("/api/v1/orders/events", customer_, "Last-Event-ID: 999999999\r\n");
  EXPECT_EQ(future->status(), 200);
  ASSERT_TRUE(streamsOpen(1));
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  auto e = future->next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->asJson()["order"]["id"], orderId);
}

TEST_F(StreamRoutesTest, TicketsAreSingleUseShortLivedAndBoundToOneStreamAndUser) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  const std::string path = "/api/v1/orders/events";
  const auto reply =
      request("POST", "/api/v1/stream-tickets", customer_, json{{"path", path}}.dump());
  ASSERT_EQ(reply.status, 201) << reply.describe();
  EXPECT_EQ(reply.asJson()["expires_in"], 60);
  const std::string t = reply.asJson()["ticket"];

  auto stream = open(path + "?ticket=" + t, "");
  ASSERT_EQ(stream->status(), 200);
  ASSERT_TRUE(streamsOpen(1));
  // The ticket opened this customer's stream: another customer's change does not show, theirs
  // does.
  createOrder(customerToken(), storeId_, "text/plain");
  uploadText(orderId);
  auto e = stream->next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->asJson()["order"]["id"], orderId);

  // Single use.
  auto again = open(path + "?ticket=" + t, "");
  EXPECT_EQ(again->status(), 401);
  EXPECT_EQ(again->errorCode(), "invalid_ticket");
  // Bound to its path: spent on the wrong one too.
  const std::string forList = ticket(customer_, path);
  auto wrongPath = open("/api/v1/orders/" + orderId + "/events?ticket=" + forList, "");
  EXPECT_EQ(wrongPath->status(), 401);
  EXPECT_EQ(open(path + "?ticket=" + forList, "")->status(), 401);
  // Short-lived.
  const std::string old = ticket(customer_, path);
  clock_.advance(61);
  auto expired = open(path + "?ticket=" + old, "");
  EXPECT_EQ(expired->status(), 401);
  EXPECT_EQ(expired->errorCode(), "ticket_expired");
  // Garbage.
  for (const std::string& bad :
       std::vector<std::string>{"", "x", std::string(200, 'a'), "%00%ff", t + "x"}) {
    auto g = open(path + "?ticket=" + bad, "");
    EXPECT_EQ(g->status(), 401) << bad;
  }
  // Resume through a ticket: ?last_event_id= (an EventSource re-opens with a new ticket).
  const std::string resumeTicket = ticket(customer_, path);
  auto resumed = open(path + "?ticket=" + resumeTicket +
                          "&last_event_id=" + std::to_string(std::stoll(e->id) - 1),
                      "");
  ASSERT_EQ(resumed->status(), 200);
  auto replayed = resumed->next();
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->id, e->id);
}

TEST_F(StreamRoutesTest, TicketsAreIssuedOnlyForStreamsTheCallerCouldOpen) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  const std::string other = customerToken();
  auto post = [&](const std::string& token, const std::string& body) {
    return request("POST", "/api/v1/stream-tickets", token, body);
  };
  EXPECT_EQ(post("", R"({"path":"/api/v1/orders/events"})").status, 401);
  EXPECT_EQ(post(other, json{{"path", "/api/v1/orders/" + orderId + "/events"}}.dump()).status,
            404);
  EXPECT_EQ(
      post(customer_, json{{"path", "/api/v1/shop/stores/" + storeId_ + "/events"}}.dump()).status,
      403);
  EXPECT_EQ(post(customer_, R"({"path":"/api/v1/orders"})").status, 400);
  EXPECT_EQ(post(customer_, R"({"path":"/api/v1/orders/events/../x"})").status, 400);
  EXPECT_EQ(post(customer_, R"({"path":"/api/v1/orders/events","x":1})").status, 400);
  EXPECT_EQ(post(customer_, R"({"path":42})").status, 400);
  EXPECT_EQ(post(customer_, "not json").status, 400);
  EXPECT_EQ(post(kAdminToken, R"({"path":"/api/v1/orders/events"})").status, 400);
  EXPECT_EQ(post(agent_.credential, R"({"path":"/api/v1/orders/events"})").status, 403);
  // A shopkeeper's ticket opens their shop's stream.
  const std::string keeper = shopkeeperOf(storeId_);
  const std::string path = "/api/v1/shop/stores/" + storeId_ + "/events";
  EXPECT_EQ(open(path + "?ticket=" + ticket(keeper, path), "")->status(), 200);
}

TEST_F(StreamRoutesTest, TheShopStreamShowsItsAgentComingAndGoingAndItsPrinters) {
  // Whatever the agent's enrollment left: silent past the window, it is offline.
  clock_.advance(Api::kOnlineWindowSeconds + 10);
  server_->agentPresence().sweep(clock_.now());
  const std::string keeper = shopkeeperOf(storeId_);
  auto shop = open("/api/v1/shop/stores/" + storeId_ + "/events", keeper);
  ASSERT_EQ(shop->status(), 200);
  ASSERT_TRUE(streamsOpen(1));

  ASSERT_EQ(request("GET", "/api/v1/agent/me", agent_.credential).status, 200);
  auto online = shop->next();
  ASSERT_TRUE(online);
  EXPECT_EQ(online->event, "agent");
  EXPECT_EQ(online->asJson()["state"], "online");
  EXPECT_EQ(online->asJson()["agent_id"], agent_.agentId);
  EXPECT_EQ(online->asJson()["store_id"], storeId_);

  const json printer = {{"name", "front-desk"},       {"state", "idle"},
                        {"accepting", true},          {"is_default", true},
                        {"agent_printer", true},      {"reasons", json::array()},
                        {"problems", json::array()},  {"info", "Front desk"},
                        {"location", "Ground floor"}, {"make_and_model", "HP LaserJet"}};
  const json report = {{"printers", json::array({printer})}};
  const auto put = request("PUT", "/api/v1/agent/printers", agent_.credential, report.dump());
  ASSERT_EQ(put.status, 200) << put.describe();
  auto printers = shop->next();
  ASSERT_TRUE(printers);
  EXPECT_EQ(printers->asJson()["state"], "printers");
  EXPECT_EQ(printers->asJson()["printers"][0]["name"], "front-desk");

  clock_.advance(Api::kOnlineWindowSeconds + 1);
  server_->agentPresence().sweep(clock_.now());
  auto offline = shop->next();
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->asJson()["state"], "offline");
  EXPECT_GT(std::stoll(offline->id), std::stoll(printers->id));
}

TEST_F(StreamRoutesTest, HeartbeatsKeepAnIdleStreamAlive) {
  auto s = open("/api/v1/orders/events", customer_);
  ASSERT_EQ(s->status(), 200);
  EXPECT_TRUE(s->awaitComment());
  EXPECT_TRUE(s->awaitComment());
}

TEST_F(StreamRoutesTest, AStreamWhoseClientGoesAwayReleasesItsRegistration) {
  auto a = open("/api/v1/orders/events", customer_);
  auto b = open("/api/v1/shop/stores/" + storeId_ + "/events", kAdminToken);
  ASSERT_TRUE(streamsOpen(2));
  EXPECT_TRUE(eventually([&] { return server_->openEventStreams() == 2; }));
  a->close();
  ASSERT_TRUE(streamsOpen(1));
  b->close();
  ASSERT_TRUE(streamsOpen(0));
  // A change afterwards finds nobody to wake and breaks nothing.
  createOrder(customer_, storeId_, "text/plain");
  EXPECT_EQ(server_->openEventStreams(), 0u);
}

} // namespace
} // namespace printrelay::cloud::testing
