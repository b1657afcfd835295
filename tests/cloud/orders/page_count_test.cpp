// Page counts through the HTTP API: the client's declared count for sealed uploads, and the
// agent's count with the page-count hold and the shop's approval.
#include "tests/cloud/orders/order_documents_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// --- Client-sealed uploads need a declared count -------------------------------------------------

TEST_F(OrderDocumentsTest, SealedUploadsAreQuotedOnTheClientsDeclaredCount) {
  const std::string undeclared = newOrder({{"content_type", "application/pdf"}});
  const auto refused = upload(customer_, undeclared, seal(agent_, undeclared, pdfWithPages(2)),
                              std::string(envelope::kMediaType));
  EXPECT_EQ(refused.status, 422) << refused.describe();
  EXPECT_EQ(refused.errorCode(), "pages_required");
  expectNothingStored(undeclared);
  // The same order can still be uploaded in plaintext: the cloud counts it.
  const auto plain = upload(customer_, undeclared, pdfWithPages(2), "application/pdf");
  ASSERT_EQ(plain.status, 200) << plain.describe();
  EXPECT_EQ(plain.asJson()["pages"]["source"], "cloud");
  pollNow(agent_);

  const std::string declared = newOrder({{"content_type", "application/pdf"}, {"pages", 6}});
  EXPECT_EQ(order(declared)["pages"]["client"], 6);
  EXPECT_EQ(order(declared)["pages"]["quoted"], nullptr);
  const auto sealed = upload(customer_, declared, seal(agent_, declared, pdfWithPages(6)),
                             std::string(envelope::kMediaType));
  ASSERT_EQ(sealed.status, 200) << sealed.describe();
  EXPECT_EQ(sealed.asJson()["pages"], json({{"cloud", nullptr},
                                            {"client", 6},
                                            {"agent", nullptr},
                                            {"quoted", 6},
                                            {"source", "client"}}));
  const json offer = pollNow(agent_)[0];
  EXPECT_EQ(offer["order_id"], declared);
  EXPECT_EQ(offer["quoted_pages"], 6);
}

// --- The agent's count and the page-count hold ---------------------------------------------------

TEST_F(OrderDocumentsTest, ACountAtOrBelowTheQuoteProceeds) {
  for (const int agentPages : {3, 2}) {
    std::string orderId;
    const json offer = leasedPdfOrder(3, &orderId);
    clock_.advance(10);
    const auto reply = counted(offer, 1, agentPages);
    ASSERT_EQ(reply.status, 200) << reply.describe();
    const json answer = reply.asJson();
    EXPECT_EQ(answer["proceed"], true);
    EXPECT_EQ(answer["order_state"], "dispatched");
    EXPECT_EQ(answer["lease_expires_at"], clock_.now() + settings_.leaseSeconds);
    const json o = order(orderId);
    EXPECT_EQ(o["state"], "dispatched");
    EXPECT_EQ(o["pages"]["agent"], agentPages);
    EXPECT_EQ(o["pages"]["quoted"], 3);
    EXPECT_TRUE(o["hold_reason"].is_null());
    // Printing goes on under the same lease.
    EXPECT_EQ(postEvent(agent_, offer["job_id"],
                        {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                  .status,
              200);
    EXPECT_EQ(order(orderId)["state"], "printed");
  }
}

TEST_F(OrderDocumentsTest, ACountAboveTheQuoteHoldsTheOrderUntilTheShopApproves) {
  std::string orderId;
  const json offer = leasedPdfOrder(3, &orderId);
  const auto reply = counted(offer, 1, 5);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json answer = reply.asJson();
  EXPECT_EQ(answer["proceed"], false);
  EXPECT_EQ(answer["order_state"], "held");
  EXPECT_EQ(answer["lease_expires_at"], nullptr);
  EXPECT_NE(answer["message"].get<std::string>().find("5 pages"), std::string::npos);

  // The same event again gets the same answer and changes nothing; other content conflicts.
  const auto replay = counted(offer, 1, 5);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.asJson(), answer);
  EXPECT_EQ(counted(offer, 1, 4).errorCode(), "event_conflict");
  // The lease ended: no more events under it, and the job is not offered while held.
  const auto late = postEvent(agent_, offer["job_id"],
                              {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printing"}});
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.errorCode(), "lease_expired");
  EXPECT_TRUE(pollNow(agent_).empty());
  clock_.advance(settings_.leaseSeconds * 2);
  EXPECT_TRUE(pollNow(agent_).empty());

  json o = order(orderId);
  EXPECT_EQ(o["state"], "held");
  EXPECT_EQ(o["hold_reason"], "page_count");
  EXPECT_EQ(o["pages"]["agent"], 5);
  EXPECT_EQ(o["pages"]["quoted"], 3);
  EXPECT_NE(o["history"].back()["note"].get<std::string>().find("counted 5"), std::string::npos);

  // Approval: only the shop of this store (or an admin).
  const std::string approve = "/api/v1/shop/orders/" + orderId + "/approve-pages";
  const std::string otherShop = shopkeeperOf(createStore("Elsewhere"));
  const auto foreign = request("POST", approve, otherShop);
  EXPECT_EQ(foreign.status, 404) << foreign.describe();
  EXPECT_EQ(foreign.errorCode(), "order_not_found");
  EXPECT_EQ(request("POST", approve, customer_).status, 403);
  EXPECT_EQ(request("POST", approve, agent_.credential).status, 403);
  EXPECT_EQ(request("POST", "/api/v1/shop/orders/ord_nope/approve-pages", kAdminToken).errorCode(),
            "order_not_found");
  EXPECT_EQ(request("POST", "/api/v1/shop/orders/..%2f..%2fetc/approve-pages", kAdminToken).status,
            404);
  EXPECT_EQ(order(orderId)["state"], "held");

  const std::string shop = shopkeeperOf(storeId_);
  const auto approved = request("POST", approve, shop);
  ASSERT_EQ(approved.status, 200) << approved.describe();
  o = approved.asJson();
  EXPECT_EQ(o["state"], "queued");
  EXPECT_TRUE(o["hold_reason"].is_null());
  EXPECT_EQ(
      o["pages"],
      json({{"cloud", 3}, {"client", nullptr}, {"agent", 5}, {"quoted", 5}, {"source", "agent"}}));
  EXPECT_NE(o["history"].back()["note"].get<std::string>().find("approved 5"), std::string::npos);
  const auto again = request("POST", approve, shop);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(request("POST", approve, shop, json{{"pages", 1}}.dump()).errorCode(),
            "invalid_request"); // a count is never taken from the request
  EXPECT_EQ(again.errorCode(), "no_page_count_hold");

  // A fresh lease, quoted on the approved count; the same count now proceeds.
  const json second = pollNow(agent_)[0];
  EXPECT_EQ(second["order_id"], orderId);
  EXPECT_EQ(second["quoted_pages"], 5);
  EXPECT_NE(second["lease_id"], offer["lease_id"]);
  const auto recount = counted(second, 2, 5);
  ASSERT_EQ(recount.status, 200) << recount.describe();
  EXPECT_EQ(recount.asJson()["proceed"], true);
  ASSERT_EQ(postEvent(agent_, second["job_id"],
                      {{"seq", 3}, {"lease_id", second["lease_id"]}, {"state", "printed"}})
                .status,
            200);
  EXPECT_EQ(order(orderId)["state"], "printed");
}

TEST_F(OrderDocumentsTest, AnAdminMayApproveAndOnlyAPageCountHoldIsApproved) {
  std::string orderId;
  const json offer = leasedPdfOrder(1, &orderId);
  const std::string approve = "/api/v1/shop/orders/" + orderId + "/approve-pages";
  const auto dispatched = request("POST", approve, kAdminToken);
  EXPECT_EQ(dispatched.status, 409);
  EXPECT_EQ(dispatched.errorCode(), "no_page_count_hold");
  ASSERT_EQ(counted(offer, 1, 2).asJson()["proceed"], false);
  const auto approved = request("POST", approve, kAdminToken, "{}");
  ASSERT_EQ(approved.status, 200) << approved.describe();
  EXPECT_EQ(approved.asJson()["state"], "queued");
}

TEST_F(OrderDocumentsTest, AClientsDeclaredCountIsTheQuoteForASealedUpload) {
  const std::string orderId = newOrder({{"content_type", "application/pdf"}, {"pages", 2}});
  ASSERT_EQ(upload(customer_, orderId, seal(agent_, orderId, pdfWithPages(9)),
                   std::string(envelope::kMediaType))
                .status,
            200);
  const json offer = pollNow(agent_)[0];
  EXPECT_EQ(offer["quoted_pages"], 2);
  const auto reply = counted(offer, 1, 9);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["proceed"], false);
  EXPECT_EQ(order(orderId)["hold_reason"], "page_count");
}

TEST_F(OrderDocumentsTest, ATypeOtherThanDeclaredIsRecordedNotHeld) {
  std::string orderId;
  const json offer = leasedPdfOrder(1, &orderId);
  const auto reply = counted(offer, 1, 4, "image/png");
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["proceed"], true);
  EXPECT_NE(reply.asJson()["message"].get<std::string>().find("image/png"), std::string::npos);
  EXPECT_EQ(order(orderId)["state"], "dispatched");
  {
    auto tx = server_->store().begin();
    const auto pages = tx->findOrderPages(orderId);
    ASSERT_TRUE(pages);
    EXPECT_EQ(pages->agentPages, 4);
    EXPECT_EQ(pages->agentContentType, "image/png");
  }
  // The agent then reports the failure itself.
  EXPECT_EQ(postEvent(agent_, offer["job_id"],
                      {{"seq", 2},
                       {"lease_id", offer["lease_id"]},
                       {"state", "failed"},
                       {"message", "the document is image/png, not application/pdf"}})
                .status,
            200);
  EXPECT_EQ(order(orderId)["state"], "failed");
}

TEST_F(OrderDocumentsTest, CountedEventsAreChecked) {
  std::string orderId;
  const json offer = leasedPdfOrder(2, &orderId);
  const auto post = [&](const json& event) { return postEvent(agent_, offer["job_id"], event); };
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}}).errorCode(),
            "invalid_request"); // pages missing
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}, {"pages", 0}})
                .errorCode(),
            "invalid_request");
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}, {"pages", -3}})
                .errorCode(),
            "invalid_request");
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", "lease_forged"}, {"state", "counted"}, {"pages", 1}})
                .errorCode(),
            "lease_expired");
  // Another store's agent cannot count this job.
  const EnrolledAgent stranger = enrollAgent(createStore("Elsewhere"));
  EXPECT_EQ(
      postEvent(stranger, offer["job_id"],
                {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}, {"pages", 1}})
          .errorCode(),
      "job_not_found");
  EXPECT_EQ(order(orderId)["pages"]["agent"], nullptr);
  // After the job printed, a count is out of place.
  ASSERT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printing"}}).status, 200);
  ASSERT_EQ(counted(offer, 2, 2).status, 200); // counting while printing is still allowed
  ASSERT_EQ(post({{"seq", 3}, {"lease_id", offer["lease_id"]}, {"state", "printed"}}).status, 200);
  EXPECT_EQ(counted(offer, 4, 2).status, 409);
}

} // namespace
} // namespace printrelay::cloud::testing
