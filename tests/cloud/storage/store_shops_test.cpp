// The store conformance suite (store_conformance.h): stores, enrollment codes, agents, print
// defaults, prices, charges, payment events and lifecycle settings.
#include "tests/cloud/storage/store_conformance.h"

namespace printrelay::cloud::testing {
namespace {

TEST_P(StoreConformanceTest, StoresRoundTripAndListByName) {
  {
    auto tx = store_->begin();
    tx->insertStore(makeStore("st_b", "Beta"));
    tx->insertStore(makeStore("st_a", "Alpha"));
    tx->commit();
  }
  auto tx = store_->begin();
  const auto found = tx->findStore("st_b");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "Beta");
  EXPECT_DOUBLE_EQ(found->latitude, 52.5);
  EXPECT_TRUE(found->publicKey.empty());
  EXPECT_FALSE(tx->findStore("st_missing"));
  const auto all = tx->listStores();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "st_a");
  tx->setStoreKey("st_b", "cHVibGlj", "keyid");
  EXPECT_EQ(tx->findStore("st_b")->keyId, "keyid");
  EXPECT_EQ(tx->findStore("st_b")->publicKey, "cHVibGlj");
}

TEST_P(StoreConformanceTest, EnrollmentCodesAreUsedOnce) {
  auto tx = store_->begin();
  tx->insertStore(makeStore("st_1", "Shop"));
  tx->insertEnrollmentCode({"codehash", "st_1", 10, 20, std::nullopt, ""});
  EXPECT_FALSE(tx->findEnrollmentCode("other"));
  EXPECT_TRUE(tx->markEnrollmentCodeUsed("codehash", 15, "ag_1"));
  EXPECT_FALSE(tx->markEnrollmentCodeUsed("codehash", 16, "ag_2"));
  EXPECT_FALSE(tx->markEnrollmentCodeUsed("missing", 16, "ag_2"));
  const auto code = tx->findEnrollmentCode("codehash");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->usedAt, 15);
  EXPECT_EQ(code->usedByAgentId, "ag_1");
  EXPECT_EQ(code->expiresAt, 20);
}

TEST_P(StoreConformanceTest, AgentsAreFoundByCredentialHashAndRevokedOnce) {
  auto tx = store_->begin();
  tx->insertStore(makeStore("st_1", "Shop"));
  AgentRecord a;
  a.id = "ag_1";
  a.storeId = "st_1";
  a.name = "pc";
  a.version = "1";
  a.publicKey = "pk";
  a.keyId = "kid";
  a.credentialHash = "credhash";
  a.createdAt = 5;
  tx->insertAgent(a);
  EXPECT_EQ(tx->findAgentByCredentialHash("credhash")->id, "ag_1");
  EXPECT_FALSE(tx->findAgentByCredentialHash("nope"));
  EXPECT_FALSE(tx->lastAgentContact("st_1"));
  tx->touchAgent("ag_1", 50);
  EXPECT_EQ(tx->lastAgentContact("st_1"), 50);
  EXPECT_TRUE(tx->revokeAgent("ag_1", 60));
  EXPECT_TRUE(tx->revokeAgent("ag_1", 70));
  EXPECT_EQ(tx->findAgent("ag_1")->revokedAt, 60);
  EXPECT_FALSE(tx->revokeAgent("ag_missing", 70));
  EXPECT_FALSE(tx->lastAgentContact("st_1")); // revoked agents do not count
}

TEST_P(StoreConformanceTest, StorePrintDefaultsAreInsertedThenOverwritten) {
  auto tx = store_->begin();
  tx->insertStore(makeStore("st_1", "Shop"));
  EXPECT_FALSE(tx->findStorePrintDefaults("st_1"));
  StorePrintDefaultsRecord d;
  d.storeId = "st_1";
  d.printer = "Front";
  d.optionsJson = R"({"media":"A4"})";
  d.updatedAt = 5;
  tx->putStorePrintDefaults(d);
  d.printer = "";
  d.optionsJson = "{}";
  d.updatedAt = 6;
  tx->putStorePrintDefaults(d);
  const auto found = tx->findStorePrintDefaults("st_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->printer, "");
  EXPECT_EQ(found->optionsJson, "{}");
  EXPECT_EQ(found->updatedAt, 6);
}

TEST_P(StoreConformanceTest, PricesChargesAndPaymentEventsRoundTrip) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Queued, 10);
  EXPECT_FALSE(tx->findStorePrices("st_1"));
  tx->putStorePrices({"st_1", R"({"currency":"EUR"})", "print_then_pay", 20});
  tx->putStorePrices({"st_1", R"({"currency":"JPY"})", "pay_first", 21});
  const auto prices = tx->findStorePrices("st_1");
  ASSERT_TRUE(prices);
  EXPECT_EQ(prices->priceListJson, R"({"currency":"JPY"})");
  EXPECT_EQ(prices->paymentPolicy, "pay_first");
  EXPECT_EQ(prices->updatedAt, 21);

  EXPECT_FALSE(tx->findOrderCharge("ord_1"));
  OrderPagesRecord pages;
  pages.orderId = "ord_1";
  pages.cloudPages = pages.quotedPages = 3;
  pages.source = "cloud";
  tx->putOrderPages(pages);
  OrderChargeRecord c;
  c.orderId = "ord_1";
  c.pages = 99; // not stored: a charge's pages are read from the order's page counts
  c.pagesSource = "client";
  c.priceListJson = "{}";
  c.breakdownJson = R"({"total_minor":357})";
  c.totalMinor = 357;
  c.currency = "EUR";
  c.quotedTotalMinor = 357;
  c.createdAt = c.updatedAt = 30;
  tx->putOrderCharge(c);
  const auto quoted = tx->findOrderCharge("ord_1");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->pages, 3);
  EXPECT_EQ(quoted->pagesSource, "cloud");
  pages.agentPages = 4;
  tx->putOrderPages(pages);
  EXPECT_EQ(tx->findOrderCharge("ord_1")->pages, 3) << "the quote stands until the charge is final";
  c.paymentState = "refunded";
  c.paymentMethod = "card";
  c.paidMinor = 357;
  c.paidAt = 31;
  c.paymentReference = "cs_1";
  c.refundedMinor = 357;
  c.refundedAt = 32;
  c.refundReason = "printing failed";
  c.finalizedAt = 33;
  c.updatedAt = 33;
  tx->putOrderCharge(c);
  const auto got = tx->findOrderCharge("ord_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->pages, 4) << "a final charge reads the agent's count";
  EXPECT_EQ(got->pagesSource, "agent");
  EXPECT_EQ(got->breakdownJson, c.breakdownJson);
  EXPECT_EQ(got->paymentState, "refunded");
  EXPECT_EQ(got->paymentMethod, "card");
  EXPECT_EQ(got->paidAt, 31);
  EXPECT_EQ(got->paymentReference, "cs_1");
  EXPECT_EQ(got->refundedMinor, 357);
  EXPECT_EQ(got->refundedAt, 32);
  EXPECT_EQ(got->refundReason, "printing failed");
  EXPECT_EQ(got->finalizedAt, 33);
  EXPECT_EQ(got->createdAt, 30);

  EXPECT_TRUE(tx->insertPaymentEvent({"evt_1", "checkout.session.completed", "ord_1", "paid", 40}));
  EXPECT_FALSE(tx->insertPaymentEvent({"evt_1", "other", "", "ignored", 41}));
  const auto event = tx->findPaymentEvent("evt_1");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "checkout.session.completed");
  EXPECT_EQ(event->outcome, "paid");
  EXPECT_EQ(event->receivedAt, 40);
  EXPECT_FALSE(tx->findPaymentEvent("evt_2"));
  tx->commit();
  EXPECT_TRUE(store_->begin()->findOrderCharge("ord_1"));
}

TEST_P(StoreConformanceTest, LifecycleSettingsAndRecordsAreUpserted) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Held, 10);
  EXPECT_FALSE(tx->findStoreLifecycle("st_1"));
  StoreLifecycleRecord settings;
  settings.storeId = "st_1";
  settings.holdByDefault = true;
  settings.releaseWindowSeconds = 7200;
  settings.updatedAt = 5;
  tx->putStoreLifecycle(settings);
  settings.retentionSeconds = 0;
  tx->putStoreLifecycle(settings);
  const auto read = tx->findStoreLifecycle("st_1");
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->holdByDefault);
  EXPECT_EQ(read->releaseWindowSeconds, 7200);
  EXPECT_EQ(read->retentionSeconds, 0);
  EXPECT_EQ(read->uploadWindowSeconds, 3600);

  EXPECT_FALSE(tx->findOrderLifecycle("ord_1"));
  OrderLifecycleRecord lc{"ord_1", "st_1", true, "pickup", "012345", std::nullopt};
  tx->putOrderLifecycle(lc);
  lc.documentDeletedAt = 99;
  lc.holdReason.clear();
  tx->putOrderLifecycle(lc);
  const auto reread = tx->findOrderLifecycle("ord_1");
  ASSERT_TRUE(reread);
  EXPECT_TRUE(reread->wantsHold);
  EXPECT_EQ(reread->pickupCode, "012345");
  EXPECT_EQ(reread->holdReason, "");
  EXPECT_EQ(reread->documentDeletedAt, 99);
}

} // namespace
} // namespace printrelay::cloud::testing
