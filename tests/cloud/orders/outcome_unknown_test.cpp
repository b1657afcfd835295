// outcome_unknown: the spooler forgot a job that may have printed. No refund, no mail, no
// reprint; the order shows the agent's evidence until the shop resolves it (printed → charged
// and mailed as printed; not printed → failed, refunded and mailed as failed).
#include "tests/cloud/orders/commerce_fixture.h"

namespace printrelay::cloud::testing {
namespace {

class OutcomeUnknownTest : public CommerceTest {
protected:
  /// A paid one-page order, leased and reported printing, then reported outcome_unknown with
  /// evidence. Returns the order id; call under ASSERT_NO_FATAL_FAILURE.
  void forgottenOrder(std::string& orderId) {
    setPrices();
    orderId = pricedOrder(1);
    ASSERT_EQ(markPaid(orderId, {{"method", "cash"}}).status, 200);
    const json offers = pollNow(agent_);
    ASSERT_EQ(offers.size(), 1u);
    offer_ = offers[0];
    ASSERT_EQ(reportPrinting(agent_, offer_, 577).status, 200);
    clock_.advance(7);
    const auto reply = postEvent(agent_, offer_["job_id"],
                                 {{"seq", 2},
                                  {"lease_id", offer_["lease_id"]},
                                  {"state", "outcome_unknown"},
                                  {"spooler_job_id", 577},
                                  {"printer", "front-desk"},
                                  {"message", "spooler_job_unknown: the spooler has no record"},
                                  {"spooler_state", "processing"},
                                  {"spooler_seen_at", clock_.now() - 5},
                                  {"bytes_sent", 12345}});
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.asJson()["state"], "outcome_unknown");
    EXPECT_TRUE(reply.asJson()["lease_expires_at"].is_null());
  }

  HttpReply resolve(const std::string& orderId, const std::string& body,
                    const std::string& token = "") {
    return request("POST", "/api/v1/shop/orders/" + orderId + "/resolve",
                   token.empty() ? shopkeeper_ : token, body);
  }

  std::size_t mailsTo(const std::string& subjectPart) {
    auto tx = server_->store().beginRead();
    std::size_t n = 0;
    for (const auto& mail : tx->listMails()) {
      n += mail.subject.find(subjectPart) != std::string::npos ? 1 : 0;
    }
    return n;
  }
  std::size_t allMails() {
    auto tx = server_->store().beginRead();
    return tx->listMails().size();
  }

  json offer_;
};

TEST_F(OutcomeUnknownTest, TheOrderWaitsWithItsEvidenceAndNeitherRefundsNorMails) {
  const std::size_t mailsBefore = allMails();
  std::string id;
  ASSERT_NO_FATAL_FAILURE(forgottenOrder(id));
  const json order = getOrder(id);
  EXPECT_EQ(order["state"], "outcome_unknown");
  EXPECT_EQ(order["charge"]["payment_state"], "paid"); // no refund
  EXPECT_EQ(allMails(), mailsBefore);                  // no failure mail, no ready mail
  const json evidence = order["outcome_unknown"];
  ASSERT_TRUE(evidence.is_object()) << order.dump();
  EXPECT_EQ(evidence["last_spooler_state"], "processing");
  EXPECT_EQ(evidence["last_seen_at"], clock_.now() - 5);
  EXPECT_EQ(evidence["bytes_sent"], 12345);
  EXPECT_EQ(evidence["spooler_job_id"], 577);
  EXPECT_EQ(evidence["printer"], "front-desk");
  EXPECT_EQ(evidence["reported_at"], clock_.now());
  EXPECT_NE(order["history"].back()["note"].get<std::string>().find("processing"),
            std::string::npos);
  // Nothing but a resolve moves it: no cancel, no reprint, no expiry, no second agent report.
  EXPECT_EQ(request("POST", "/api/v1/shop/orders/" + id + "/cancel", shopkeeper_, "{}").errorCode(),
            "printing_started");
  EXPECT_EQ(request("POST", "/api/v1/shop/orders/" + id + "/reprint", shopkeeper_, "{}").status,
            409);
  EXPECT_EQ(postEvent(agent_, offer_["job_id"],
                      {{"seq", 3}, {"lease_id", offer_["lease_id"]}, {"state", "failed"}})
                .errorCode(),
            "lease_expired");
  clock_.advance(90 * 86400);
  server_->worker().sweepOrders(clock_.now());
  // The customer's token has long expired by now: the operator reads the order.
  EXPECT_EQ(getOrder(id, kAdminToken)["state"], "outcome_unknown");
  EXPECT_TRUE(getOrder(id, kAdminToken)["document"]["deleted_at"].is_null());
  EXPECT_TRUE(pollNow(agent_).empty());
}

TEST_F(OutcomeUnknownTest, ResolvedAsPrintedItIsChargedAndMailedAsPrinted) {
  std::string id;
  ASSERT_NO_FATAL_FAILURE(forgottenOrder(id));
  const auto reply = resolve(id, R"({"printed": true})");
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "printed");
  EXPECT_TRUE(reply.asJson()["outcome_unknown"].is_null());
  EXPECT_EQ(reply.asJson()["charge"]["payment_state"], "paid");
  EXPECT_FALSE(reply.asJson()["charge"]["finalized_at"].is_null());
  EXPECT_NE(reply.asJson()["history"].back()["note"].get<std::string>().find("it printed"),
            std::string::npos);
  EXPECT_EQ(mailsTo("ready for collection"), 1u);
  EXPECT_EQ(mailsTo("could not be printed"), 0u);
  // A replay is refused: it is no longer unknown.
  const auto again = resolve(id, R"({"printed": true})");
  EXPECT_EQ(again.status, 409) << again.describe();
  EXPECT_EQ(again.errorCode(), "outcome_known");
  EXPECT_EQ(mailsTo("ready for collection"), 1u);
}

TEST_F(OutcomeUnknownTest, ResolvedAsNotPrintedItFailsIsRefundedAndMayBeReprinted) {
  std::string id;
  ASSERT_NO_FATAL_FAILURE(forgottenOrder(id));
  const auto reply = resolve(id, R"({"printed": false})");
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "failed");
  EXPECT_EQ(reply.asJson()["charge"]["payment_state"], "refunded");
  EXPECT_EQ(mailsTo("could not be printed"), 1u);
  EXPECT_EQ(mailsTo("ready for collection"), 0u);
  EXPECT_EQ(resolve(id, R"({"printed": true})").errorCode(), "outcome_known");
  const auto reprint = request("POST", "/api/v1/shop/orders/" + id + "/reprint", shopkeeper_, "{}");
  EXPECT_EQ(reprint.status, 200) << reprint.describe();
}

TEST_F(OutcomeUnknownTest, HostileResolvesAreRefused) {
  std::string id;
  ASSERT_NO_FATAL_FAILURE(forgottenOrder(id));
  for (const std::string& body : std::vector<std::string>{
           std::string(), std::string("{"), std::string("[]"), std::string("{}"),
           std::string(R"({"printed": "yes"})"), std::string(R"({"printed": 1})"),
           std::string(R"({"printed": null})"),
           std::string(R"({"printed": true, "refund": false})"),
           std::string(R"({"Printed": true})")}) {
    const auto reply = resolve(id, body);
    EXPECT_EQ(reply.status, 400) << "body " << body << ": " << reply.describe();
  }
  const auto huge = resolve(id, json{{"printed", true}, {"pad", std::string(2 << 20, 'x')}}.dump());
  EXPECT_EQ(huge.status, 413) << huge.describe();
  // Ids that are no order, and another store's shopkeeper, see nothing.
  for (const std::string& bad :
       std::vector<std::string>{"ord_nope", "%00", "ord_..", std::string(300, 'o')}) {
    EXPECT_EQ(resolve(bad, R"({"printed": true})").status, 404) << bad;
  }
  const std::string otherStore = createStore("Elsewhere");
  const auto stranger = resolve(id, R"({"printed": true})", shopkeeperFor(otherStore));
  EXPECT_EQ(stranger.status, 404) << stranger.describe();
  EXPECT_EQ(stranger.errorCode(), "order_not_found");
  // The customer may not say it printed.
  EXPECT_EQ(resolve(id, R"({"printed": true})", customer_).status, 403);
  // The agent's route: only its own store's orders.
  const EnrolledAgent strangerAgent = enrollAgent(otherStore);
  const auto viaStranger = request("POST", "/api/v1/agent/orders/" + id + "/resolve",
                                   strangerAgent.credential, R"({"printed": false})");
  EXPECT_EQ(viaStranger.status, 404) << viaStranger.describe();
  EXPECT_EQ(request("POST", "/api/v1/agent/orders/" + id + "/resolve", agent_.credential,
                    R"({"printed": "no"})")
                .status,
            400);
  // Nothing above changed it.
  EXPECT_EQ(getOrder(id)["state"], "outcome_unknown");
  EXPECT_EQ(paymentState(id), "paid");

  // The store's own agent resolves it (printrelayctl resolve).
  const auto viaAgent = request("POST", "/api/v1/agent/orders/" + id + "/resolve",
                                agent_.credential, R"({"printed": false})");
  ASSERT_EQ(viaAgent.status, 200) << viaAgent.describe();
  EXPECT_EQ(viaAgent.asJson()["order_id"], id);
  EXPECT_EQ(viaAgent.asJson()["state"], "failed");
}

TEST_F(OutcomeUnknownTest, OnlyAnOrderInOutcomeUnknownIsResolved) {
  setPrices();
  const std::string queued = pricedOrder(1);
  const auto reply = resolve(queued, R"({"printed": true})");
  EXPECT_EQ(reply.status, 409) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "outcome_known");
  ASSERT_NO_FATAL_FAILURE(endTheJob("printed"));
  EXPECT_EQ(resolve(queued, R"({"printed": false})").errorCode(), "outcome_known");
  EXPECT_EQ(getOrder(queued)["state"], "printed");
}

TEST_F(OutcomeUnknownTest, AnAgentMayReportItStraightFromDispatched) {
  // After its own crash the agent may learn of the loss without having reported printing.
  setPrices();
  const std::string id = pricedOrder(1);
  const json offers = pollNow(agent_);
  ASSERT_EQ(offers.size(), 1u);
  const auto reply = postEvent(agent_, offers[0]["job_id"],
                               {{"seq", 1},
                                {"lease_id", offers[0]["lease_id"]},
                                {"state", "outcome_unknown"},
                                {"spooler_job_id", 9}});
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json evidence = getOrder(id)["outcome_unknown"];
  EXPECT_TRUE(evidence["last_spooler_state"].is_null());
  EXPECT_TRUE(evidence["bytes_sent"].is_null());
  EXPECT_EQ(evidence["spooler_job_id"], 9);
  // Hostile evidence: wrong types and sizes are 400 and change nothing.
  EXPECT_EQ(postEvent(agent_, offers[0]["job_id"],
                      {{"seq", 2},
                       {"lease_id", offers[0]["lease_id"]},
                       {"state", "outcome_unknown"},
                       {"bytes_sent", -1}})
                .status,
            400);
  EXPECT_EQ(postEvent(agent_, offers[0]["job_id"],
                      {{"seq", 2},
                       {"lease_id", offers[0]["lease_id"]},
                       {"state", "outcome_unknown"},
                       {"spooler_state", std::string(33, 'p')}})
                .status,
            400);
}

} // namespace
} // namespace printrelay::cloud::testing
