// The paged order lists through the HTTP API: the customer's, the shop's queue, their filters.
#include "tests/cloud/orders/lifecycle_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// ---- Order lists --------------------------------------------------------------------------------

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

TEST_F(OrderListTest, FiltersByStateStoreAndDates) {
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

TEST_F(OrderListTest, TheStateFilterIsStateWithStatusItsDeprecatedAlias) {
  const std::string held = newOrder(true);
  uploadTo(held);
  clock_.advance(10);
  const std::string queued = newOrder(false);
  uploadTo(queued);
  const auto ids = [&](const std::string& url, const std::string& token) {
    const auto reply = request("GET", url, token);
    EXPECT_EQ(reply.status, 200) << url << " " << reply.describe();
    std::vector<std::string> out;
    const json page = reply.asJson(); // kept: a range-for over a temporary's member dangles
    for (const auto& order : page["orders"]) {
      out.push_back(order["id"]);
    }
    return out;
  };
  const std::string shop = "/api/v1/shop/stores/" + storeId_ + "/orders";
  for (const std::string& base : {std::string("/api/v1/orders"), shop}) {
    const std::string& token = base == shop ? shopkeeper_ : customer_;
    EXPECT_EQ(ids(base + "?state=held", token), (std::vector<std::string>{held}));
    EXPECT_EQ(ids(base + "?state=queued,held", token), (std::vector<std::string>{queued, held}));
    EXPECT_EQ(ids(base + "?status=held", token), ids(base + "?state=held", token));
    EXPECT_TRUE(ids(base + "?state=printed", token).empty());
    for (const std::string& query : std::vector<std::string>{
             "state=bogus", "state=held,", "state=HELD", "state=", "state=held&state=queued",
             "state=held&status=held", "state=held%00", "state=" + std::string(5000, 'x')}) {
      const auto reply = request("GET", base + "?" + query, token);
      EXPECT_EQ(reply.status, 400) << query << " " << reply.describe();
      EXPECT_EQ(reply.errorCode(), "invalid_request") << query;
    }
    // The error names the parameter given and every state there is.
    const auto unknown = request("GET", base + "?state=bogus", token).asJson();
    const std::string message = unknown["error"]["message"];
    EXPECT_NE(message.find("'state' lists an unknown state 'bogus'"), std::string::npos) << message;
    EXPECT_NE(message.find("awaiting_upload, awaiting_payment"), std::string::npos) << message;
    EXPECT_NE(request("GET", base + "?status=bogus", token)
                  .asJson()["error"]["message"]
                  .get<std::string>()
                  .find("'status' lists"),
              std::string::npos);
  }
}

TEST_F(OrderListTest, TheShopsListCarriesTheCustomersAddressAndName) {
  const auto customer = signedInCustomer();
  const std::string orderId = newOrder(true, customer.accessToken);
  const json page =
      request("GET", "/api/v1/shop/stores/" + storeId_ + "/orders", shopkeeper_).asJson();
  ASSERT_EQ(page["orders"].size(), 1u) << page.dump();
  const json& order = page["orders"][0];
  EXPECT_EQ(order["id"], orderId);
  EXPECT_EQ(order["customer_id"], customer.user["id"]);
  EXPECT_EQ(order["customer_email"], customer.email);
  EXPECT_EQ(order["customer_name"], "Test customer");
  // A customer's own list does not name them.
  const json own = request("GET", "/api/v1/orders", customer.accessToken).asJson();
  EXPECT_FALSE(own["orders"][0].contains("customer_email"));
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
