// Acknowledged offers: a lease first runs only until the offer's ack deadline; the agent's
// POST /api/v1/agent/jobs/{id}/ack (after journalling it) lets it run its whole length; an offer
// nobody acknowledged goes back to the queue at the deadline and a late acknowledgement is 409.
#include "common/wire/protocol.h"
#include "tests/cloud/cloud_fixture.h"

namespace printrelay::cloud::testing {
namespace {

class OfferAckTest : public CloudFixture {
protected:
  json onlyOffer(const json& offers) {
    EXPECT_EQ(offers.size(), 1u) << offers.dump();
    return offers.empty() ? json::object() : offers[0];
  }
  std::string orderState(const QueuedOrder& q) {
    const auto reply = request("GET", "/api/v1/orders/" + q.orderId, q.customerToken);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson().value("state", "");
  }
  HttpReply ack(const EnrolledAgent& agent, const std::string& jobId, const std::string& body) {
    return request("POST", "/api/v1/agent/jobs/" + jobId + "/ack", agent.credential, body);
  }
};

TEST_F(OfferAckTest, TheOfferCarriesItsDeadlineAndTheAckRunsTheWholeLease) {
  const QueuedOrder q = queuedOrder();
  const json offer = onlyOffer(pollUnacknowledged(q.agent));
  EXPECT_EQ(offer["ack_by"], clock_.now() + settings_.offerAckSeconds);
  EXPECT_EQ(offer["lease_expires_at"], offer["ack_by"]); // the lease ends with it unless acked
  EXPECT_EQ(offer.get<protocol::JobOffer>().ackBy, offer["ack_by"].get<std::int64_t>());

  clock_.advance(settings_.offerAckSeconds - 1);
  const auto acked = acknowledge(q.agent, offer);
  ASSERT_EQ(acked.status, 200) << acked.describe();
  EXPECT_EQ(acked.asJson()["job_id"], offer["job_id"]);
  EXPECT_EQ(acked.asJson()["order_id"], q.orderId);
  EXPECT_EQ(acked.asJson()["lease_id"], offer["lease_id"]);
  EXPECT_EQ(acked.asJson()["lease_expires_at"], clock_.now() + settings_.leaseSeconds);

  // Past the deadline the acknowledged lease holds: nothing is offered again.
  clock_.advance(settings_.offerAckSeconds + 5);
  EXPECT_TRUE(pollUnacknowledged(q.agent).empty());
  EXPECT_EQ(orderState(q), "dispatched");
  // A repeated acknowledgement (a retried request) renews the lease; nothing else changes.
  const auto again = acknowledge(q.agent, offer);
  ASSERT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(again.asJson()["lease_expires_at"], clock_.now() + settings_.leaseSeconds);
  EXPECT_EQ(orderState(q), "dispatched");
}

TEST_F(OfferAckTest, AnOfferNobodyAcknowledgedIsOfferedAgainAtItsDeadline) {
  const QueuedOrder q = queuedOrder();
  const EnrolledAgent second = enrollAgent(q.storeId);
  // The first agent "crashes" with the offer: it never acknowledges.
  const json lost = onlyOffer(pollUnacknowledged(q.agent));
  clock_.advance(settings_.offerAckSeconds - 1);
  EXPECT_TRUE(pollUnacknowledged(second).empty()) << "taken back before its deadline";

  clock_.advance(1);
  const json offer = onlyOffer(pollNow(second));
  EXPECT_EQ(offer["job_id"], lost["job_id"]);
  EXPECT_NE(offer["lease_id"], lost["lease_id"]);

  // The first agent comes back late: its acknowledgement, events and download are refused.
  const auto late = acknowledge(q.agent, lost);
  EXPECT_EQ(late.status, 409) << late.describe();
  EXPECT_EQ(late.errorCode(), "lease_expired");
  EXPECT_EQ(postEvent(q.agent, lost["job_id"],
                      {{"seq", 1}, {"lease_id", lost["lease_id"]}, {"state", "printing"}})
                .errorCode(),
            "lease_expired");
  // The second agent prints it once.
  ASSERT_EQ(reportPrinting(second, offer, 7).status, 200);
  ASSERT_EQ(postEvent(second, offer["job_id"],
                      {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                .status,
            200);
  const auto order = request("GET", "/api/v1/orders/" + q.orderId, q.customerToken).asJson();
  EXPECT_EQ(order["state"], "printed");
  std::vector<std::string> states;
  for (const auto& entry : order["history"]) {
    states.push_back(entry["state"]);
  }
  EXPECT_EQ(states, (std::vector<std::string>{"awaiting_upload", "queued", "dispatched", "queued",
                                              "dispatched", "printing", "printed"}));
  EXPECT_EQ(order["history"][2]["note"], "leased to agent " + q.agent.agentId);
  EXPECT_EQ(order["history"][4]["note"], "leased to agent " + second.agentId);
}

TEST_F(OfferAckTest, EventsOnAnOfferCountAsItsAcknowledgement) {
  // An agent that reports printing before its acknowledgement got through keeps the job.
  const QueuedOrder q = queuedOrder();
  const json offer = onlyOffer(pollUnacknowledged(q.agent));
  ASSERT_EQ(reportPrinting(q.agent, offer, 3).status, 200);
  clock_.advance(settings_.offerAckSeconds + 1);
  EXPECT_TRUE(pollUnacknowledged(q.agent).empty());
  EXPECT_EQ(orderState(q), "printing");
}

TEST_F(OfferAckTest, HostileAcknowledgementsAreRefused) {
  const QueuedOrder q = queuedOrder();
  const json offer = onlyOffer(pollUnacknowledged(q.agent));
  const std::string jobId = offer["job_id"];
  const std::string good = json{{"lease_id", offer["lease_id"]}}.dump();

  // Ids that are no job of this store.
  for (const std::string& bad : std::vector<std::string>{"job_nope", "job_", "..%2F..%2Fetc", "%00",
                                                         std::string(300, 'j')}) {
    const auto reply = ack(q.agent, bad, good);
    EXPECT_EQ(reply.status, 404) << bad << ": " << reply.describe();
  }
  // Another store's agent does not see the job at all.
  const EnrolledAgent stranger = enrollAgent(createStore("Elsewhere"));
  const auto foreign = ack(stranger, jobId, good);
  EXPECT_EQ(foreign.status, 404) << foreign.describe();
  EXPECT_EQ(foreign.errorCode(), "job_not_found");
  // Another agent of the same store cannot acknowledge an offer made to the first.
  const EnrolledAgent sibling = enrollAgent(q.storeId);
  EXPECT_EQ(ack(sibling, jobId, good).errorCode(), "lease_expired");
  // A wrong or empty lease.
  EXPECT_EQ(ack(q.agent, jobId, json{{"lease_id", "lease_other"}}.dump()).errorCode(),
            "lease_expired");
  // Bodies that are not {"lease_id": string}.
  for (const std::string& body : std::vector<std::string>{
           std::string(), std::string("{"), std::string("[]"), std::string("null"),
           std::string("{}"), std::string(R"({"lease_id":""})"), std::string(R"({"lease_id":7})"),
           json{{"lease_id", std::string(129, 'x')}}.dump(),
           std::string(R"({"lease_id":"a\u0000b"})")}) {
    const auto reply = ack(q.agent, jobId, body);
    EXPECT_EQ(reply.status, 400) << "body " << body.substr(0, 40) << ": " << reply.describe();
  }
  // A body over the route's 64 KiB is refused by its size (small enough that the client is done
  // writing when the answer comes).
  const auto huge =
      ack(q.agent, jobId,
          json{{"lease_id", offer["lease_id"]}, {"pad", std::string(100 * 1024, 'x')}}.dump());
  EXPECT_EQ(huge.status, 413) << huge.describe();
  // Not an agent's credential.
  EXPECT_EQ(ack(EnrolledAgent{}, jobId, good).status, 401);
  EXPECT_EQ(request("POST", "/api/v1/agent/jobs/" + jobId + "/ack", q.customerToken, good).status,
            403);
  // Nothing above took the offer or extended it: it still ends at its deadline.
  EXPECT_EQ(orderState(q), "dispatched");
  clock_.advance(settings_.offerAckSeconds);
  EXPECT_EQ(onlyOffer(pollNow(sibling))["job_id"], jobId);
}

TEST_F(OfferAckTest, AnAckForAnOrderThatMovedOnIsRefused) {
  const QueuedOrder q = queuedOrder();
  const json offer = onlyOffer(pollUnacknowledged(q.agent));
  const auto cancelled =
      request("POST", "/api/v1/orders/" + q.orderId + "/cancel", q.customerToken, "{}");
  ASSERT_EQ(cancelled.status, 200) << cancelled.describe();
  const auto reply = acknowledge(q.agent, offer);
  EXPECT_EQ(reply.status, 409) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "lease_expired");
}

} // namespace
} // namespace printrelay::cloud::testing
