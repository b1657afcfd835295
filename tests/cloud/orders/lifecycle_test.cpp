// The order lifecycle through the HTTP API: hold and release by pickup code, reprints, cancel,
// the stores' lifecycle settings, expiry and retention driven by the fake clock, the customer's
// notices, and the paged order lists.
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_service.h"
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "tests/cloud/cloud_fixture.h"

#include <cstdio>
#include <limits>
#include <set>

namespace printrelay::cloud::testing {
namespace {

class LifecycleTest : public CloudFixture {
protected:
  // The tests move the clock by days: sessions and access tokens outlive that here.
  void configure(CloudSettings& settings) override {
    settings.accessTokenTtlSeconds = 365 * 86400;
    settings.refreshTokenTtlSeconds = 365 * 86400;
    settings.sessionMaxSeconds = 365 * 86400;
    settings.signingKeyRotationSeconds = 365 * 86400;
  }

  void SetUp() override {
    CloudFixture::SetUp();
    storeId_ = createStore("Copy Corner");
    agent_ = enrollAgent(storeId_);
    customer_ = customerToken();
    shopkeeper_ = accessToken(
        createUser(freshEmail("shopkeeper"), "shopkeeper", json::array({storeId_}))["email"]);
  }

  HttpReply post(const std::string& path, const std::string& token, const json& body = {}) {
    return request("POST", path, token, body.is_null() ? "{}" : body.dump());
  }

  /// A new order of `customer_` at the store; `hold` as given (absent when nullopt).
  std::string newOrder(std::optional<bool> hold = std::nullopt,
                       const std::string& token = std::string()) {
    json body{{"store_id", storeId_},
              {"document_name", "thesis.pdf"},
              {"content_type", "application/pdf"},
              {"pages", 1}}; // the client's own count, needed for a sealed upload
    if (hold) {
      body["hold"] = *hold;
    }
    const auto reply =
        request("POST", "/api/v1/orders", token.empty() ? customer_ : token, body.dump());
    EXPECT_EQ(reply.status, 201) << reply.describe();
    return reply.asJson().value("id", "");
  }

  /// Uploads a sealed document; returns the order JSON the upload answered.
  json uploadTo(const std::string& orderId, const std::string& token = std::string()) {
    const auto reply =
        upload(token.empty() ? customer_ : token, orderId,
               seal(agent_, orderId, "%PDF-1.4 lifecycle"), std::string(envelope::kMediaType));
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson();
  }

  json getOrder(const std::string& orderId, const std::string& token = std::string()) {
    const auto reply =
        request("GET", "/api/v1/orders/" + orderId, token.empty() ? customer_ : token);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson();
  }

  /// Leases the one queued job; returns the offer.
  json lease() {
    const json jobs = pollNow(agent_);
    EXPECT_EQ(jobs.size(), 1u) << jobs.dump();
    return jobs.empty() ? json::object() : jobs[0];
  }

  /// Reports printing then `outcome` ("printed" or "failed") under the offer's lease.
  void finish(const json& offer, const std::string& outcome, const std::string& message = "") {
    const std::string jobId = offer["job_id"];
    auto printing = postEvent(agent_, jobId,
                              {{"seq", 1},
                               {"lease_id", offer["lease_id"]},
                               {"state", "printing"},
                               {"spooler_job_id", 7},
                               {"printer", "front-desk"}});
    ASSERT_EQ(printing.status, 200) << printing.describe();
    json ended{{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", outcome}};
    if (!message.empty()) {
      ended["message"] = message;
    }
    const auto reply = postEvent(agent_, jobId, ended);
    ASSERT_EQ(reply.status, 200) << reply.describe();
  }

  /// An order taken to printed (or failed); returns its id and the offer it printed under.
  std::pair<std::string, json> endedOrder(const std::string& outcome = "printed") {
    const std::string orderId = newOrder(false);
    uploadTo(orderId);
    const json offer = lease();
    finish(offer, outcome, outcome == "failed" ? "paper jam in tray 2" : "");
    return {orderId, offer};
  }

  bool documentOnDisk(const std::string& orderId) const {
    return std::filesystem::exists(settings_.dataDir / "documents" / (orderId + ".prenv"));
  }

  SweepResult sweep() { return server_->worker().sweepOrders(clock_.now()); }

  std::vector<MailRecord> outbox() {
    auto tx = server_->store().begin();
    return tx->listMails();
  }

  std::string settingsPath(const std::string& storeId = std::string()) {
    return "/api/v1/shop/stores/" + (storeId.empty() ? storeId_ : storeId) + "/settings";
  }

  void putSettings(const json& body) {
    const auto reply = request("PUT", settingsPath(), shopkeeper_, body.dump());
    ASSERT_EQ(reply.status, 200) << reply.describe();
  }

  std::string releasePath() const { return "/api/v1/shop/stores/" + storeId_ + "/release"; }

  static std::vector<std::string> historyStates(const json& order) {
    std::vector<std::string> states;
    for (const auto& entry : order["history"]) {
      states.push_back(entry["state"].get<std::string>());
    }
    return states;
  }

  std::string storeId_;
  EnrolledAgent agent_;
  std::string customer_;
  std::string shopkeeper_;
};

// ---- 2. Hold and release by pickup code ------------------------------------------------------

TEST_F(LifecycleTest, HeldOrderWaitsWithAPickupCodeUntilTheShopReleasesIt) {
  const std::string orderId = newOrder(true);
  EXPECT_EQ(getOrder(orderId)["hold"], true);
  const json held = uploadTo(orderId);
  EXPECT_EQ(held["state"], "held");
  EXPECT_EQ(held["hold_reason"], "pickup");
  ASSERT_TRUE(held["pickup_code"].is_string());
  const std::string code = held["pickup_code"];
  EXPECT_TRUE(isPickupCode(code)) << code;
  EXPECT_TRUE(held["job_id"].is_null());
  EXPECT_EQ(held["expires_at"], clock_.now() + 7 * 86400);
  EXPECT_TRUE(pollNow(agent_).empty()) << "a held order must not reach the printer";

  // The shop sees the code in its queue.
  const json queue =
      request("GET", "/api/v1/shop/stores/" + storeId_ + "/orders", shopkeeper_).asJson();
  ASSERT_EQ(queue["orders"].size(), 1u);
  EXPECT_EQ(queue["orders"][0]["pickup_code"], code);

  clock_.advance(600);
  const auto released = post(releasePath(), shopkeeper_, {{"pickup_code", code}});
  ASSERT_EQ(released.status, 200) << released.describe();
  EXPECT_EQ(released.asJson()["id"], orderId);
  EXPECT_EQ(released.asJson()["state"], "queued");
  EXPECT_TRUE(released.asJson()["hold_reason"].is_null());
  EXPECT_EQ(historyStates(getOrder(orderId)),
            (std::vector<std::string>{"awaiting_upload", "held", "queued"}));

  const json offer = lease();
  EXPECT_EQ(offer["order_id"], orderId);
  // Released once: the code releases nothing any more.
  const auto again = post(releasePath(), shopkeeper_, {{"pickup_code", code}});
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.errorCode(), "pickup_code_not_found");
}

TEST_F(LifecycleTest, TheAgentReleasesByCodeForItsOwnStoreOnly) {
  const std::string orderId = newOrder(true);
  const std::string code = uploadTo(orderId)["pickup_code"];

  const std::string otherStore = createStore("Elsewhere");
  const EnrolledAgent otherAgent = enrollAgent(otherStore);
  const auto foreign = request("POST", "/api/v1/agent/release", otherAgent.credential,
                               json{{"pickup_code", code}}.dump());
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.errorCode(), "pickup_code_not_found");

  const auto released = request("POST", "/api/v1/agent/release", agent_.credential,
                                json{{"pickup_code", code}}.dump());
  ASSERT_EQ(released.status, 200) << released.describe();
  // What printrelayctl release shows.
  EXPECT_EQ(released.asJson()["order_id"], orderId);
  EXPECT_EQ(released.asJson()["state"], "queued");
  EXPECT_EQ(lease()["order_id"], orderId);

  // Customers and shopkeepers cannot use the agent's route, nor the agent the shop's.
  EXPECT_EQ(post("/api/v1/agent/release", customer_, {{"pickup_code", code}}).status, 403);
  EXPECT_EQ(
      request("POST", releasePath(), agent_.credential, json{{"pickup_code", code}}.dump()).status,
      403);
}

TEST_F(LifecycleTest, TheStoreSettingDecidesWhenTheCustomerDoesNotSay) {
  EXPECT_EQ(uploadTo(newOrder())["state"], "queued");
  putSettings({{"hold_by_default", true}});
  const std::string defaulted = newOrder();
  EXPECT_EQ(getOrder(defaulted)["hold"], true);
  EXPECT_EQ(uploadTo(defaulted)["state"], "held");
  EXPECT_EQ(uploadTo(newOrder(false))["state"], "queued");
  const auto bad = request("POST", "/api/v1/orders", customer_,
                           json{{"store_id", storeId_},
                                {"document_name", "a.pdf"},
                                {"content_type", "application/pdf"},
                                {"hold", "yes"}}
                               .dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.errorCode(), "invalid_request");
}

TEST_F(LifecycleTest, MalformedPickupCodesAreRefusedWithoutCountingAsGuesses) {
  const std::string code = uploadTo(newOrder(true))["pickup_code"];
  for (const json& body :
       {json::object(), json{{"pickup_code", ""}}, json{{"pickup_code", "12345"}},
        json{{"pickup_code", "1234567"}}, json{{"pickup_code", "12345a"}},
        json{{"pickup_code", " 12345"}}, json{{"pickup_code", "１２３４５６"}},
        json{{"pickup_code", 123456}}, json{{"pickup_code", nullptr}},
        json{{"pickup_code", code}, {"order_id", "x"}}}) {
    const auto reply = post(releasePath(), shopkeeper_, body);
    EXPECT_EQ(reply.status, 400) << body.dump() << " " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "invalid_request") << body.dump();
  }
  EXPECT_EQ(request("POST", releasePath(), shopkeeper_, "{\"pickup_code\":").errorCode(),
            "malformed_json");
  // None of these used up the store's allowance of wrong guesses.
  const auto released = post(releasePath(), shopkeeper_, {{"pickup_code", code}});
  EXPECT_EQ(released.status, 200) << released.describe();
}

TEST_F(LifecycleTest, GuessingPickupCodesIsRateLimitedPerStore) {
  const std::string code = uploadTo(newOrder(true))["pickup_code"];
  const std::string otherStore = createStore("Elsewhere");
  const EnrolledAgent otherAgent = enrollAgent(otherStore);
  // Wrong codes: ten per window get 404, whether from the shop or the agent.
  int guess = 0;
  const auto wrong = [&] {
    std::string w;
    do {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%06d", guess++);
      w = buf;
    } while (w == code);
    return w;
  };
  for (std::uint32_t i = 0; i < Api::kPickupFailuresPerStore; ++i) {
    const auto reply = i % 2 == 0 ? post(releasePath(), shopkeeper_, {{"pickup_code", wrong()}})
                                  : request("POST", "/api/v1/agent/release", agent_.credential,
                                            json{{"pickup_code", wrong()}}.dump());
    EXPECT_EQ(reply.status, 404) << i << " " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "pickup_code_not_found");
  }
  const auto limited = post(releasePath(), shopkeeper_, {{"pickup_code", wrong()}});
  EXPECT_EQ(limited.status, 429) << limited.describe();
  EXPECT_EQ(limited.errorCode(), "too_many_attempts");
  const auto retry = limited.headers.find("Retry-After");
  ASSERT_NE(retry, limited.headers.end());
  EXPECT_EQ(retry->second, std::to_string(Api::kPickupFailureWindowSeconds));
  // Even the right code waits: otherwise the limit would only slow a brute force down.
  EXPECT_EQ(post(releasePath(), shopkeeper_, {{"pickup_code", code}}).status, 429);
  EXPECT_EQ(request("POST", "/api/v1/agent/release", agent_.credential,
                    json{{"pickup_code", code}}.dump())
                .status,
            429);
  // Another store is not affected.
  EXPECT_EQ(request("POST", "/api/v1/agent/release", otherAgent.credential,
                    json{{"pickup_code", "000000"}}.dump())
                .errorCode(),
            "pickup_code_not_found");

  clock_.advance(Api::kPickupFailureWindowSeconds + 1);
  const auto released = post(releasePath(), shopkeeper_, {{"pickup_code", code}});
  EXPECT_EQ(released.status, 200) << released.describe();
}

TEST_F(LifecycleTest, OnlyTheStoresShopkeepersAndAdminsRelease) {
  const std::string code = uploadTo(newOrder(true))["pickup_code"];
  const std::string otherStore = createStore("Elsewhere");
  const std::string otherShopkeeper = accessToken(
      createUser(freshEmail("shopkeeper"), "shopkeeper", json::array({otherStore}))["email"]);
  const auto foreign = post(releasePath(), otherShopkeeper, {{"pickup_code", code}});
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.errorCode(), "forbidden");
  EXPECT_EQ(post(releasePath(), customer_, {{"pickup_code", code}}).status, 403);
  EXPECT_EQ(post(releasePath(), "", {{"pickup_code", code}}).status, 401);
  // Their own store does not know the code.
  EXPECT_EQ(post("/api/v1/shop/stores/" + otherStore + "/release", otherShopkeeper,
                 {{"pickup_code", code}})
                .errorCode(),
            "pickup_code_not_found");
  EXPECT_EQ(
      post("/api/v1/shop/stores/st_nope/release", kAdminToken, {{"pickup_code", code}}).errorCode(),
      "store_not_found");
  EXPECT_EQ(post(releasePath(), kAdminToken, {{"pickup_code", code}}).status, 200);
}

TEST_F(LifecycleTest, AnOrderHeldForItsPageCountIsNotReleasedByCode) {
  const std::string orderId = newOrder(true);
  const std::string code = uploadTo(orderId)["pickup_code"];
  ASSERT_EQ(post(releasePath(), shopkeeper_, {{"pickup_code", code}}).status, 200);
  const json offer = lease();
  {
    // What the documents track does when the agent counts more pages than were quoted.
    auto tx = server_->store().begin();
    OrderRecord order = *tx->findOrder(orderId);
    OrderService orders(*tx, {}, clock_.now());
    orders.hold(order, kHoldForPageCount, "agent counted 9 pages, 3 quoted");
    orders.commit();
  }
  const json held = getOrder(orderId);
  EXPECT_EQ(held["state"], "held");
  EXPECT_EQ(held["hold_reason"], "page_count");
  const auto refused = post(releasePath(), shopkeeper_, {{"pickup_code", code}});
  EXPECT_EQ(refused.status, 409) << refused.describe();
  EXPECT_EQ(refused.errorCode(), "held_for_page_count");
  EXPECT_EQ(getOrder(orderId)["state"], "held");
  // The lease ended with the hold: the agent's next event is refused.
  const auto late = postEvent(agent_, offer["job_id"],
                              {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printing"}});
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.errorCode(), "lease_expired");
}

TEST_F(LifecycleTest, PickupCodesAreDistinctAmongTheStoresOpenOrders) {
  std::set<std::string> codes;
  for (int i = 0; i < 25; ++i) {
    const json held = uploadTo(newOrder(true));
    codes.insert(held["pickup_code"].get<std::string>());
  }
  EXPECT_EQ(codes.size(), 25u);
}

// ---- 3. Reprint --------------------------------------------------------------------------------

TEST_F(LifecycleTest, TheAgentReprintsAPrintedJobAsANewJob) {
  const auto [orderId, first] = endedOrder("printed");
  const std::string oldJob = first["job_id"];
  const auto reply = request("POST", "/api/v1/agent/jobs/" + oldJob + "/reprint", agent_.credential,
                             json{{"reason", "smudged"}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json order = reply.asJson();
  EXPECT_EQ(order["order_id"], orderId);
  EXPECT_EQ(order["state"], "queued");
  ASSERT_TRUE(order["job_id"].is_string());
  const std::string newJob = order["job_id"];
  EXPECT_NE(newJob, oldJob);
  EXPECT_EQ(order["history"].back()["note"],
            "reprint asked by agent " + agent_.agentId + ": smudged");

  const json offer = lease();
  EXPECT_EQ(offer["job_id"], newJob);
  EXPECT_EQ(offer["order_id"], orderId);
  // The new job's events start again at seq 1 without meeting the old job's.
  finish(offer, "printed");
  EXPECT_EQ(getOrder(orderId)["state"], "printed");
  // The old job is done: a replay still gets its first answer, anything new is refused.
  const auto replay = postEvent(
      agent_, oldJob, {{"seq", 2}, {"lease_id", first["lease_id"]}, {"state", "printed"}});
  EXPECT_EQ(replay.status, 200) << replay.describe();
  EXPECT_EQ(replay.asJson()["job_id"], oldJob);
  const auto stale = postEvent(agent_, oldJob,
                               {{"seq", 3}, {"lease_id", first["lease_id"]}, {"state", "printed"}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.errorCode(), "lease_expired");
  EXPECT_EQ(historyStates(getOrder(orderId)),
            (std::vector<std::string>{"awaiting_upload", "queued", "dispatched", "printing",
                                      "printed", "queued", "dispatched", "printing", "printed"}));
}

TEST_F(LifecycleTest, TheShopReprintsAFailedOrder) {
  const auto [orderId, first] = endedOrder("failed");
  const auto reply = post("/api/v1/shop/orders/" + orderId + "/reprint", shopkeeper_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "queued");
  EXPECT_NE(reply.asJson()["job_id"], first["job_id"]);
  EXPECT_EQ(lease()["order_id"], orderId);
}

TEST_F(LifecycleTest, OnlyEndedOrdersOfTheCallersStoreAreReprinted) {
  const auto [printed, offer] = endedOrder("printed");
  const std::string waiting = newOrder(true);
  uploadTo(waiting);
  const std::string queued = newOrder(false);
  const json queuedReply = uploadTo(queued);
  for (const std::string& id : {waiting, queued}) {
    const auto reply = post("/api/v1/shop/orders/" + id + "/reprint", shopkeeper_);
    EXPECT_EQ(reply.status, 409) << reply.describe();
    EXPECT_EQ(reply.errorCode(), "illegal_transition");
    EXPECT_NE(reply.asJson()["error"]["message"].get<std::string>().find("printed or failed"),
              std::string::npos);
  }
  const auto agentReply =
      request("POST", "/api/v1/agent/jobs/" + queuedReply["job_id"].get<std::string>() + "/reprint",
              agent_.credential, "{}");
  EXPECT_EQ(agentReply.status, 409);
  EXPECT_EQ(agentReply.errorCode(), "illegal_transition");

  const std::string otherStore = createStore("Elsewhere");
  const EnrolledAgent otherAgent = enrollAgent(otherStore);
  const std::string otherShopkeeper = accessToken(
      createUser(freshEmail("shopkeeper"), "shopkeeper", json::array({otherStore}))["email"]);
  EXPECT_EQ(request("POST", "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() + "/reprint",
                    otherAgent.credential, "{}")
                .errorCode(),
            "job_not_found");
  EXPECT_EQ(
      request("POST", "/api/v1/agent/jobs/job_nope/reprint", agent_.credential, "{}").errorCode(),
      "job_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/" + printed + "/reprint", otherShopkeeper).errorCode(),
            "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/ord_nope/reprint", shopkeeper_).errorCode(),
            "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/" + printed + "/reprint", customer_).status, 403);
  EXPECT_EQ(
      post("/api/v1/shop/orders/" + printed + "/reprint", shopkeeper_, {{"copies", 9}}).errorCode(),
      "invalid_request");
  EXPECT_EQ(getOrder(printed)["state"], "printed");
}

TEST_F(LifecycleTest, NoReprintOnceTheCiphertextIsDeleted) {
  const auto [orderId, offer] = endedOrder("printed");
  clock_.advance(86400);
  sweep();
  EXPECT_FALSE(documentOnDisk(orderId));
  const auto reply =
      request("POST", "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() + "/reprint",
              agent_.credential, "{}");
  EXPECT_EQ(reply.status, 410) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "document_gone");
  EXPECT_EQ(getOrder(orderId)["state"], "printed");
}

// ---- 4. Cancel ---------------------------------------------------------------------------------

TEST_F(LifecycleTest, TheCustomerCancelsBeforePrintingAndTheCiphertextGoes) {
  const std::string cancelPath = "/api/v1/orders/";
  // awaiting_upload
  const std::string fresh = newOrder();
  auto reply = post(cancelPath + fresh + "/cancel", customer_, {{"reason", "wrong file"}});
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "cancelled");
  EXPECT_EQ(reply.asJson()["history"].back()["note"], "cancelled by the customer: wrong file");
  EXPECT_EQ(upload(customer_, fresh, "late", "text/plain").errorCode(), "order_ended");

  // held and queued: the stored ciphertext is deleted
  for (const bool hold : {true, false}) {
    const std::string id = newOrder(hold);
    uploadTo(id);
    ASSERT_TRUE(documentOnDisk(id));
    reply = post(cancelPath + id + "/cancel", customer_);
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.asJson()["state"], "cancelled");
    EXPECT_FALSE(documentOnDisk(id));
    EXPECT_EQ(reply.asJson()["document"]["deleted_at"], clock_.now());
    EXPECT_TRUE(reply.asJson()["hold_reason"].is_null());
  }
  EXPECT_TRUE(pollNow(agent_).empty()) << "a cancelled order was handed out";
  EXPECT_TRUE(documentFiles().empty());
}

TEST_F(LifecycleTest, CancellingADispatchedOrderRevokesTheLease) {
  const std::string orderId = newOrder(false);
  uploadTo(orderId);
  const json offer = lease();
  const auto reply = post("/api/v1/orders/" + orderId + "/cancel", customer_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_FALSE(documentOnDisk(orderId));
  const std::string jobPath = "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>();
  const auto event =
      postEvent(agent_, offer["job_id"],
                {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printing"}});
  EXPECT_EQ(event.status, 409);
  EXPECT_EQ(event.errorCode(), "lease_expired");
  EXPECT_EQ(request("GET", jobPath + "/document", agent_.credential).errorCode(), "lease_expired");
  EXPECT_EQ(getOrder(orderId)["state"], "cancelled");
}

TEST_F(LifecycleTest, NoCancelOncePrintingStartedOrTheOrderEnded) {
  // printing
  const std::string orderId = newOrder(false);
  uploadTo(orderId);
  const json offer = lease();
  ASSERT_EQ(postEvent(agent_, offer["job_id"],
                      {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printing"}})
                .status,
            200);
  auto reply = post("/api/v1/orders/" + orderId + "/cancel", customer_);
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.errorCode(), "printing_started");
  EXPECT_EQ(post("/api/v1/shop/orders/" + orderId + "/cancel", shopkeeper_).errorCode(),
            "printing_started");
  EXPECT_TRUE(documentOnDisk(orderId));

  // printed, failed
  for (const std::string outcome : {"printed", "failed"}) {
    const auto [id, unused] = endedOrder(outcome);
    reply = post("/api/v1/orders/" + id + "/cancel", customer_);
    EXPECT_EQ(reply.status, 409) << outcome;
    EXPECT_EQ(reply.errorCode(), "printing_started") << outcome;
  }

  // cancelled, expired
  const std::string cancelled = newOrder();
  ASSERT_EQ(post("/api/v1/orders/" + cancelled + "/cancel", customer_).status, 200);
  reply = post("/api/v1/orders/" + cancelled + "/cancel", customer_);
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.errorCode(), "illegal_transition");
  const std::string expired = newOrder();
  clock_.advance(3600);
  sweep();
  ASSERT_EQ(getOrder(expired)["state"], "expired");
  EXPECT_EQ(post("/api/v1/orders/" + expired + "/cancel", customer_).errorCode(),
            "illegal_transition");
}

TEST_F(LifecycleTest, AnOrderAwaitingPaymentCanBeCancelled) {
  const std::string orderId = newOrder(false);
  {
    // What the commerce track does for a pay-first store.
    auto tx = server_->store().begin();
    OrderRecord order = *tx->findOrder(orderId);
    order.state = OrderState::AwaitingPayment;
    tx->updateOrder(order);
    tx->appendOrderHistory({orderId, OrderState::AwaitingPayment, clock_.now(), "unpaid"});
    tx->commit();
  }
  const auto reply = post("/api/v1/orders/" + orderId + "/cancel", customer_);
  EXPECT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "cancelled");
}

TEST_F(LifecycleTest, OnlyTheOwnerOrTheStoresShopCancels) {
  const std::string orderId = newOrder(true);
  uploadTo(orderId);
  const std::string stranger = customerToken();
  auto reply = post("/api/v1/orders/" + orderId + "/cancel", stranger);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "order_not_found");
  EXPECT_EQ(post("/api/v1/orders/ord_nope/cancel", customer_).errorCode(), "order_not_found");
  EXPECT_EQ(post("/api/v1/orders/../cancel", customer_).status, 404);
  EXPECT_EQ(post("/api/v1/orders/" + orderId + "/cancel", shopkeeper_).status, 403);
  EXPECT_EQ(
      post("/api/v1/orders/" + orderId + "/cancel", customer_, {{"state", "queued"}}).errorCode(),
      "invalid_request");

  const std::string otherShopkeeper = accessToken(createUser(
      freshEmail("shopkeeper"), "shopkeeper", json::array({createStore("Elsewhere")}))["email"]);
  reply = post("/api/v1/shop/orders/" + orderId + "/cancel", otherShopkeeper);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/ord_nope/cancel", shopkeeper_).errorCode(),
            "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/" + orderId + "/cancel", customer_).status, 403);
  EXPECT_TRUE(documentOnDisk(orderId));

  reply = post("/api/v1/shop/orders/" + orderId + "/cancel", shopkeeper_,
               {{"reason", "customer called"}});
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "cancelled");
  EXPECT_FALSE(documentOnDisk(orderId));
}

// ---- 5. Store lifecycle settings ---------------------------------------------------------------

TEST_F(LifecycleTest, SettingsHaveDefaultsAndChangeWithinRanges) {
  auto reply = request("GET", settingsPath(), shopkeeper_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson(), json({{"store_id", storeId_},
                                  {"hold_by_default", false},
                                  {"upload_window_seconds", 3600},
                                  {"payment_window_seconds", 86400},
                                  {"release_window_seconds", 7 * 86400},
                                  {"retention_seconds", 86400},
                                  {"updated_at", nullptr}}));
  reply = request("PUT", settingsPath(), shopkeeper_,
                  json{{"hold_by_default", true}, {"release_window_seconds", 2 * 86400}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["hold_by_default"], true);
  EXPECT_EQ(reply.asJson()["release_window_seconds"], 2 * 86400);
  EXPECT_EQ(reply.asJson()["upload_window_seconds"], 3600); // left out: kept
  EXPECT_EQ(reply.asJson()["updated_at"], clock_.now());
  EXPECT_EQ(request("GET", settingsPath(), kAdminToken).asJson(), reply.asJson());
}

TEST_F(LifecycleTest, HostileSettingsAreRefusedAndChangeNothing) {
  const json before = request("GET", settingsPath(), shopkeeper_).asJson();
  const std::vector<json> bodies = {
      {{"hold_by_default", "true"}},
      {{"hold_by_default", 1}},
      {{"hold_by_default", nullptr}},
      {{"upload_window_seconds", "3600"}},
      {{"upload_window_seconds", 3600.5}},
      {{"upload_window_seconds", -1}},
      {{"upload_window_seconds", 0}},
      {{"upload_window_seconds", 299}},
      {{"upload_window_seconds", 30 * 86400 + 1}},
      {{"payment_window_seconds", true}},
      {{"payment_window_seconds", json::array({3600})}},
      {{"release_window_seconds", 3599}},
      {{"release_window_seconds", std::numeric_limits<std::uint64_t>::max()}},
      {{"release_window_seconds", std::numeric_limits<std::int64_t>::min()}},
      {{"retention_seconds", -86400}},
      {{"retention_seconds", 1e300}},
      {{"retention_seconds", nullptr}},
      {{"price_per_page", 1}},
      {{"hold_by_default", true}, {"retention_seconds", -1}},
  };
  for (const auto& body : bodies) {
    const auto reply = request("PUT", settingsPath(), shopkeeper_, body.dump());
    EXPECT_EQ(reply.status, 400) << body.dump() << " " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "invalid_request") << body.dump();
  }
  EXPECT_EQ(request("PUT", settingsPath(), shopkeeper_, "[1]").status, 400);
  EXPECT_EQ(request("PUT", settingsPath(), shopkeeper_, "{\"retention_seconds\":").errorCode(),
            "malformed_json");
  EXPECT_EQ(request("GET", settingsPath(), shopkeeper_).asJson(), before);
  // Zero retention is allowed: the ciphertext goes at the next sweep after printing.
  EXPECT_EQ(
      request("PUT", settingsPath(), shopkeeper_, json{{"retention_seconds", 0}}.dump()).status,
      200);
}

TEST_F(LifecycleTest, SettingsBelongToTheStoresShopkeepers) {
  const std::string otherStore = createStore("Elsewhere");
  const std::string otherShopkeeper = accessToken(
      createUser(freshEmail("shopkeeper"), "shopkeeper", json::array({otherStore}))["email"]);
  const json body{{"hold_by_default", true}};
  for (const std::string method : {"GET", "PUT"}) {
    auto reply = request(method, settingsPath(), otherShopkeeper, body.dump());
    EXPECT_EQ(reply.status, 403) << method;
    EXPECT_EQ(reply.errorCode(), "forbidden");
    EXPECT_EQ(request(method, settingsPath(), customer_, body.dump()).status, 403) << method;
    EXPECT_EQ(request(method, settingsPath(), agent_.credential, body.dump()).status, 403);
    EXPECT_EQ(request(method, settingsPath(), "", body.dump()).status, 401) << method;
    EXPECT_EQ(request(method, settingsPath("st_nope"), kAdminToken, body.dump()).errorCode(),
              "store_not_found");
  }
  EXPECT_EQ(request("GET", settingsPath(), shopkeeper_).asJson()["hold_by_default"], false);
}

// ---- 6. Expiry and retention -------------------------------------------------------------------

TEST_F(LifecycleTest, AnOrderWithoutItsDocumentExpiresAfterTheUploadWindow) {
  const std::string orderId = newOrder();
  EXPECT_EQ(getOrder(orderId)["expires_at"], clock_.now() + 3600);
  clock_.advance(3599);
  EXPECT_EQ(sweep().expired, 0);
  EXPECT_EQ(getOrder(orderId)["state"], "awaiting_upload");
  clock_.advance(1);
  sweep(); // (the worker's own sweep may have come first)
  const json order = getOrder(orderId);
  EXPECT_EQ(order["state"], "expired");
  EXPECT_EQ(order["history"].back()["note"], "expired: no document was uploaded within 1 hour");
  EXPECT_EQ(order["history"].back()["at"], clock_.now());
  EXPECT_TRUE(order["expires_at"].is_null());
  EXPECT_EQ(sweep().expired, 0); // idempotent
  EXPECT_EQ(upload(customer_, orderId, "late", "text/plain").errorCode(), "order_ended");
}

TEST_F(LifecycleTest, AHeldOrderExpiresAfterTheStoresReleaseWindowAndItsCiphertextGoes) {
  putSettings({{"release_window_seconds", 2 * 3600}});
  const std::string orderId = newOrder(true);
  clock_.advance(1800); // the window counts from the hold, not from the order
  const std::string code = uploadTo(orderId)["pickup_code"];
  ASSERT_TRUE(documentOnDisk(orderId));
  clock_.advance(2 * 3600 - 1);
  sweep();
  EXPECT_EQ(getOrder(orderId)["state"], "held");
  clock_.advance(1);
  sweep();
  const json order = getOrder(orderId);
  EXPECT_EQ(order["state"], "expired");
  EXPECT_EQ(order["history"].back()["note"], "expired: not released within 2 hours");
  EXPECT_EQ(order["document"]["deleted_at"], clock_.now());
  EXPECT_FALSE(documentOnDisk(orderId));
  EXPECT_TRUE(documentFiles().empty());
  // The code of an expired order releases nothing.
  EXPECT_EQ(post(releasePath(), shopkeeper_, {{"pickup_code", code}}).errorCode(),
            "pickup_code_not_found");
}

TEST_F(LifecycleTest, AnUnpaidOrderExpiresAfterThePaymentWindow) {
  const std::string orderId = newOrder(false);
  {
    auto tx = server_->store().begin();
    OrderRecord order = *tx->findOrder(orderId);
    order.state = OrderState::AwaitingPayment;
    tx->updateOrder(order);
    tx->appendOrderHistory({orderId, OrderState::AwaitingPayment, clock_.now(), "unpaid"});
    tx->commit();
  }
  clock_.advance(86400);
  sweep(); // (the worker's own sweep may have come first)
  EXPECT_EQ(getOrder(orderId)["history"].back()["note"], "expired: not paid within 1 day");
}

TEST_F(LifecycleTest, QueuedAndPrintingOrdersNeverExpire) {
  const std::string queued = newOrder(false);
  uploadTo(queued);
  clock_.advance(90 * 86400);
  EXPECT_EQ(sweep().expired, 0);
  EXPECT_EQ(getOrder(queued)["state"], "queued");
}

TEST_F(LifecycleTest, PrintedCiphertextIsKeptForTheRetentionWindowOnly) {
  const auto [orderId, offer] = endedOrder("printed");
  clock_.advance(86399);
  EXPECT_EQ(sweep().documentsDeleted, 0);
  EXPECT_TRUE(documentOnDisk(orderId));
  EXPECT_TRUE(getOrder(orderId)["document"]["deleted_at"].is_null());
  clock_.advance(1);
  sweep();
  EXPECT_FALSE(documentOnDisk(orderId));
  const json order = getOrder(orderId);
  EXPECT_EQ(order["state"], "printed");
  EXPECT_EQ(order["document"]["deleted_at"], clock_.now());
  EXPECT_EQ(order["document"]["size"].is_number(), true); // what was stored stays on record
  EXPECT_EQ(sweep().documentsDeleted, 0);
}

TEST_F(LifecycleTest, FailedCiphertextFollowsTheStoresRetention) {
  putSettings({{"retention_seconds", 0}});
  const auto [orderId, offer] = endedOrder("failed");
  sweep();
  EXPECT_FALSE(documentOnDisk(orderId));
}

// ---- 7. Notices --------------------------------------------------------------------------------

TEST_F(LifecycleTest, APrintedOrderMailsReadyForPickupWithTheCode) {
  const std::string orderId = newOrder(true);
  const std::string code = uploadTo(orderId)["pickup_code"];
  ASSERT_EQ(post(releasePath(), shopkeeper_, {{"pickup_code", code}}).status, 200);
  const std::size_t before = outbox().size();
  finish(lease(), "printed");
  const auto mails = outbox();
  ASSERT_EQ(mails.size(), before + 1);
  const MailRecord& mail = mails.back();
  EXPECT_EQ(mail.subject, "Your print is ready for pickup at Copy Corner");
  EXPECT_NE(mail.body.find("Copy Corner\n  1 Test Street"), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find("Pickup code: " + code), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find(orderId), std::string::npos);
  const json me = request("GET", "/api/v1/me", customer_).asJson();
  EXPECT_EQ(mail.recipient, me["email"]);
  // And it is sent.
  const auto files = waitForMailFiles(1);
  EXPECT_NE(files.back().find(code), std::string::npos);
}

TEST_F(LifecycleTest, AFailedOrderMailsTheReason) {
  const std::size_t before = outbox().size();
  const auto [orderId, offer] = endedOrder("failed");
  const auto mails = outbox();
  ASSERT_EQ(mails.size(), before + 1);
  EXPECT_EQ(mails.back().subject, "Your print at Copy Corner failed");
  EXPECT_NE(mails.back().body.find("paper jam in tray 2"), std::string::npos) << mails.back().body;
  EXPECT_EQ(mails.back().body.find("Pickup code"), std::string::npos);
}

TEST_F(LifecycleTest, AReplayedPrintedEventMailsOnce) {
  const std::string orderId = newOrder(false);
  uploadTo(orderId);
  const json offer = lease();
  finish(offer, "printed");
  const std::size_t after = outbox().size();
  const auto replay = postEvent(
      agent_, offer["job_id"], {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printed"}});
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(outbox().size(), after);
}

// ---- 8. Order lists ----------------------------------------------------------------------------

class OrderListTest : public LifecycleTest {
protected:
  /// Every page of `path` (which has its query started) with `limit`; the ids in order.
  std::vector<std::string> allPages(const std::string& path, const std::string& token, int limit) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      const std::string url =
          path + "&limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + cursor);
      const auto reply = request("GET", url, token);
      EXPECT_EQ(reply.status, 200) << url << " " << reply.describe();
      const json j = reply.asJson();
      EXPECT_LE(j["orders"].size(), static_cast<std::size_t>(limit));
      for (const auto& order : j["orders"]) {
        ids.push_back(order["id"]);
      }
      if (j["next_cursor"].is_null()) {
        return ids;
      }
      cursor = j["next_cursor"];
    }
    ADD_FAILURE() << "the pages never ended";
    return ids;
  }
};

TEST_F(OrderListTest, PagesCoverEveryOrderOnceEvenWithEqualTimes) {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) {
    created.push_back(newOrder());
    if (i % 3 == 2) {
      clock_.advance(10); // groups of three share a created_at
    }
  }
  const auto newest = allPages("/api/v1/orders?sort=-created_at", customer_, 2);
  ASSERT_EQ(newest.size(), created.size());
  EXPECT_EQ(std::set<std::string>(newest.begin(), newest.end()).size(), created.size());
  const auto oldest = allPages("/api/v1/orders?sort=created_at", customer_, 3);
  EXPECT_EQ(oldest, std::vector<std::string>(newest.rbegin(), newest.rend()));
  // Newest first is the default, and the first page says there is more.
  const json first = request("GET", "/api/v1/orders?limit=1", customer_).asJson();
  ASSERT_EQ(first["orders"].size(), 1u);
  EXPECT_EQ(first["orders"][0]["id"], newest[0]);
  EXPECT_EQ(first["orders"][0]["id"], created.back());
  EXPECT_TRUE(first["next_cursor"].is_string());
  const json all = request("GET", "/api/v1/orders", customer_).asJson();
  EXPECT_EQ(all["orders"].size(), 7u);
  EXPECT_TRUE(all["next_cursor"].is_null());
}

TEST_F(OrderListTest, FiltersByStatusStoreAndDates) {
  const std::int64_t t0 = clock_.now();
  const std::string waiting = newOrder();
  clock_.advance(100);
  const std::string held = newOrder(true);
  uploadTo(held);
  clock_.advance(100);
  const std::string queued = newOrder(false);
  uploadTo(queued);
  clock_.advance(100);
  const std::string otherStore = createStore("Elsewhere");
  enrollAgent(otherStore);
  const auto elsewhere = request("POST", "/api/v1/orders", customer_,
                                 json{{"store_id", otherStore},
                                      {"document_name", "b.pdf"},
                                      {"content_type", "application/pdf"}}
                                     .dump());
  ASSERT_EQ(elsewhere.status, 201);
  const std::string other = elsewhere.asJson()["id"];

  const auto ids = [&](const std::string& url, const std::string& token) {
    const auto reply = request("GET", url, token);
    EXPECT_EQ(reply.status, 200) << url << " " << reply.describe();
    std::vector<std::string> out;
    const json page = reply.asJson();
    for (const auto& order : page["orders"]) {
      out.push_back(order["id"]);
    }
    return out;
  };
  EXPECT_EQ(ids("/api/v1/orders?status=held,queued", customer_),
            (std::vector<std::string>{queued, held}));
  EXPECT_EQ(ids("/api/v1/orders?status=awaiting_upload&sort=created_at", customer_),
            (std::vector<std::string>{waiting, other}));
  EXPECT_EQ(ids("/api/v1/orders?store_id=" + otherStore, customer_),
            (std::vector<std::string>{other}));
  EXPECT_EQ(ids("/api/v1/orders?created_after=" + std::to_string(t0) +
                    "&created_before=" + std::to_string(t0 + 300),
                customer_),
            (std::vector<std::string>{queued, held}));
  EXPECT_TRUE(ids("/api/v1/orders?status=printed", customer_).empty());

  // The shop's queue: its store only, with the same filters.
  const std::string shop = "/api/v1/shop/stores/" + storeId_ + "/orders";
  EXPECT_EQ(ids(shop + "?status=held", shopkeeper_), (std::vector<std::string>{held}));
  EXPECT_EQ(ids(shop + "?sort=created_at", shopkeeper_),
            (std::vector<std::string>{waiting, held, queued}));
  const json page = request("GET", shop + "?limit=1", shopkeeper_).asJson();
  EXPECT_EQ(page["store_id"], storeId_);
  EXPECT_TRUE(page["orders"][0].contains("customer_id"));
  EXPECT_TRUE(page["next_cursor"].is_string());
}

TEST_F(OrderListTest, HostileQueriesAreRefused) {
  newOrder();
  clock_.advance(1);
  newOrder();
  const json page = request("GET", "/api/v1/orders?limit=1", customer_).asJson();
  const std::string cursor = page["next_cursor"];
  // Edited in its position part, its MAC part, or cut short.
  std::string flipped = cursor;
  flipped[2] = flipped[2] == 'A' ? 'B' : 'A';
  std::string badMac = cursor;
  badMac.back() = badMac.back() == 'A' ? 'B' : 'A';
  const std::string position = cursor.substr(0, cursor.find('.'));
  const std::string mac = cursor.substr(cursor.find('.'));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limit=0", "invalid_request"},
      {"limit=1000", "invalid_request"},
      {"limit=101", "invalid_request"},
      {"limit=-1", "invalid_request"},
      {"limit=abc", "invalid_request"},
      {"limit=", "invalid_request"},
      {"limit=1&limit=2", "invalid_request"},
      {"status=bogus", "invalid_request"},
      {"status=queued,", "invalid_request"},
      {"status=QUEUED", "invalid_request"},
      {"sort=name", "invalid_request"},
      {"sort=created_at;DROP", "invalid_request"},
      {"created_after=yesterday", "invalid_request"},
      {"created_before=-5", "invalid_request"},
      {"created_before=99999999999999999999", "invalid_request"},
      {"store_id=../../etc", "invalid_request"},
      {"surprise=1", "invalid_request"},
      {"cursor=", "invalid_cursor"},
      {"cursor=not-a-cursor!", "invalid_cursor"},
      {"cursor=" + flipped, "invalid_cursor"},
      {"cursor=" + badMac, "invalid_cursor"},
      {"cursor=" + position, "invalid_cursor"},
      {"cursor=" + cursor.substr(0, cursor.size() - 1), "invalid_cursor"},
      {"cursor=" + base64UrlEncode(asBytes("1:ord_x' OR 1=1 --")) + mac, "invalid_cursor"},
      {"cursor=" + base64UrlEncode(asBytes("0:ord_aaaa")) + mac, "invalid_cursor"},
      {"cursor=" + std::string(300, 'A'), "invalid_cursor"},
      // A newest-first cursor is no use to an oldest-first list.
      {"sort=created_at&cursor=" + cursor, "invalid_cursor"},
  };
  for (const auto& [query, code] : cases) {
    const auto reply = request("GET", "/api/v1/orders?" + query, customer_);
    EXPECT_EQ(reply.status, 400) << query << " " << reply.describe();
    EXPECT_EQ(reply.errorCode(), code) << query;
  }
  const auto shop =
      request("GET", "/api/v1/shop/stores/" + storeId_ + "/orders?store_id=st_x", shopkeeper_);
  EXPECT_EQ(shop.status, 400);
  // Another customer's cursor, or the customer's cursor on a shop's list, is refused too.
  const auto foreign = request("GET", "/api/v1/orders?cursor=" + cursor, customerToken());
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(foreign.errorCode(), "invalid_cursor");
  EXPECT_EQ(
      request("GET", "/api/v1/shop/stores/" + storeId_ + "/orders?cursor=" + cursor, shopkeeper_)
          .errorCode(),
      "invalid_cursor");
  // The real one works.
  const auto next = request("GET", "/api/v1/orders?limit=1&cursor=" + cursor, customer_);
  EXPECT_EQ(next.status, 200) << next.describe();
  EXPECT_EQ(next.asJson()["orders"].size(), 1u);
}

TEST_F(OrderListTest, TheShopQueueBelongsToTheStoresShopkeepers) {
  newOrder();
  const std::string otherShopkeeper = accessToken(createUser(
      freshEmail("shopkeeper"), "shopkeeper", json::array({createStore("Elsewhere")}))["email"]);
  const std::string path = "/api/v1/shop/stores/" + storeId_ + "/orders";
  EXPECT_EQ(request("GET", path, otherShopkeeper).status, 403);
  EXPECT_EQ(request("GET", path, customer_).status, 403);
  EXPECT_EQ(request("GET", path, kAdminToken).asJson()["orders"].size(), 1u);
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/st_nope/orders", kAdminToken).errorCode(),
            "store_not_found");
  EXPECT_TRUE(request("GET", "/api/v1/orders", customerToken()).asJson()["orders"].empty());
}

} // namespace
} // namespace printrelay::cloud::testing
