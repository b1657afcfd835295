// Conformance: the counts GET /metrics reports (orders by state, agents online, unsent mails).
#include "tests/cloud/storage/store_conformance.h"

#include <map>

namespace printrelay::cloud::testing {
namespace {

AgentRecord agent(const std::string& id, const std::string& credentialHash) {
  AgentRecord a;
  a.id = id;
  a.storeId = "st_1";
  a.name = "pc";
  a.version = "1";
  a.publicKey = "pk";
  a.keyId = "kid";
  a.credentialHash = credentialHash;
  a.createdAt = 5;
  return a;
}

TEST_P(StoreConformanceTest, EmptyStoreCountsNothing) {
  auto tx = store_->beginRead();
  const RecordCounts counts = tx->countRecords(0);
  EXPECT_TRUE(counts.ordersByState.empty());
  EXPECT_EQ(counts.agentsOnline, 0);
  EXPECT_EQ(counts.unsentMails, 0);
}

TEST_P(StoreConformanceTest, CountsOrdersByStateAgentsSeenSinceAndUnsentMails) {
  {
    auto tx = store_->begin();
    seedOrder(*tx, "ord_1", OrderState::Queued, 10);
    seedOrder(*tx, "ord_2", OrderState::Queued, 11);
    seedOrder(*tx, "ord_3", OrderState::Queued, 12);
    seedOrder(*tx, "ord_4", OrderState::Printed, 13);
    seedOrder(*tx, "ord_5", OrderState::AwaitingUpload, 14);
    tx->insertAgent(agent("ag_recent", "h1"));
    tx->insertAgent(agent("ag_old", "h2"));
    tx->insertAgent(agent("ag_never", "h3"));
    tx->insertAgent(agent("ag_revoked", "h4"));
    tx->touchAgent("ag_recent", 1000);
    tx->touchAgent("ag_old", 500);
    tx->touchAgent("ag_revoked", 1000);
    tx->revokeAgent("ag_revoked", 1001);
    MailRecord m;
    m.recipient = "a@example.com";
    m.subject = "s";
    m.body = "b";
    m.createdAt = m.nextAttemptAt = 1;
    tx->enqueueMail(m); // pending
    tx->enqueueMail(m); // pending
    auto sent = m;
    sent.id = tx->enqueueMail(m);
    sent.sentAt = 2;
    tx->updateMail(sent);
    auto failed = m;
    failed.id = tx->enqueueMail(m);
    failed.failedAt = 2;
    tx->updateMail(failed);
    tx->commit();
  }
  auto tx = store_->beginRead();
  const RecordCounts counts = tx->countRecords(900);
  const std::map<OrderState, std::int64_t> byState(counts.ordersByState.begin(),
                                                   counts.ordersByState.end());
  EXPECT_EQ(byState, (std::map<OrderState, std::int64_t>{{OrderState::Queued, 3},
                                                         {OrderState::Printed, 1},
                                                         {OrderState::AwaitingUpload, 1}}));
  EXPECT_EQ(counts.agentsOnline, 1); // seen since 900 and not revoked
  EXPECT_EQ(tx->countRecords(0).agentsOnline, 2);
  EXPECT_EQ(counts.unsentMails, 2);
}

} // namespace
} // namespace printrelay::cloud::testing
