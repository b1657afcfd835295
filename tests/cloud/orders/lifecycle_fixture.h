#pragma once

// The fixture of the order lifecycle tests (lifecycle_*_test.cpp, order_lists_test.cpp): a store
// with an enrolled agent, a customer and the store's shopkeeper, and the steps an order takes
// through the HTTP API.
#include "cloud/orders/lifecycle.h"
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "tests/cloud/cloud_fixture.h"

#include <cstdio>
#include <limits>
#include <set>

namespace printrelay::cloud::testing {

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

  /// What the commerce track does for a pay-first store: the order now awaits its payment.
  void markAwaitingPayment(const std::string& orderId) {
    auto tx = server_->store().begin();
    OrderRecord order = *tx->findOrder(orderId);
    order.state = OrderState::AwaitingPayment;
    tx->updateOrder(order);
    tx->appendOrderHistory({orderId, OrderState::AwaitingPayment, clock_.now(), "unpaid"});
    tx->commit();
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
    auto printing = reportPrinting(agent_, offer, 7);
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

} // namespace printrelay::cloud::testing
