// The agent's side: long-poll, leases, the ciphertext download and idempotent status events.
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/wire/protocol.h"
#include "tests/cloud/cloud_fixture.h"

#include <future>

namespace printrelay::cloud::testing {
namespace {

class AgentApiTest : public CloudFixture {
protected:
  /// Leases the queued order's job; returns the offer.
  json lease(const EnrolledAgent& agent) {
    const json jobs = pollNow(agent);
    EXPECT_EQ(jobs.size(), 1u) << jobs.dump();
    return jobs.empty() ? json::object() : jobs[0];
  }
  json order(const QueuedOrder& q) {
    const auto reply = request("GET", "/api/v1/orders/" + q.orderId, q.customerToken);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson();
  }
  static std::vector<std::string> historyStates(const json& order) {
    std::vector<std::string> states;
    for (const auto& entry : order["history"]) {
      states.push_back(entry["state"].get<std::string>());
    }
    return states;
  }
};

TEST_F(AgentApiTest, PollWithoutWorkAnswersAnEmptyList) {
  const EnrolledAgent agent = enrollAgent(createStore());
  const auto reply = request("GET", "/api/v1/agent/jobs?wait=0", agent.credential);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson(), json({{"jobs", json::array()}}));
  EXPECT_EQ(request("GET", "/api/v1/agent/jobs?wait=soon", agent.credential).errorCode(),
            "invalid_request");
  EXPECT_EQ(request("GET", "/api/v1/agent/jobs?wait=-1", agent.credential).errorCode(),
            "invalid_request");
}

TEST_F(AgentApiTest, QueuedJobIsOfferedWithALeaseAndOptions) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string customer = customerToken();
  const std::string orderId = createOrder(customer, storeId, "application/pdf",
                                          {{"copies", 3}, {"sides", "two-sided-long-edge"}});
  const std::string sealed = seal(agent, orderId, "%PDF-1.4 three copies please");
  ASSERT_EQ(upload(customer, orderId, sealed, std::string(envelope::kMediaType)).status, 200);

  const json offer = lease(agent);
  EXPECT_EQ(offer["order_id"], orderId);
  EXPECT_EQ(offer["job_id"].get<std::string>().rfind("job_", 0), 0u);
  EXPECT_FALSE(offer["lease_id"].get<std::string>().empty());
  // Until acknowledged (lease() does, as the agent does) the lease ends with the ack deadline.
  EXPECT_EQ(offer["ack_by"], clock_.now() + settings_.offerAckSeconds);
  EXPECT_EQ(offer["lease_expires_at"], offer["ack_by"]);
  EXPECT_EQ(offer["envelope_size"], sealed.size());
  EXPECT_EQ(offer["key_id"], agent.keyId);
  EXPECT_EQ(offer["content_type"], "application/pdf");
  EXPECT_EQ(offer["document_name"], "thesis.pdf");
  EXPECT_EQ(offer["options"]["copies"], 3);
  EXPECT_EQ(offer["options"]["sides"], "two-sided-long-edge");
  // The wire type parses it.
  EXPECT_NO_THROW(offer.get<protocol::JobOffer>());
  // Handed out once only.
  EXPECT_TRUE(pollNow(agent).empty());
}

TEST_F(AgentApiTest, WaitingPollIsAnsweredTheMomentAnOrderIsQueued) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string customer = customerToken();
  const std::string orderId = createOrder(customer, storeId);

  // wait is the fixture's maximum (30 s): if the hub did not wake the poll it would come back
  // empty at the timeout, and the test would fail on the content, not on a clock.
  auto poll = std::async(std::launch::async, [&] {
    return requestOnNewClient("GET", "/api/v1/agent/jobs?wait=30", agent.credential);
  });
  ASSERT_TRUE(server_->hub().awaitWaiting(storeId, 1, std::chrono::seconds(20)))
      << "the poll never started waiting";
  const auto uploaded =
      upload(customer, orderId, seal(agent, orderId, "wake up"), std::string(envelope::kMediaType));
  ASSERT_EQ(uploaded.status, 200) << uploaded.describe();

  const HttpReply reply = poll.get();
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json jobs = reply.asJson()["jobs"];
  ASSERT_EQ(jobs.size(), 1u) << "the poll timed out instead of being woken: " << reply.body;
  EXPECT_EQ(jobs[0]["order_id"], orderId);
}

TEST_F(AgentApiTest, PollsOfOtherStoresAreNotWoken) {
  const std::string storeA = createStore("A");
  const std::string storeB = createStore("B");
  const EnrolledAgent agentA = enrollAgent(storeA);
  const EnrolledAgent agentB = enrollAgent(storeB);
  const std::string customer = customerToken();
  const std::string orderId = createOrder(customer, storeA);
  ASSERT_EQ(
      upload(customer, orderId, seal(agentA, orderId, "for A"), std::string(envelope::kMediaType))
          .status,
      200);
  EXPECT_TRUE(pollNow(agentB).empty());
  EXPECT_EQ(pollNow(agentA).size(), 1u);
}

TEST_F(AgentApiTest, ExpiredLeaseReturnsTheJobToTheQueue) {
  const QueuedOrder q = queuedOrder();
  const json first = lease(q.agent);
  EXPECT_EQ(order(q)["state"], "dispatched");

  clock_.advance(settings_.leaseSeconds + 1);
  const json requeued = order(q);
  EXPECT_EQ(requeued["state"], "queued");
  EXPECT_EQ(historyStates(requeued),
            (std::vector<std::string>{"awaiting_upload", "queued", "dispatched", "queued"}));
  EXPECT_EQ(requeued["history"][3]["note"], "lease expired");

  // The old lease is dead: no events, no document.
  const auto stale =
      postEvent(q.agent, first["job_id"],
                {{"seq", 1}, {"lease_id", first["lease_id"]}, {"state", "printing"}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.errorCode(), "lease_expired");
  const auto document = request("GET",
                                "/api/v1/agent/jobs/" + first["job_id"].get<std::string>() +
                                    "/document?lease_id=" + first["lease_id"].get<std::string>(),
                                q.agent.credential);
  EXPECT_EQ(document.status, 409);

  // Offered again under a new lease.
  const json second = lease(q.agent);
  EXPECT_EQ(second["job_id"], first["job_id"]);
  EXPECT_NE(second["lease_id"], first["lease_id"]);
  EXPECT_EQ(order(q)["state"], "dispatched");
}

TEST_F(AgentApiTest, ExpiredLeaseIsOfferedToAPollThatRunsAfterIt) {
  const QueuedOrder q = queuedOrder();
  lease(q.agent);
  clock_.advance(settings_.leaseSeconds);
  EXPECT_EQ(pollNow(q.agent).size(), 1u); // expiry is inclusive of the expiry second
}

TEST_F(AgentApiTest, DocumentStreamsTheCiphertextTheAgentCanOpen) {
  std::string document = "%PDF-1.4\n";
  for (int i = 0; i < 5000; ++i) {
    document += "line " + std::to_string(i) + " of a longer document\n";
  }
  const QueuedOrder q = queuedOrder(document);
  const json offer = lease(q.agent);
  const std::string path = "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() +
                           "/document?lease_id=" + offer["lease_id"].get<std::string>();
  const auto reply = request("GET", path, q.agent.credential);
  ASSERT_EQ(reply.status, 200) << reply.status;
  EXPECT_EQ(reply.headers.find("Content-Type")->second, envelope::kMediaType);
  EXPECT_EQ(reply.body.size(), offer["envelope_size"].get<std::size_t>());
  EXPECT_EQ(open(q.agent, q.orderId, reply.body), document);
  // Without the lease id parameter the current lease holder may fetch it too.
  EXPECT_EQ(request("GET", "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() + "/document",
                    q.agent.credential)
                .status,
            200);
}

TEST_F(AgentApiTest, DocumentNeedsTheCurrentLeaseAndTheRightStore) {
  const QueuedOrder q = queuedOrder();
  const std::string jobPath = [&] {
    const json offer = lease(q.agent);
    return "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>();
  }();
  const auto wrongLease =
      request("GET", jobPath + "/document?lease_id=lease_other", q.agent.credential);
  EXPECT_EQ(wrongLease.status, 409);
  EXPECT_EQ(wrongLease.errorCode(), "lease_expired");

  const EnrolledAgent stranger = enrollAgent(createStore("Elsewhere"));
  const auto otherStore = request("GET", jobPath + "/document", stranger.credential);
  EXPECT_EQ(otherStore.status, 404);
  EXPECT_EQ(otherStore.errorCode(), "job_not_found");
  EXPECT_EQ(request("GET", "/api/v1/agent/jobs/job_nope/document", q.agent.credential).status, 404);
}

TEST_F(AgentApiTest, EventsDriveTheOrderToPrinted) {
  const QueuedOrder q = queuedOrder();
  const json offer = lease(q.agent);
  const std::string jobId = offer["job_id"];
  clock_.advance(30);
  const auto printing = reportPrinting(q.agent, offer, 42);
  ASSERT_EQ(printing.status, 200) << printing.describe();
  EXPECT_EQ(printing.asJson()["state"], "printing");
  // Events extend the lease.
  EXPECT_EQ(printing.asJson()["lease_expires_at"], clock_.now() + settings_.leaseSeconds);

  const auto printed = postEvent(
      q.agent, jobId, {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printed"}});
  ASSERT_EQ(printed.status, 200) << printed.describe();
  const json done = order(q);
  EXPECT_EQ(done["state"], "printed");
  EXPECT_EQ(done["spooler_job_id"], 42);
  EXPECT_EQ(done["printer"], "front-desk");
  EXPECT_EQ(historyStates(done), (std::vector<std::string>{"awaiting_upload", "queued",
                                                           "dispatched", "printing", "printed"}));
}

TEST_F(AgentApiTest, ReplayedEventGetsTheSameAnswerAndChangesNothing) {
  const QueuedOrder q = queuedOrder();
  const json offer = lease(q.agent);
  const json event{{"seq", 1},
                   {"lease_id", offer["lease_id"]},
                   {"state", "printing"},
                   {"spooler_job_id", 7},
                   {"printer", "p"}};
  const auto first = postEvent(q.agent, offer["job_id"], event);
  ASSERT_EQ(first.status, 200) << first.describe();
  const json before = order(q);
  clock_.advance(5);
  const auto replay = postEvent(q.agent, offer["job_id"], event);
  EXPECT_EQ(replay.status, 200) << replay.describe();
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(order(q), before);

  json changed = event;
  changed["state"] = "failed";
  const auto conflict = postEvent(q.agent, offer["job_id"], changed);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.errorCode(), "event_conflict");
  EXPECT_EQ(order(q), before);

  // A replay still answers after the job has finished and the lease is gone.
  ASSERT_EQ(postEvent(q.agent, offer["job_id"],
                      {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                .status,
            200);
  EXPECT_EQ(postEvent(q.agent, offer["job_id"], event).body, first.body);
}

TEST_F(AgentApiTest, BadEventsAreRefusedAndChangeNothing) {
  const QueuedOrder q = queuedOrder();
  const json offer = lease(q.agent);
  const std::string jobId = offer["job_id"];
  const json lease = offer["lease_id"];
  const json before = order(q);
  const auto expect = [&](const json& event, int status, const std::string& code) {
    const auto reply = postEvent(q.agent, jobId, event);
    EXPECT_EQ(reply.status, status) << event.dump() << " → " << reply.describe();
    EXPECT_EQ(reply.errorCode(), code) << event.dump();
  };
  expect({{"seq", 0}, {"lease_id", lease}, {"state", "printing"}}, 400, "invalid_request");
  expect({{"seq", -3}, {"lease_id", lease}, {"state", "printing"}}, 400, "invalid_request");
  expect({{"seq", "1"}, {"lease_id", lease}, {"state", "printing"}}, 400, "invalid_request");
  expect({{"seq", 1}, {"lease_id", lease}, {"state", "exploded"}}, 400, "invalid_request");
  expect({{"seq", 1}, {"lease_id", lease}}, 400, "invalid_request");
  expect({{"seq", 1}, {"lease_id", "lease_stale"}, {"state", "printing"}}, 409, "lease_expired");
  expect({{"seq", 1}, {"lease_id", lease}, {"state", "printing"}, {"spooler_job_id", "x"}}, 400,
         "invalid_request");
  EXPECT_EQ(order(q), before);

  ASSERT_EQ(
      postEvent(q.agent, jobId, {{"seq", 5}, {"lease_id", lease}, {"state", "printing"}}).status,
      200);
  // Older sequence numbers than the last are out of order; a second "printing" is illegal.
  expect({{"seq", 4}, {"lease_id", lease}, {"state", "printed"}}, 409, "event_out_of_order");
  expect({{"seq", 6}, {"lease_id", lease}, {"state", "printing"}}, 409, "illegal_transition");
  EXPECT_EQ(order(q)["state"], "printing");

  const auto malformed =
      request("POST", "/api/v1/agent/jobs/" + jobId + "/events", q.agent.credential, "{seq:");
  EXPECT_EQ(malformed.errorCode(), "malformed_json");
}

TEST_F(AgentApiTest, CountedWithinTheQuoteProceedsAndIsIdempotent) {
  // The fixture's orders declare one page; a count above it holds the order
  // (order_documents_test.cpp covers the hold).
  const QueuedOrder q = queuedOrder();
  const json offer = lease(q.agent);
  const std::string jobId = offer["job_id"];
  const json lease = offer["lease_id"];
  const json counted{{"seq", 1},
                     {"lease_id", lease},
                     {"state", "counted"},
                     {"pages", 1},
                     {"content_type", "application/pdf"},
                     {"printer", "front-desk"}};
  clock_.advance(10);
  const auto first = postEvent(q.agent, jobId, counted);
  ASSERT_EQ(first.status, 200) << first.describe();
  EXPECT_EQ(first.asJson()["proceed"], true);
  EXPECT_EQ(first.asJson()["order_state"], "dispatched");
  EXPECT_EQ(first.asJson()["lease_expires_at"], clock_.now() + settings_.leaseSeconds);
  const json after = order(q);
  EXPECT_EQ(after["state"], "dispatched");
  EXPECT_EQ(after["history"].back()["note"], "agent counted 1 page(s) of application/pdf");

  // A replay (the answer was lost) gets the same answer and adds nothing.
  clock_.advance(5);
  const auto replay = postEvent(q.agent, jobId, counted);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(order(q), after);

  // Without pages, under another lease or out of order: refused.
  json noPages = counted;
  noPages.erase("pages");
  noPages["seq"] = 2;
  EXPECT_EQ(postEvent(q.agent, jobId, noPages).errorCode(), "invalid_request");
  json stale = counted;
  stale["seq"] = 2;
  stale["lease_id"] = "lease_stale";
  EXPECT_EQ(postEvent(q.agent, jobId, stale).errorCode(), "lease_expired");
  json negative = counted;
  negative["seq"] = 2;
  negative["pages"] = -1;
  EXPECT_EQ(postEvent(q.agent, jobId, negative).errorCode(), "invalid_request");

  // Printing goes on from there with the next seq.
  ASSERT_EQ(
      postEvent(q.agent, jobId, {{"seq", 2}, {"lease_id", lease}, {"state", "printing"}}).status,
      200);
  EXPECT_EQ(order(q)["state"], "printing");
}

TEST_F(AgentApiTest, EventForAnotherStoresJobIs404) {
  const QueuedOrder q = queuedOrder();
  const json offer = lease(q.agent);
  const EnrolledAgent stranger = enrollAgent(createStore("Elsewhere"));
  const auto reply = postEvent(stranger, offer["job_id"],
                               {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printed"}});
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "job_not_found");
  EXPECT_EQ(order(q)["state"], "dispatched");
  EXPECT_EQ(postEvent(q.agent, "job_missing", {{"seq", 1}, {"lease_id", "l"}, {"state", "printed"}})
                .errorCode(),
            "job_not_found");
}

TEST_F(AgentApiTest, ReleasedJobGoesBackToTheQueueAndIsOfferedAgain) {
  const QueuedOrder q = queuedOrder();
  const json offer = lease(q.agent);
  const auto released = postEvent(
      q.agent, offer["job_id"],
      {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "released"}, {"message", "busy"}});
  ASSERT_EQ(released.status, 200) << released.describe();
  EXPECT_EQ(released.asJson()["state"], "queued");
  EXPECT_TRUE(released.asJson()["lease_expires_at"].is_null());
  EXPECT_EQ(order(q)["state"], "queued");
  const json again = lease(q.agent);
  EXPECT_EQ(again["job_id"], offer["job_id"]);
}

TEST_F(AgentApiTest, FailedIsFinal) {
  const QueuedOrder q = queuedOrder();
  const json offer = lease(q.agent);
  ASSERT_EQ(postEvent(q.agent, offer["job_id"],
                      {{"seq", 1},
                       {"lease_id", offer["lease_id"]},
                       {"state", "failed"},
                       {"message", "paper jam"}})
                .status,
            200);
  const json failed = order(q);
  EXPECT_EQ(failed["state"], "failed");
  EXPECT_EQ(failed["history"].back()["note"], "agent: failed: paper jam");
  clock_.advance(settings_.leaseSeconds * 2);
  EXPECT_TRUE(pollNow(q.agent).empty());
  EXPECT_EQ(order(q)["state"], "failed");
}

TEST_F(AgentApiTest, StoppingTheServerEndsWaitingPollsAtOnce) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  auto poll = std::async(std::launch::async, [&] {
    return requestOnNewClient("GET", "/api/v1/agent/jobs?wait=30", agent.credential);
  });
  ASSERT_TRUE(server_->hub().awaitWaiting(storeId, 1, std::chrono::seconds(20)));
  stopServer();
  const HttpReply reply = poll.get();
  EXPECT_EQ(reply.status, 503) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "shutting_down");
}

class ShortPollTest : public CloudFixture {
protected:
  void configure(CloudSettings& settings) override { settings.longPollMaxSeconds = 1; }
};

TEST_F(ShortPollTest, WaitIsCappedAtTheConfiguredMaximum) {
  const EnrolledAgent agent = enrollAgent(createStore());
  const auto reply = request("GET", "/api/v1/agent/jobs?wait=3600", agent.credential);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["jobs"], json::array());
}

} // namespace
} // namespace printrelay::cloud::testing
