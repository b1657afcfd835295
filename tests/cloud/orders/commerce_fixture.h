#pragma once

// The fixture of the commerce tests (quotes_test.cpp, payments_test.cpp, receipts_test.cpp): a
// store with an enrolled agent, a customer and the store's shopkeeper, and the webhook secret.
// Orders here are client-sealed: the upload fixes the quote on the pages the client declared; a
// few tests re-fix a quote through the store (fixQuote) to price another count.
#include "cloud/orders/payments.h"
#include "cloud/orders/receipt.h"
#include "cloud/routes/api_error.h"
#include "common/crypto/envelope.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/process.h"

#include <fstream>

namespace printrelay::cloud::testing {

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

  /// Takes the one queued job and reports it `state` ("printed", "failed") at once; call it
  /// under ASSERT_NO_FATAL_FAILURE.
  void endTheJob(const std::string& state) {
    const json offers = pollNow(agent_);
    ASSERT_EQ(offers.size(), 1u);
    ASSERT_EQ(postEvent(agent_, offers[0]["job_id"],
                        {{"seq", 1}, {"lease_id", offers[0]["lease_id"]}, {"state", state}})
                  .status,
              200);
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

} // namespace printrelay::cloud::testing
