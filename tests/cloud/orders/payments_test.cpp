// Prices, quotes, payment at the shop and through the signed webhook, refunds and receipts,
// through the HTTP API. Orders here are client-sealed: the upload fixes the quote on the pages the
// client declared; a few tests re-fix a quote through the store (fixQuote) to price another count.
#include "cloud/orders/payments.h"
#include "cloud/orders/receipt.h"
#include "cloud/routes/api_error.h"
#include "common/crypto/envelope.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/process.h"

#include <fstream>

namespace printrelay::cloud::testing {
namespace {

class CommerceTest : public CloudFixture {
protected:
  static constexpr const char* kSecret = "whsec_test_0123456789abcdef";

  void configure(CloudSettings& settings) override { settings.paymentWebhookSecret = kSecret; }

  void SetUp() override {
    CloudFixture::SetUp();
    storeId_ = createStore();
    agent_ = enrollAgent(storeId_);
    customer_ = customerToken();
    shopkeeper_ = shopkeeperFor(storeId_);
  }

  std::string shopkeeperFor(const std::string& storeId) {
    const std::string email = freshEmail("shopkeeper");
    createUser(email, "shopkeeper", json::array({storeId}));
    return accessToken(email);
  }

  /// EUR, 19 % tax on top; 0.10 a monochrome side (A3 0.20), 0.50 a color side; 0.02 off per
  /// two-sided sheet.
  static json priceBody(const std::string& policy = "print_then_pay") {
    return json{{"currency", "EUR"},
                {"tax_rate_bp", 1900},
                {"per_side_minor",
                 {{"monochrome", {{"default", 10}, {"iso_a3_297x420mm", 20}}},
                  {"color", {{"default", 50}}}}},
                {"duplex_per_sheet_minor", -2},
                {"per_copy_minor", 0},
                {"minimum_order_minor", 0},
                {"payment_policy", policy}};
  }

  HttpReply putPrices(const json& body, const std::string& token = "",
                      const std::string& storeId = "") {
    return request("PUT",
                   "/api/v1/shop/stores/" + (storeId.empty() ? storeId_ : storeId) + "/prices",
                   token.empty() ? shopkeeper_ : token, body.dump());
  }

  void setPrices(const std::string& policy = "print_then_pay") {
    const auto reply = putPrices(priceBody(policy));
    ASSERT_EQ(reply.status, 200) << reply.describe();
  }

  /// What the documents track does at upload: fix the quote on a page count.
  void fixQuoteNow(const std::string& orderId, int pages, const std::string& source = "client") {
    auto tx = server_->store().begin();
    const auto order = tx->findOrder(orderId);
    ASSERT_TRUE(order);
    fixQuote(*tx, *order, pages, source);
    tx->commit();
  }

  /// An order with its quote fixed on `pages` and its (sealed) document uploaded.
  std::string pricedOrder(int pages, const json& options = json::object()) {
    // The client declares its page count; the sealed upload fixes the quote on it.
    const std::string id = createOrder(customer_, storeId_, "application/pdf", options, pages);
    const auto reply = upload(customer_, id, seal(agent_, id, "%PDF-1.4 priced"),
                              std::string(envelope::kMediaType));
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return id;
  }

  json getOrder(const std::string& orderId, const std::string& token = "") {
    const auto reply =
        request("GET", "/api/v1/orders/" + orderId, token.empty() ? customer_ : token);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson();
  }

  HttpReply markPaid(const std::string& orderId, const json& body, const std::string& token = "") {
    return request("POST", "/api/v1/shop/orders/" + orderId + "/paid",
                   token.empty() ? shopkeeper_ : token, body.dump());
  }

  HttpReply webhook(const std::string& body, const std::optional<std::string>& signature) {
    httplib::Headers headers;
    if (signature) {
      headers.emplace("Stripe-Signature", *signature);
    }
    auto client = newClient();
    auto result = client->Post("/api/v1/payments/webhook", headers, body, "application/json");
    HttpReply reply;
    if (!result) {
      ADD_FAILURE() << "webhook: " << httplib::to_string(result.error());
      return reply;
    }
    reply.status = result->status;
    reply.body = result->body;
    reply.headers = result->headers;
    return reply;
  }

  HttpReply signedWebhook(const std::string& body, std::int64_t at) {
    return webhook(body, webhookSignatureHeader(kSecret, at, body));
  }
  HttpReply signedWebhook(const json& event) { return signedWebhook(event.dump(), clock_.now()); }

  static json paymentEvent(const std::string& eventId, const std::string& orderId,
                           std::int64_t amount, const std::string& currency = "eur",
                           const std::string& type = "checkout.session.completed") {
    json object{{"id", "cs_test_" + eventId},
                {"currency", currency},
                {"metadata", {{"order_id", orderId}}}};
    object[type == "checkout.session.completed" ? "amount_total" : "amount"] = amount;
    return json{{"id", eventId}, {"type", type}, {"data", {{"object", object}}}};
  }

  std::string paymentState(const std::string& orderId) {
    const json charge = getOrder(orderId)["charge"];
    return charge.is_object() ? charge.value("payment_state", "") : "no charge";
  }

  std::string storeId_;
  EnrolledAgent agent_;
  std::string customer_;
  std::string shopkeeper_;
};

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
  const auto with = [](const std::string& key, const json& value) {
    json j = priceBody();
    j[key] = value;
    return j;
  };
  const auto side = [](const std::string& mode, const std::string& media, const json& value) {
    json j = priceBody();
    j["per_side_minor"][mode][media] = value;
    return j;
  };
  const std::vector<std::pair<std::string, json>> hostile{
      {"negative", side("monochrome", "default", -10)},
      {"a tenth", side("monochrome", "default", 0.1)},
      {"whole float", side("color", "default", 50.0)},
      {"string", side("color", "default", "50")},
      {"overflow", side("color", "default", 9223372036854775807LL)},
      {"beyond int64", side("color", "default", 18446744073709551615ULL)},
      {"exponent notation", side("color", "default", 1e18)},
      {"unknown currency", with("currency", "XBT")},
      {"lower-case currency", with("currency", "eur")},
      {"unknown media", side("color", "a4-ish", 10)},
      {"unknown color", side("sepia", "default", 10)},
      {"tax too high", with("tax_rate_bp", 10001)},
      {"tax negative", with("tax_rate_bp", -1)},
      {"tax included", with("tax_included", true)},
      {"unknown policy", with("payment_policy", "pay_later")},
      {"policy not a string", with("payment_policy", true)},
      {"unknown field", with("store_id", "st_other")},
      {"discount beyond a side", with("duplex_per_sheet_minor", -11)},
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
  EXPECT_TRUE(refused.headers.count("Retry-After"));
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

// ---------------------------------------------------------------------------------------------
// Pay at the shop

TEST_F(CommerceTest, PrintThenPayQueuesAtOnceAndIsPaidAtTheCounter) {
  setPrices();
  const std::string id = pricedOrder(10);
  EXPECT_EQ(getOrder(id)["state"], "queued");
  EXPECT_EQ(pollNow(agent_).size(), 1u);
  clock_.advance(60);
  const auto paid = markPaid(id, {{"method", "cash"}});
  ASSERT_EQ(paid.status, 200) << paid.describe();
  const json charge = paid.asJson()["charge"];
  EXPECT_EQ(charge["payment_state"], "paid");
  EXPECT_EQ(charge["payment_method"], "cash");
  EXPECT_EQ(charge["paid_minor"], 119);
  EXPECT_EQ(charge["paid_at"], clock_.now());
  EXPECT_EQ(charge["balance_due_minor"], 0);
  EXPECT_EQ(paid.asJson()["state"], "dispatched"); // payment does not touch the print flow
}

TEST_F(CommerceTest, PayFirstWaitsForPaymentThenQueues) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  json order = getOrder(id);
  EXPECT_EQ(order["state"], "awaiting_payment");
  EXPECT_TRUE(order["job_id"].is_null());
  EXPECT_TRUE(pollNow(agent_).empty());

  const auto paid = markPaid(id, {{"method", "card"}});
  ASSERT_EQ(paid.status, 200) << paid.describe();
  EXPECT_EQ(paid.asJson()["state"], "queued");
  EXPECT_EQ(paid.asJson()["charge"]["payment_method"], "card");
  EXPECT_EQ(paid.asJson()["history"].back()["note"], "paid at the shop (card)");
  const json offers = pollNow(agent_);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0]["order_id"], id);
}

TEST_F(CommerceTest, MarkingPaidIsForTheStoresShopkeeperOnce) {
  setPrices();
  const std::string id = pricedOrder(2);
  const std::string otherKeeper = shopkeeperFor(createStore("Elsewhere"));
  EXPECT_EQ(markPaid(id, {{"method", "cash"}}, otherKeeper).errorCode(), "order_not_found");
  EXPECT_EQ(markPaid(id, {{"method", "cash"}}, customer_).status, 403);
  EXPECT_EQ(markPaid(id, {{"method", "cash"}}, agent_.credential).status, 403);
  EXPECT_EQ(markPaid("ord_missing", {{"method", "cash"}}).errorCode(), "order_not_found");
  EXPECT_EQ(markPaid("../x", {{"method", "cash"}}).status, 404);
  EXPECT_EQ(markPaid(id, {{"method", "bitcoin"}}).errorCode(), "invalid_request");
  EXPECT_EQ(markPaid(id, json::object()).errorCode(), "invalid_request");
  EXPECT_EQ(markPaid(id, {{"method", "cash"}, {"amount_minor", 1}}).errorCode(), "invalid_request");
  EXPECT_EQ(paymentState(id), "unpaid");
  EXPECT_EQ(markPaid(id, {{"method", "cash"}}).status, 200);
  const auto again = markPaid(id, {{"method", "card"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.errorCode(), "already_paid");
  EXPECT_EQ(getOrder(id)["charge"]["payment_method"], "cash");
  // An admin may take payment for any store; an order without a quote has nothing to pay.
  const std::string unquoted = createOrder(customer_, storeId_);
  EXPECT_EQ(markPaid(unquoted, {{"method", "cash"}}, kAdminToken).errorCode(), "no_charge");
}

// ---------------------------------------------------------------------------------------------
// Refunds

TEST_F(CommerceTest, APaidOrderThatFailsIsRefunded) {
  setPrices();
  const std::string id = pricedOrder(10);
  ASSERT_EQ(markPaid(id, {{"method", "card"}}).status, 200);
  const json offers = pollNow(agent_);
  ASSERT_EQ(offers.size(), 1u);
  clock_.advance(30);
  const auto failed = postEvent(agent_, offers[0]["job_id"],
                                {{"seq", 1},
                                 {"lease_id", offers[0]["lease_id"]},
                                 {"state", "failed"},
                                 {"message", "paper jam"}});
  ASSERT_EQ(failed.status, 200) << failed.describe();
  const json charge = getOrder(id)["charge"];
  EXPECT_EQ(charge["payment_state"], "refunded");
  EXPECT_EQ(charge["refund"]["amount_minor"], 119);
  EXPECT_EQ(charge["refund"]["at"], clock_.now());
  EXPECT_EQ(charge["refund"]["reason"], "printing failed: paper jam");
  EXPECT_EQ(charge["balance_due_minor"], 0);
  // Nothing more can be paid on it.
  EXPECT_EQ(markPaid(id, {{"method", "cash"}}).errorCode(), "order_not_payable");
}

TEST_F(CommerceTest, AnUnpaidOrderThatFailsHasNothingToRefund) {
  setPrices();
  const std::string id = pricedOrder(1);
  const json offers = pollNow(agent_);
  ASSERT_EQ(offers.size(), 1u);
  ASSERT_EQ(postEvent(agent_, offers[0]["job_id"],
                      {{"seq", 1}, {"lease_id", offers[0]["lease_id"]}, {"state", "failed"}})
                .status,
            200);
  EXPECT_EQ(paymentState(id), "unpaid");
  EXPECT_TRUE(getOrder(id)["charge"]["refund"].is_null());
}

// ---------------------------------------------------------------------------------------------
// The payment provider's webhook

TEST_F(CommerceTest, SignedPaymentPaysAndReleasesAPayFirstOrder) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  const auto reply = signedWebhook(paymentEvent("evt_1", id, 119));
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["outcome"], "paid");
  EXPECT_EQ(reply.asJson()["order_id"], id);
  const json order = getOrder(id);
  EXPECT_EQ(order["state"], "queued");
  EXPECT_EQ(order["charge"]["payment_state"], "paid");
  EXPECT_EQ(order["charge"]["payment_method"], "online");
  EXPECT_EQ(order["charge"]["paid_minor"], 119);
  EXPECT_EQ(pollNow(agent_).size(), 1u);
}

TEST_F(CommerceTest, PaymentIntentEventsPayToo) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  const auto reply =
      signedWebhook(paymentEvent("evt_pi", id, 119, "EUR", "payment_intent.succeeded"));
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["outcome"], "paid");
  // The checkout session's own event for the same payment changes nothing more.
  const auto second = signedWebhook(paymentEvent("evt_cs", id, 119));
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.asJson()["outcome"], "already_paid");
  // The provider's payment id is kept for the shop, not shown in the order.
  EXPECT_FALSE(getOrder(id)["charge"].contains("payment_reference"));
}

TEST_F(CommerceTest, WebhookRefusesBadSignatures) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  const std::string body = paymentEvent("evt_sig", id, 119).dump();
  const std::int64_t t = clock_.now();
  const std::string good = webhookSignatureHeader(kSecret, t, body);
  const std::string goodHex = good.substr(good.find("v1=") + 3);
  const std::string wrongSecret = webhookSignatureHeader("whsec_someone_elses_secret", t, body);
  const std::string otherBody = webhookSignatureHeader(kSecret, t, body + " ");
  const std::vector<std::pair<std::string, std::optional<std::string>>> bad{
      {"missing", std::nullopt},
      {"empty", ""},
      {"garbage", "garbage"},
      {"no timestamp", "v1=" + goodHex},
      {"no v1", "t=" + std::to_string(t)},
      {"timestamp not a number", "t=abc,v1=" + goodHex},
      {"negative timestamp", "t=-" + std::to_string(t) + ",v1=" + goodHex},
      {"two timestamps", "t=" + std::to_string(t) + ",t=1,v1=" + goodHex},
      {"wrong secret", wrongSecret},
      {"another body", otherBody},
      {"another time", "t=" + std::to_string(t + 1) + ",v1=" + goodHex},
      {"truncated", "t=" + std::to_string(t) + ",v1=" + goodHex.substr(0, 63)},
      {"not hex", "t=" + std::to_string(t) + ",v1=" + std::string(64, 'z')},
      {"v0 only", "t=" + std::to_string(t) + ",v0=" + goodHex},
      {"upper-case scheme", "t=" + std::to_string(t) + ",V1=" + goodHex},
      {"empty item", "t=" + std::to_string(t) + ",,v1=" + goodHex},
  };
  for (const auto& [what, header] : bad) {
    const auto reply = webhook(body, header);
    EXPECT_EQ(reply.status, 400) << what << ": " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "bad_signature") << what;
  }
  EXPECT_EQ(paymentState(id), "unpaid");
  EXPECT_EQ(getOrder(id)["state"], "awaiting_payment");
  // The same event, correctly signed, still goes through: nothing was recorded for it.
  EXPECT_EQ(webhook(body, good).status, 200);
  EXPECT_EQ(paymentState(id), "paid");
}

TEST_F(CommerceTest, WebhookAcceptsAnyMatchingV1AmongSeveral) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  const std::string body = paymentEvent("evt_rot", id, 119).dump();
  const std::int64_t t = clock_.now();
  const std::string old = webhookSignatureHeader("whsec_previous_secret_000000", t, body);
  const std::string good = webhookSignatureHeader(kSecret, t, body);
  // As during a secret rotation: the old secret's signature first, a v0 in between.
  const std::string header =
      old + ",v0=" + std::string(64, 'a') + "," + good.substr(good.find("v1="));
  const auto reply = webhook(body, header);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(paymentState(id), "paid");
}

TEST_F(CommerceTest, WebhookTimestampsMustBeWithinFiveMinutes) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  const std::string body = paymentEvent("evt_time", id, 119).dump();
  for (const std::int64_t skew : {-301, 301, -86400, 86400 * 365}) {
    const auto reply = signedWebhook(body, clock_.now() + skew);
    EXPECT_EQ(reply.status, 400) << skew;
    EXPECT_EQ(reply.errorCode(), "signature_expired") << skew;
  }
  EXPECT_EQ(signedWebhook(body, 0).errorCode(), "signature_expired");
  EXPECT_EQ(paymentState(id), "unpaid");
  // Within the tolerance either way is fine (clocks differ a little).
  EXPECT_EQ(signedWebhook(body, clock_.now() - 300).status, 200);
  EXPECT_EQ(paymentState(id), "paid");
  EXPECT_EQ(signedWebhook(paymentEvent("evt_time2", id, 119).dump(), clock_.now() + 300).status,
            200);
}

TEST_F(CommerceTest, AnEventDeliveredTwiceChangesNothingTheSecondTime) {
  setPrices();
  const std::string id = pricedOrder(10);
  const json event = paymentEvent("evt_twice", id, 119);
  const auto first = signedWebhook(event);
  ASSERT_EQ(first.status, 200) << first.describe();
  EXPECT_EQ(first.asJson()["outcome"], "paid");
  const json paid = getOrder(id)["charge"];
  ASSERT_EQ(markPaid(id, {{"method", "cash"}}).errorCode(), "already_paid");
  clock_.advance(100);
  const auto second = signedWebhook(event);
  ASSERT_EQ(second.status, 200) << second.describe();
  EXPECT_EQ(second.asJson()["duplicate"], true);
  EXPECT_EQ(getOrder(id)["charge"], paid);
  // A refund delivered twice refunds once.
  const json refund{{"id", "evt_refund"},
                    {"type", "charge.refunded"},
                    {"data",
                     {{"object",
                       {{"id", "ch_1"},
                        {"amount", 119},
                        {"amount_refunded", 119},
                        {"currency", "eur"},
                        {"metadata", {{"order_id", id}}}}}}}};
  EXPECT_EQ(signedWebhook(refund).asJson()["outcome"], "refunded");
  const json refunded = getOrder(id)["charge"];
  EXPECT_EQ(refunded["payment_state"], "refunded");
  EXPECT_EQ(refunded["refund"]["reason"], "refunded at the payment provider");
  clock_.advance(100);
  EXPECT_EQ(signedWebhook(refund).asJson()["duplicate"], true);
  EXPECT_EQ(getOrder(id)["charge"], refunded);
}

TEST_F(CommerceTest, AWrongAmountOrCurrencyPaysNothing) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  for (const auto& event :
       {paymentEvent("evt_low", id, 118), paymentEvent("evt_high", id, 120),
        paymentEvent("evt_zero", id, 0), paymentEvent("evt_usd", id, 119, "usd")}) {
    const auto reply = signedWebhook(event);
    EXPECT_EQ(reply.status, 422) << reply.describe();
    EXPECT_EQ(reply.errorCode(), "amount_mismatch");
  }
  EXPECT_EQ(paymentState(id), "unpaid");
  EXPECT_EQ(getOrder(id)["state"], "awaiting_payment");
  // Refused events were not recorded: the provider's retry is judged again.
  EXPECT_EQ(signedWebhook(paymentEvent("evt_low", id, 118)).errorCode(), "amount_mismatch");
  // An order without a fixed quote cannot be paid online either.
  const std::string unquoted = createOrder(customer_, storeId_);
  EXPECT_EQ(signedWebhook(paymentEvent("evt_unquoted", unquoted, 119)).errorCode(),
            "amount_mismatch");
}

TEST_F(CommerceTest, WebhookForAnUnknownOrderIs404) {
  for (const std::string orderId : {"ord_0123456789abcdef", "../../etc", ""}) {
    const auto reply = signedWebhook(paymentEvent("evt_unknown", orderId, 119));
    EXPECT_EQ(reply.status, 404) << orderId;
    EXPECT_EQ(reply.errorCode(), "order_not_found") << orderId;
  }
}

TEST_F(CommerceTest, WebhookRefusesMalformedAndHugeBodies) {
  const std::int64_t t = clock_.now();
  const auto malformed = signedWebhook(std::string("{\"id\": \"evt_1\", "), t);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.errorCode(), "malformed_json");
  EXPECT_EQ(signedWebhook(std::string("[1, 2]"), t).errorCode(), "invalid_request");
  EXPECT_EQ(signedWebhook(json{{"type", "x"}}.dump(), t).errorCode(), "invalid_request");
  EXPECT_EQ(signedWebhook(json{{"id", 5}, {"type", "x"}}.dump(), t).errorCode(), "invalid_request");
  const json noObject{{"id", "evt_noobj"}, {"type", "checkout.session.completed"}, {"data", 1}};
  EXPECT_EQ(signedWebhook(noObject).errorCode(), "invalid_request");
  std::string huge =
      json{{"id", "evt_huge"}, {"type", "x"}, {"pad", std::string(70000, 'a')}}.dump();
  const auto tooBig = signedWebhook(huge, t);
  EXPECT_EQ(tooBig.status, 413);
  EXPECT_EQ(tooBig.errorCode(), "payload_too_large");
}

TEST_F(CommerceTest, EventsThatAreNotOursAreIgnoredOnce) {
  setPrices("pay_first");
  const std::string id = pricedOrder(10);
  const auto other = signedWebhook(json{{"id", "evt_other"},
                                        {"type", "customer.created"},
                                        {"data", {{"object", {{"id", "cus_1"}}}}}});
  ASSERT_EQ(other.status, 200) << other.describe();
  EXPECT_EQ(other.asJson()["outcome"], "ignored");
  EXPECT_EQ(
      signedWebhook(json{{"id", "evt_other"}, {"type", "customer.created"}}).asJson()["duplicate"],
      true);
  // A payment without our order id is someone else's sale on the same account.
  json foreign = paymentEvent("evt_foreign", id, 119);
  foreign["data"]["object"].erase("metadata");
  EXPECT_EQ(signedWebhook(foreign).asJson()["outcome"], "ignored");
  // A checkout still waiting for a delayed payment method pays nothing yet.
  json pending = paymentEvent("evt_pending", id, 119);
  pending["data"]["object"]["payment_status"] = "unpaid";
  EXPECT_EQ(signedWebhook(pending).asJson()["outcome"], "ignored");
  EXPECT_EQ(paymentState(id), "unpaid");
}

TEST_F(CommerceTest, APaymentArrivingForAFailedOrderIsRefundedOnArrival) {
  setPrices();
  const std::string id = pricedOrder(10);
  const json offers = pollNow(agent_);
  ASSERT_EQ(offers.size(), 1u);
  ASSERT_EQ(postEvent(agent_, offers[0]["job_id"],
                      {{"seq", 1}, {"lease_id", offers[0]["lease_id"]}, {"state", "failed"}})
                .status,
            200);
  const auto reply = signedWebhook(paymentEvent("evt_late", id, 119));
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["outcome"], "refunded_on_arrival");
  const json charge = getOrder(id)["charge"];
  EXPECT_EQ(charge["payment_state"], "refunded");
  EXPECT_EQ(charge["refund"]["amount_minor"], 119);
  EXPECT_EQ(charge["refund"]["reason"], "paid after the order was failed");
}

class UnconfiguredPaymentsTest : public CloudFixture {};

TEST_F(UnconfiguredPaymentsTest, WebhookIsOffWithoutASecret) {
  const std::string body = json{{"id", "evt_1"}, {"type", "x"}}.dump();
  httplib::Headers headers{
      {"Stripe-Signature", webhookSignatureHeader("whsec_anything_at_all_00", clock_.now(), body)}};
  auto result = newClient()->Post("/api/v1/payments/webhook", headers, body, "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_NE(result->body.find("payments_not_configured"), std::string::npos);
}

TEST(WebhookSignatureTest, HeaderRoundTripsAndTheCompareCoversEveryCandidate) {
  const std::string body = R"({"id":"evt_1"})";
  EXPECT_NO_THROW(
      verifyWebhookSignature("secret", webhookSignatureHeader("secret", 1000, body), body, 1000));
  EXPECT_NO_THROW(verifyWebhookSignature("secret",
                                         " t=1000, v1=" + std::string(64, '0') + ", " +
                                             webhookSignatureHeader("secret", 1000, body).substr(7),
                                         body, 1200));
  try {
    verifyWebhookSignature("secret", webhookSignatureHeader("secret", 1000, body), body, 1301);
    ADD_FAILURE() << "expired signature accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "signature_expired");
  }
  try {
    verifyWebhookSignature("secret", "t=1000,v1=" + std::string(20, 'a') + std::string(4076, 'b'),
                           body, 1000);
    ADD_FAILURE() << "oversized header accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad_signature");
  }
}

// ---------------------------------------------------------------------------------------------
// Receipts

std::string pdfText(const std::filesystem::path& dir, const std::string& pdf) {
  const auto file = dir / "receipt.pdf";
  {
    std::ofstream out(file, std::ios::binary);
    out << pdf;
  }
  printrelay::testing::ProcessSpec spec;
  spec.argv = {"pdftotext", "-layout", file.string(), "-"};
  const auto result = printrelay::testing::run(spec);
  EXPECT_TRUE(result.status.success()) << result.describe();
  return result.out;
}

TEST_F(CommerceTest, APaidOrderHasAPdfReceipt) {
  setPrices();
  const std::string id = createOrder(customer_, storeId_, "application/pdf",
                                     {{"copies", 2}, {"print-color-mode", "color"}}, 3);
  ASSERT_EQ(upload(customer_, id, seal(agent_, id, "%PDF-1.4 r"), std::string(envelope::kMediaType))
                .status,
            200);
  const auto early = request("GET", "/api/v1/orders/" + id + "/receipt", customer_);
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(early.errorCode(), "receipt_unavailable");
  ASSERT_EQ(markPaid(id, {{"method", "card"}}).status, 200);

  const auto reply = request("GET", "/api/v1/orders/" + id + "/receipt", customer_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.headers.find("Content-Type")->second, "application/pdf");
  EXPECT_EQ(reply.body.rfind("%PDF-", 0), 0u);
  const std::string text = pdfText(dir_->path(), reply.body);
  EXPECT_NE(text.find(id), std::string::npos) << text;
  EXPECT_NE(text.find("3.57 EUR"), std::string::npos) << text;    // the total
  EXPECT_NE(text.find("0.57 EUR"), std::string::npos) << text;    // the tax
  EXPECT_NE(text.find("Copy Corner"), std::string::npos) << text; // the store
  EXPECT_NE(text.find("1 Test Street"), std::string::npos) << text;
  EXPECT_NE(text.find("thesis.pdf"), std::string::npos) << text;
  EXPECT_NE(text.find("2 copies"), std::string::npos) << text;
  EXPECT_NE(text.find("Printed sides (color, iso_a4_210x297mm)"), std::string::npos) << text;
  EXPECT_NE(text.find("by card"), std::string::npos) << text;

  // Another customer sees no such order; an admin may fetch it.
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt", customerToken()).status, 404);
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt", kAdminToken).status, 200);
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt", shopkeeper_).status, 403);
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt").status, 401);
}

TEST_F(CommerceTest, APrintedOrderHasAReceiptBeforeItIsPaid) {
  setPrices();
  const std::string id = pricedOrder(10);
  const json offers = pollNow(agent_);
  ASSERT_EQ(offers.size(), 1u);
  ASSERT_EQ(postEvent(agent_, offers[0]["job_id"],
                      {{"seq", 1}, {"lease_id", offers[0]["lease_id"]}, {"state", "printed"}})
                .status,
            200);
  const auto reply = request("GET", "/api/v1/orders/" + id + "/receipt", customer_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const std::string text = pdfText(dir_->path(), reply.body);
  EXPECT_NE(text.find("1.19 EUR due"), std::string::npos) << text;
  EXPECT_NE(text.find("printed"), std::string::npos) << text;
}

TEST_F(CommerceTest, ReceiptsCarryAnyNameSafely) {
  OrderRecord order;
  order.id = "ord_x";
  order.storeId = "st_x";
  order.optionsJson = "{}";
  order.documentName = std::string("evil\x01(name) \\ ) \xff.pdf");
  order.createdAt = 1'800'000'000;
  order.state = OrderState::Printed;
  OrderChargeRecord charge;
  charge.orderId = order.id;
  charge.pages = 1;
  charge.pagesSource = "agent";
  charge.currency = "JPY";
  charge.totalMinor = 1234;
  charge.breakdownJson = "not json";
  StoreRecord store;
  store.name = "Café Zürich – Kopien 😀";
  store.address = std::string(500, 'x');
  const std::string pdf = receiptPdf(store, order, charge, 1'800'000'100);
  ASSERT_EQ(pdf.rfind("%PDF-", 0), 0u);
  const std::string text = pdfText(dir_->path(), pdf);
  EXPECT_NE(text.find("Café Zürich – Kopien ?"), std::string::npos) << text;
  EXPECT_NE(text.find("1234 JPY"), std::string::npos) << text;
  EXPECT_EQ(toWinAnsi("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n\xff", 100),
            std::string("a\xe9\x80? ?"));
  EXPECT_EQ(toWinAnsi("abcdef", 3), std::string("ab\x85"));
}

} // namespace
} // namespace printrelay::cloud::testing
