// Price lists, quotes and the charge an order is given, through the HTTP API.
#include "tests/cloud/orders/commerce_fixture.h"
#include "tests/cloud/orders/price_list_edits.h"

namespace printrelay::cloud::testing {
namespace {

// ---------------------------------------------------------------------------------------------
// Price lists

TEST_F(CommerceTest, ShopkeeperPublishesPricesThatEveryoneCanRead) {
  const auto before = request("GET", "/api/v1/stores/" + storeId_ + "/prices");
  EXPECT_EQ(before.status, 404);
  EXPECT_EQ(before.errorCode(), "prices_not_set");
  EXPECT_EQ(request("GET", "/api/v1/stores/st_nope/prices").errorCode(), "store_not_found");

  json body = priceBody("pay_first");
  body["per_side_minor"]["monochrome"]["A4"] = 8; // a short name is stored as its PWG name
  const auto put = putPrices(body);
  ASSERT_EQ(put.status, 200) << put.describe();
  const auto got = request("GET", "/api/v1/stores/" + storeId_ + "/prices");
  ASSERT_EQ(got.status, 200) << got.describe();
  const json prices = got.asJson();
  EXPECT_EQ(prices, put.asJson());
  EXPECT_EQ(prices["store_id"], storeId_);
  EXPECT_EQ(prices["currency"], "EUR");
  EXPECT_EQ(prices["currency_exponent"], 2);
  EXPECT_EQ(prices["tax_rate_bp"], 1900);
  EXPECT_EQ(prices["tax_included"], false);
  EXPECT_EQ(prices["payment_policy"], "pay_first");
  EXPECT_EQ(prices["updated_at"], clock_.now());
  EXPECT_EQ(prices["per_side_minor"]["monochrome"],
            json({{"default", 10}, {"iso_a3_297x420mm", 20}, {"iso_a4_210x297mm", 8}}));
  // The store itself shows them too.
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId_).asJson()["prices"]["payment_policy"],
            "pay_first");

  // What GET shows can be PUT back; without a policy the default is print_then_pay.
  json back = prices;
  back.erase("store_id");
  back.erase("updated_at");
  back.erase("payment_policy");
  ASSERT_EQ(putPrices(back).status, 200);
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId_ + "/prices").asJson()["payment_policy"],
            "print_then_pay");
  // Admins may price any store.
  EXPECT_EQ(putPrices(priceBody(), kAdminToken).status, 200);
}

TEST_F(CommerceTest, OnlyTheStoresShopkeeperSetsItsPrices) {
  const std::string other = createStore("Elsewhere");
  const std::string otherKeeper = shopkeeperFor(other);
  const auto foreign = putPrices(priceBody(), otherKeeper);
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.errorCode(), "forbidden");
  EXPECT_EQ(putPrices(priceBody(), customer_).status, 403);
  EXPECT_EQ(putPrices(priceBody(), agent_.credential).status, 403);
  EXPECT_EQ(
      request("PUT", "/api/v1/shop/stores/" + storeId_ + "/prices", "", priceBody().dump()).status,
      401);
  EXPECT_EQ(putPrices(priceBody(), kAdminToken, "st_missing").errorCode(), "store_not_found");
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId_ + "/prices").status, 404);
}

TEST_F(CommerceTest, HostilePriceListsAreRefusedAndTheOldOneStays) {
  setPrices();
  const json before = request("GET", "/api/v1/stores/" + storeId_ + "/prices").asJson();
  const PriceListEdits edits{priceBody()};
  const std::vector<std::pair<std::string, json>> hostile{
      {"negative", edits.side("monochrome", "default", -10)},
      {"a tenth", edits.side("monochrome", "default", 0.1)},
      {"whole float", edits.side("color", "default", 50.0)},
      {"string", edits.side("color", "default", "50")},
      {"overflow", edits.side("color", "default", 9223372036854775807LL)},
      {"beyond int64", edits.side("color", "default", 18446744073709551615ULL)},
      {"exponent notation", edits.side("color", "default", 1e18)},
      {"unknown currency", edits.with("currency", "XBT")},
      {"lower-case currency", edits.with("currency", "eur")},
      {"unknown media", edits.side("color", "a4-ish", 10)},
      {"unknown color", edits.side("sepia", "default", 10)},
      {"tax too high", edits.with("tax_rate_bp", 10001)},
      {"tax negative", edits.with("tax_rate_bp", -1)},
      {"tax included", edits.with("tax_included", true)},
      {"unknown policy", edits.with("payment_policy", "pay_later")},
      {"policy not a string", edits.with("payment_policy", true)},
      {"unknown field", edits.with("store_id", "st_other")},
      {"discount beyond a side", edits.with("duplex_per_sheet_minor", -11)},
  };
  for (const auto& [what, body] : hostile) {
    const auto reply = putPrices(body);
    EXPECT_EQ(reply.status, 400) << what << ": " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "invalid_request") << what;
  }
  EXPECT_EQ(request("PUT", "/api/v1/shop/stores/" + storeId_ + "/prices", shopkeeper_, "{\"cur")
                .errorCode(),
            "malformed_json");
  EXPECT_EQ(
      request("PUT", "/api/v1/shop/stores/" + storeId_ + "/prices", shopkeeper_, "[1]").errorCode(),
      "invalid_request");
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId_ + "/prices").asJson(), before);
}

// ---------------------------------------------------------------------------------------------
// Quotes

TEST_F(CommerceTest, AnyoneMayAskForAQuote) {
  setPrices();
  const auto reply = request(
      "POST", "/api/v1/quotes", "",
      json{{"store_id", storeId_},
           {"pages", 5},
           {"options",
            {{"copies", 2}, {"sides", "two-sided-long-edge"}, {"media", "iso_a3_297x420mm"}}}}
          .dump());
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json q = reply.asJson();
  EXPECT_EQ(q["lines"], json::array({{{"label", "Printed sides (monochrome, iso_a3_297x420mm)"},
                                      {"quantity", 10},
                                      {"unit_minor", 20},
                                      {"amount_minor", 200}},
                                     {{"label", "Two-sided sheets (discount)"},
                                      {"quantity", 6},
                                      {"unit_minor", -2},
                                      {"amount_minor", -12}}}));
  EXPECT_EQ(q["subtotal_minor"], 188);
  EXPECT_EQ(q["tax_minor"], 36); // 35.72
  EXPECT_EQ(q["total_minor"], 224);
  EXPECT_EQ(q["currency"], "EUR");
  EXPECT_EQ(q["sheets_per_copy"], 3);
  EXPECT_EQ(q["store_id"], storeId_);
  EXPECT_EQ(q["payment_policy"], "print_then_pay");
  // A signed-in customer gets the same.
  EXPECT_EQ(request("POST", "/api/v1/quotes", customer_,
                    json{{"store_id", storeId_}, {"pages", 1}}.dump())
                .asJson()["total_minor"],
            12); // 10 + 1.9 → 2
}

TEST_F(CommerceTest, QuotesRefuseBadInput) {
  const auto quote = [&](const json& body) {
    return request("POST", "/api/v1/quotes", "", body.dump());
  };
  const json good{{"store_id", storeId_}, {"pages", 3}};
  const auto with = [&](const std::string& key, const json& value) {
    json j = good;
    j[key] = value;
    return j;
  };
  EXPECT_EQ(quote(good).errorCode(), "prices_not_set");
  setPrices();
  EXPECT_EQ(quote(good).status, 200);
  EXPECT_EQ(quote(with("store_id", "st_missing")).errorCode(), "store_not_found");
  json noPages = good;
  noPages.erase("pages");
  for (const auto& bad :
       {noPages, with("pages", 0), with("pages", -1), with("pages", 1.5), with("pages", "3"),
        with("pages", 100001), with("pages", 1e12), with("price", 1), with("total_minor", 1),
        with("options", "copies=2"), with("options", {{"copies", 0}})}) {
    const auto reply = quote(bad);
    EXPECT_EQ(reply.status, 400) << bad.dump() << " " << reply.describe();
  }
  EXPECT_EQ(quote(with("options", {{"staple", true}})).errorCode(), "unsupported_option");
  const auto outside = quote(with("options", {{"page-ranges", "4-5"}}));
  EXPECT_EQ(outside.status, 422);
  EXPECT_EQ(outside.errorCode(), "page_range_out_of_document");
  json pricey = priceBody();
  pricey["per_side_minor"]["monochrome"]["default"] = 1000000000;
  ASSERT_EQ(putPrices(pricey).status, 200);
  const auto huge =
      quote(json{{"store_id", storeId_}, {"pages", 100000}, {"options", {{"copies", 999}}}});
  EXPECT_EQ(huge.status, 422);
  EXPECT_EQ(huge.errorCode(), "quote_too_large");
  EXPECT_EQ(request("POST", "/api/v1/quotes", "", "{\"store_id\"").errorCode(), "malformed_json");
}

class QuoteLimitTest : public CommerceTest {
protected:
  void configure(CloudSettings& settings) override { settings.quotesPerAddressPerHour = 3; }
};

TEST_F(QuoteLimitTest, QuotesAreRateLimitedPerAddress) {
  setPrices();
  const std::string body = json{{"store_id", storeId_}, {"pages", 1}}.dump();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(request("POST", "/api/v1/quotes", "", body).status, 200);
  }
  const auto refused = request("POST", "/api/v1/quotes", "", body);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.errorCode(), "too_many_requests");
  ASSERT_TRUE(refused.headers.count("Retry-After"));
  // Nothing moved the clock: the oldest quote leaves the hour's window in 3600 s.
  EXPECT_EQ(refused.headers.find("Retry-After")->second, "3600");
  EXPECT_EQ(refused.asJson()["error"]["retry_after"], 3600);
  EXPECT_EQ(refused.asJson()["error"]["message"],
            "too many quotes from this address in the last hour; try again in 1 hour");
  clock_.advance(3601);
  EXPECT_EQ(request("POST", "/api/v1/quotes", "", body).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Orders and their charge

TEST_F(CommerceTest, OrdersNeverTakeAPriceFromTheClient) {
  setPrices();
  const json good{
      {"store_id", storeId_}, {"document_name", "a.pdf"}, {"content_type", "application/pdf"}};
  for (const char* field : {"price", "total", "amount", "currency", "total_minor", "charge"}) {
    json body = good;
    body[field] = field == std::string("currency") ? json("EUR") : json(0);
    const auto reply = request("POST", "/api/v1/orders", customer_, body.dump());
    EXPECT_EQ(reply.status, 400) << field;
    EXPECT_EQ(reply.errorCode(), "invalid_request") << field;
  }
  EXPECT_TRUE(request("GET", "/api/v1/orders", customer_).asJson()["orders"].empty());
}

TEST_F(CommerceTest, TheFixedQuoteIsTheOrdersCharge) {
  setPrices();
  const std::string id = createOrder(customer_, storeId_, "application/pdf",
                                     {{"copies", 2}, {"print-color-mode", "color"}});
  EXPECT_TRUE(getOrder(id)["charge"].is_null());
  fixQuoteNow(id, 3, "cloud");
  const json charge = getOrder(id)["charge"];
  ASSERT_TRUE(charge.is_object()) << charge.dump();
  EXPECT_EQ(charge["pages"], 3);
  EXPECT_EQ(charge["pages_source"], "cloud");
  EXPECT_EQ(charge["quote"]["subtotal_minor"], 300);
  EXPECT_EQ(charge["quote"]["tax_minor"], 57);
  EXPECT_EQ(charge["total_minor"], 357);
  EXPECT_EQ(charge["quoted_total_minor"], 357);
  EXPECT_EQ(charge["currency"], "EUR");
  EXPECT_EQ(charge["payment_state"], "unpaid");
  EXPECT_TRUE(charge["payment_method"].is_null());
  EXPECT_EQ(charge["balance_due_minor"], 357);
  EXPECT_EQ(charge["final"], false);
  EXPECT_TRUE(charge["refund"].is_null());

  // A re-fix (an approved page count) prices with the list the quote was fixed with, even
  // after the store changed its prices.
  json dearer = priceBody();
  dearer["per_side_minor"]["color"]["default"] = 500;
  ASSERT_EQ(putPrices(dearer).status, 200);
  fixQuoteNow(id, 4, "agent");
  const json refixed = getOrder(id)["charge"];
  EXPECT_EQ(refixed["pages"], 4);
  EXPECT_EQ(refixed["total_minor"], 476); // 400 + 76
  EXPECT_EQ(refixed["quoted_total_minor"], 357);

  // A store without prices fixes nothing.
  const std::string bare = createStore("No prices");
  const auto bareAgent = enrollAgent(bare);
  const std::string unpriced = createOrder(customer_, bare);
  fixQuoteNow(unpriced, 3);
  EXPECT_TRUE(getOrder(unpriced)["charge"].is_null());
  (void)bareAgent;
}

TEST_F(CommerceTest, FinalizeChargeUsesTheAgentsCount) {
  setPrices();
  const std::string id = pricedOrder(10);
  {
    auto tx = server_->store().begin();
    auto order = tx->findOrder(id);
    order->updatedAt = clock_.now() + 5;
    finalizeCharge(*tx, *order, 12);
    // A count the options cannot be priced on keeps the quote (and never throws).
    auto ranged = *order;
    ranged.optionsJson = json{{"page-ranges", "50-60"}}.dump();
    finalizeCharge(*tx, ranged, 12);
    tx->commit();
  }
  const json charge = getOrder(id)["charge"];
  EXPECT_EQ(charge["pages"], 12);
  EXPECT_EQ(charge["pages_source"], "agent");
  EXPECT_EQ(charge["total_minor"], 143); // 120 + 22.8
  EXPECT_EQ(charge["quoted_total_minor"], 119);
  EXPECT_EQ(charge["final"], true);
  EXPECT_EQ(charge["finalized_at"], clock_.now() + 5);
}

} // namespace
} // namespace printrelay::cloud::testing
