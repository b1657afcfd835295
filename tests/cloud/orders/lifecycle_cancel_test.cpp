// The order lifecycle through the HTTP API: reprints of ended orders, and cancelling.
#include "tests/cloud/orders/lifecycle_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// ---- Reprint ------------------------------------------------------------------------------------

TEST_F(LifecycleTest, TheAgentReprintsAPrintedJobAsANewJob) {
  const auto [orderId, first] = endedOrder("printed");
  const std::string oldJob = first["job_id"];
  const auto reply = request("POST", "/api/v1/agent/jobs/" + oldJob + "/reprint", agent_.credential,
                             json{{"reason", "smudged"}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json order = reply.asJson();
  EXPECT_EQ(order["order_id"], orderId);
  EXPECT_EQ(order["state"], "queued");
  ASSERT_TRUE(order["job_id"].is_string());
  const std::string newJob = order["job_id"];
  EXPECT_NE(newJob, oldJob);
  EXPECT_EQ(order["history"].back()["note"],
            "reprint asked by agent " + agent_.agentId + ": smudged");

  const json offer = lease();
  EXPECT_EQ(offer["job_id"], newJob);
  EXPECT_EQ(offer["order_id"], orderId);
  // The new job's events start again at seq 1 without meeting the old job's.
  finish(offer, "printed");
  EXPECT_EQ(getOrder(orderId)["state"], "printed");
  // The old job is done: a replay still gets its first answer, anything new is refused.
  const auto replay = postEvent(
      agent_, oldJob, {{"seq", 2}, {"lease_id", first["lease_id"]}, {"state", "printed"}});
  EXPECT_EQ(replay.status, 200) << replay.describe();
  EXPECT_EQ(replay.asJson()["job_id"], oldJob);
  const auto stale = postEvent(agent_, oldJob,
                               {{"seq", 3}, {"lease_id", first["lease_id"]}, {"state", "printed"}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.errorCode(), "lease_expired");
  EXPECT_EQ(historyStates(getOrder(orderId)),
            (std::vector<std::string>{"awaiting_upload", "queued", "dispatched", "printing",
                                      "printed", "queued", "dispatched", "printing", "printed"}));
}

TEST_F(LifecycleTest, TheShopReprintsAFailedOrder) {
  const auto [orderId, first] = endedOrder("failed");
  const auto reply = post("/api/v1/shop/orders/" + orderId + "/reprint", shopkeeper_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "queued");
  EXPECT_NE(reply.asJson()["job_id"], first["job_id"]);
  EXPECT_EQ(lease()["order_id"], orderId);
}

TEST_F(LifecycleTest, OnlyEndedOrdersOfTheCallersStoreAreReprinted) {
  const auto [printed, offer] = endedOrder("printed");
  const std::string waiting = newOrder(true);
  uploadTo(waiting);
  const std::string queued = newOrder(false);
  const json queuedReply = uploadTo(queued);
  for (const std::string& id : {waiting, queued}) {
    const auto reply = post("/api/v1/shop/orders/" + id + "/reprint", shopkeeper_);
    EXPECT_EQ(reply.status, 409) << reply.describe();
    EXPECT_EQ(reply.errorCode(), "illegal_transition");
    EXPECT_NE(reply.asJson()["error"]["message"].get<std::string>().find("printed or failed"),
              std::string::npos);
  }
  const auto agentReply =
      request("POST", "/api/v1/agent/jobs/" + queuedReply["job_id"].get<std::string>() + "/reprint",
              agent_.credential, "{}");
  EXPECT_EQ(agentReply.status, 409);
  EXPECT_EQ(agentReply.errorCode(), "illegal_transition");

  const std::string otherStore = createStore("Elsewhere");
  const EnrolledAgent otherAgent = enrollAgent(otherStore);
  const std::string otherShopkeeper = accessToken(
      createUser(freshEmail("shopkeeper"), "shopkeeper", json::array({otherStore}))["email"]);
  EXPECT_EQ(request("POST", "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() + "/reprint",
                    otherAgent.credential, "{}")
                .errorCode(),
            "job_not_found");
  EXPECT_EQ(
      request("POST", "/api/v1/agent/jobs/job_nope/reprint", agent_.credential, "{}").errorCode(),
      "job_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/" + printed + "/reprint", otherShopkeeper).errorCode(),
            "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/ord_nope/reprint", shopkeeper_).errorCode(),
            "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/" + printed + "/reprint", customer_).status, 403);
  EXPECT_EQ(
      post("/api/v1/shop/orders/" + printed + "/reprint", shopkeeper_, {{"copies", 9}}).errorCode(),
      "invalid_request");
  EXPECT_EQ(getOrder(printed)["state"], "printed");
}

TEST_F(LifecycleTest, NoReprintOnceTheCiphertextIsDeleted) {
  const auto [orderId, offer] = endedOrder("printed");
  clock_.advance(86400);
  sweep();
  EXPECT_FALSE(documentOnDisk(orderId));
  const auto reply =
      request("POST", "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() + "/reprint",
              agent_.credential, "{}");
  EXPECT_EQ(reply.status, 410) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "document_gone");
  EXPECT_EQ(getOrder(orderId)["state"], "printed");
}

// ---- Cancel -------------------------------------------------------------------------------------

TEST_F(LifecycleTest, TheCustomerCancelsBeforePrintingAndTheCiphertextGoes) {
  const std::string cancelPath = "/api/v1/orders/";
  // awaiting_upload
  const std::string fresh = newOrder();
  auto reply = post(cancelPath + fresh + "/cancel", customer_, {{"reason", "wrong file"}});
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "cancelled");
  EXPECT_EQ(reply.asJson()["history"].back()["note"], "cancelled by the customer: wrong file");
  EXPECT_EQ(upload(customer_, fresh, "late", "text/plain").errorCode(), "order_ended");

  // held and queued: the stored ciphertext is deleted
  for (const bool hold : {true, false}) {
    const std::string id = newOrder(hold);
    uploadTo(id);
    ASSERT_TRUE(documentOnDisk(id));
    reply = post(cancelPath + id + "/cancel", customer_);
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.asJson()["state"], "cancelled");
    EXPECT_FALSE(documentOnDisk(id));
    EXPECT_EQ(reply.asJson()["document"]["deleted_at"], clock_.now());
    EXPECT_TRUE(reply.asJson()["hold_reason"].is_null());
  }
  EXPECT_TRUE(pollNow(agent_).empty()) << "a cancelled order was handed out";
  EXPECT_TRUE(documentFiles().empty());
}

TEST_F(LifecycleTest, CancellingADispatchedOrderRevokesTheLease) {
  const std::string orderId = newOrder(false);
  uploadTo(orderId);
  const json offer = lease();
  const auto reply = post("/api/v1/orders/" + orderId + "/cancel", customer_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_FALSE(documentOnDisk(orderId));
  const std::string jobPath = "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>();
  const auto event =
      postEvent(agent_, offer["job_id"],
                {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printing"}});
  EXPECT_EQ(event.status, 409);
  EXPECT_EQ(event.errorCode(), "lease_expired");
  EXPECT_EQ(request("GET", jobPath + "/document", agent_.credential).errorCode(), "lease_expired");
  EXPECT_EQ(getOrder(orderId)["state"], "cancelled");
}

TEST_F(LifecycleTest, NoCancelOncePrintingStartedOrTheOrderEnded) {
  // printing
  const std::string orderId = newOrder(false);
  uploadTo(orderId);
  const json offer = lease();
  ASSERT_EQ(postEvent(agent_, offer["job_id"],
                      {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printing"}})
                .status,
            200);
  auto reply = post("/api/v1/orders/" + orderId + "/cancel", customer_);
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.errorCode(), "printing_started");
  EXPECT_EQ(post("/api/v1/shop/orders/" + orderId + "/cancel", shopkeeper_).errorCode(),
            "printing_started");
  EXPECT_TRUE(documentOnDisk(orderId));

  // printed, failed
  for (const std::string outcome : {"printed", "failed"}) {
    const auto [id, unused] = endedOrder(outcome);
    reply = post("/api/v1/orders/" + id + "/cancel", customer_);
    EXPECT_EQ(reply.status, 409) << outcome;
    EXPECT_EQ(reply.errorCode(), "printing_started") << outcome;
  }

  // cancelled, expired
  const std::string cancelled = newOrder();
  ASSERT_EQ(post("/api/v1/orders/" + cancelled + "/cancel", customer_).status, 200);
  reply = post("/api/v1/orders/" + cancelled + "/cancel", customer_);
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.errorCode(), "illegal_transition");
  const std::string expired = newOrder();
  clock_.advance(3600);
  sweep();
  ASSERT_EQ(getOrder(expired)["state"], "expired");
  EXPECT_EQ(post("/api/v1/orders/" + expired + "/cancel", customer_).errorCode(),
            "illegal_transition");
}

TEST_F(LifecycleTest, AnOrderAwaitingPaymentCanBeCancelled) {
  const std::string orderId = newOrder(false);
  markAwaitingPayment(orderId);
  const auto reply = post("/api/v1/orders/" + orderId + "/cancel", customer_);
  EXPECT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "cancelled");
}

TEST_F(LifecycleTest, OnlyTheOwnerOrTheStoresShopCancels) {
  const std::string orderId = newOrder(true);
  uploadTo(orderId);
  const std::string stranger = customerToken();
  auto reply = post("/api/v1/orders/" + orderId + "/cancel", stranger);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "order_not_found");
  EXPECT_EQ(post("/api/v1/orders/ord_nope/cancel", customer_).errorCode(), "order_not_found");
  EXPECT_EQ(post("/api/v1/orders/../cancel", customer_).status, 404);
  EXPECT_EQ(post("/api/v1/orders/" + orderId + "/cancel", shopkeeper_).status, 403);
  EXPECT_EQ(
      post("/api/v1/orders/" + orderId + "/cancel", customer_, {{"state", "queued"}}).errorCode(),
      "invalid_request");

  const std::string otherShopkeeper = accessToken(createUser(
      freshEmail("shopkeeper"), "shopkeeper", json::array({createStore("Elsewhere")}))["email"]);
  reply = post("/api/v1/shop/orders/" + orderId + "/cancel", otherShopkeeper);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/ord_nope/cancel", shopkeeper_).errorCode(),
            "order_not_found");
  EXPECT_EQ(post("/api/v1/shop/orders/" + orderId + "/cancel", customer_).status, 403);
  EXPECT_TRUE(documentOnDisk(orderId));

  reply = post("/api/v1/shop/orders/" + orderId + "/cancel", shopkeeper_,
               {{"reason", "customer called"}});
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "cancelled");
  EXPECT_FALSE(documentOnDisk(orderId));
}

} // namespace
} // namespace printrelay::cloud::testing
