// The shop's reads through the HTTP API: one order with its customer, and the store's price
// list; each for the store's shopkeepers and admins only, hostile ids and callers refused.
#include "tests/cloud/orders/lifecycle_fixture.h"

namespace printrelay::cloud::testing {
namespace {

class ShopReadsTest : public LifecycleTest {
protected:
  std::string otherShopkeeper() {
    return accessToken(createUser(freshEmail("shopkeeper"), "shopkeeper",
                                  json::array({createStore("Elsewhere")}))["email"]);
  }
};

TEST_F(ShopReadsTest, OneOrderComesWithItsCustomersAddressNameAndHistory) {
  const auto customer = signedInCustomer();
  const std::string orderId = newOrder(true, customer.accessToken);
  uploadTo(orderId, customer.accessToken);
  const auto reply = request("GET", "/api/v1/shop/orders/" + orderId, shopkeeper_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json order = reply.asJson();
  EXPECT_EQ(order["id"], orderId);
  EXPECT_EQ(order["store_id"], storeId_);
  EXPECT_EQ(order["state"], "held");
  EXPECT_EQ(order["customer_id"], customer.user["id"]);
  EXPECT_EQ(order["customer_email"], customer.email);
  EXPECT_EQ(order["customer_name"], "Test customer");
  EXPECT_TRUE(order["pickup_code"].is_string());
  ASSERT_TRUE(order["history"].is_array());
  EXPECT_GE(order["history"].size(), 2u);
  // An admin reads it too.
  EXPECT_EQ(request("GET", "/api/v1/shop/orders/" + orderId, kAdminToken).status, 200);
}

TEST_F(ShopReadsTest, AnotherShopsOrderBadIdsAndOtherCallersAreRefused) {
  const std::string orderId = newOrder(true);
  // Another shop's order looks like none at all.
  const auto foreign = request("GET", "/api/v1/shop/orders/" + orderId, otherShopkeeper());
  EXPECT_EQ(foreign.status, 404) << foreign.describe();
  EXPECT_EQ(foreign.errorCode(), "order_not_found");
  for (const std::string& id : std::vector<std::string>{
           "ord_nope", "ord_" + std::string(32, '0'), "..%2f..%2fetc%2fpasswd", "%00",
           std::string(300, 'a'), "ord_%27%20OR%201%3D1", orderId + "x"}) {
    const auto reply = request("GET", "/api/v1/shop/orders/" + id, shopkeeper_);
    EXPECT_EQ(reply.status, 404) << id << " " << reply.describe();
  }
  // Customers (even the order's own) and agents are not the shop.
  EXPECT_EQ(request("GET", "/api/v1/shop/orders/" + orderId, customer_).status, 403);
  EXPECT_EQ(request("GET", "/api/v1/shop/orders/" + orderId, agent_.credential).status, 403);
  EXPECT_EQ(request("GET", "/api/v1/shop/orders/" + orderId).status, 401);
}

TEST_F(ShopReadsTest, ThePriceListReadsBackAsItWasPut) {
  const std::string path = "/api/v1/shop/stores/" + storeId_ + "/prices";
  const auto none = request("GET", path, shopkeeper_);
  EXPECT_EQ(none.status, 404) << none.describe();
  EXPECT_EQ(none.errorCode(), "prices_not_set");
  const json prices{{"currency", "EUR"},
                    {"tax_rate_bp", 1900},
                    {"per_side_minor",
                     {{"monochrome", {{"default", 10}, {"A3", 20}}}, {"color", {{"default", 50}}}}},
                    {"per_copy_minor", 5},
                    {"payment_policy", "pay_first"}};
  ASSERT_EQ(request("PUT", path, shopkeeper_, prices.dump()).status, 200);
  const auto reply = request("GET", path, shopkeeper_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json got = reply.asJson();
  EXPECT_EQ(got["store_id"], storeId_);
  EXPECT_EQ(got["currency"], "EUR");
  EXPECT_EQ(got["tax_rate_bp"], 1900);
  EXPECT_EQ(got["per_side_minor"]["monochrome"]["default"], 10);
  EXPECT_EQ(got["per_side_minor"]["monochrome"]["iso_a3_297x420mm"], 20);
  EXPECT_EQ(got["per_copy_minor"], 5);
  EXPECT_EQ(got["payment_policy"], "pay_first");
  EXPECT_TRUE(got["updated_at"].is_number_integer());
  // What GET answers, PUT takes back unchanged (less the fields the cloud adds).
  json again = got;
  again.erase("store_id");
  again.erase("updated_at");
  EXPECT_EQ(request("PUT", path, shopkeeper_, again.dump()).status, 200);
  EXPECT_EQ(request("GET", path, kAdminToken).status, 200);
}

TEST_F(ShopReadsTest, ThePriceListOfAnotherStoreOrNoneIsRefused) {
  const std::string path = "/api/v1/shop/stores/" + storeId_ + "/prices";
  const auto other = request("GET", path, otherShopkeeper());
  EXPECT_EQ(other.status, 403) << other.describe();
  EXPECT_EQ(other.errorCode(), "forbidden");
  EXPECT_EQ(request("GET", path, customer_).status, 403);
  EXPECT_EQ(request("GET", path).status, 401);
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/st_nope/prices", kAdminToken).errorCode(),
            "store_not_found");
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/..%2f..%2fetc/prices", kAdminToken).status, 404);
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/st_nope/prices", shopkeeper_).status, 403);
}

} // namespace
} // namespace printrelay::cloud::testing
