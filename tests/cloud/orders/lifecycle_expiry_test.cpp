// The order lifecycle through the HTTP API: the stores' lifecycle settings, expiry and retention
// driven by the fake clock, and the customer's notices.
#include "tests/cloud/orders/lifecycle_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// ---- Store lifecycle settings -------------------------------------------------------------------

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

// ---- Expiry and retention -----------------------------------------------------------------------

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
  markAwaitingPayment(orderId);
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

// ---- Notices ------------------------------------------------------------------------------------

TEST_F(LifecycleTest, APrintedOrderMailsReadyForPickupWithTheCode) {
  const std::string orderId = newOrder(true);
  const std::string code = uploadTo(orderId)["pickup_code"];
  ASSERT_EQ(post(releasePath(), shopkeeper_, {{"pickup_code", code}}).status, 200);
  const std::size_t before = outbox().size();
  finish(lease(), "printed");
  const auto mails = outbox();
  ASSERT_EQ(mails.size(), before + 1);
  const MailRecord& mail = mails.back();
  EXPECT_EQ(mail.subject, "Your print is ready for collection at Copy Corner");
  EXPECT_NE(mail.body.find("Shop:      Copy Corner\n  Address:   1 Test Street"), std::string::npos)
      << mail.body;
  EXPECT_NE(mail.body.find("Pickup code:  " + code), std::string::npos) << mail.body;
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
  EXPECT_EQ(mails.back().subject, "Your print at Copy Corner could not be printed");
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

} // namespace
} // namespace printrelay::cloud::testing
