// Payment at the shop and through the signed webhook, and refunds, through the HTTP API.
#include "tests/cloud/orders/commerce_fixture.h"

namespace printrelay::cloud::testing {
namespace {

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
  ASSERT_NO_FATAL_FAILURE(endTheJob("failed"));
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
  ASSERT_NO_FATAL_FAILURE(endTheJob("failed"));
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

} // namespace
} // namespace printrelay::cloud::testing
