// The order lifecycle through the HTTP API: orders held until the shop releases them by their
// pickup code.
#include "cloud/orders/order_service.h"
#include "tests/cloud/orders/lifecycle_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// ---- Hold and release by pickup code ------------------------------------------------------------

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
  // The body says how long too, in seconds and in words.
  EXPECT_EQ(limited.asJson()["error"]["retry_after"], Api::kPickupFailureWindowSeconds);
  EXPECT_NE(limited.asJson()["error"]["message"].get<std::string>().find("try again in"),
            std::string::npos)
      << limited.describe();
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

} // namespace
} // namespace printrelay::cloud::testing
