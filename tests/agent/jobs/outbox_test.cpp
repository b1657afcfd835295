// Status events wait in the journal's outbox while the cloud is away and go out, in order and
// once, when it is back.

#include "agent/cloud/cloud_client.h"
#include "agent/daemon/status_reporter.h"
#include "agent/jobs/journal.h"
#include "tests/agent/agent_test_support.h"
#include "tests/fakes/agent_fake_cloud.h"

#include <gtest/gtest.h>

namespace printrelay::agent {
namespace {

using namespace testing;

class OutboxTest : public ::testing::Test {
protected:
  void SetUp() override {
    journal_ = std::make_unique<Journal>((dir_.path() / "journal.db").string());
    for (const char* id : {"a", "b"}) {
      protocol::JobOffer offer;
      offer.jobId = id;
      offer.orderId = std::string("order-") + id;
      offer.leaseId = std::string("lease-") + id;
      journal_->recordLease(offer);
      journal_->advance(id, JobState::Submitting, StepDetails::submitted(1, "Front"));
    }
  }

  void enqueue(const std::string& jobId, const std::string& state) {
    protocol::JobEvent e;
    e.state = state;
    journal_->enqueue(jobId, e);
  }

  std::vector<std::string> received() {
    std::vector<std::string> out;
    for (const auto& e : cloud_.events()) {
      out.push_back(e.jobId + ":" + std::to_string(e.body["seq"].get<int>()) + ":" +
                    e.body["state"].get<std::string>());
    }
    return out;
  }

  /// Starts the fake cloud and returns a reporter that flushes to it.
  StatusReporter& reporterToCloud() {
    cloud_.start();
    client_ =
        std::make_unique<CloudClient>(testing::endpointFor(cloud_.url()), "device-credential");
    reporter_ = std::make_unique<StatusReporter>(*journal_, *client_);
    return *reporter_;
  }

  TempDir dir_;
  FakeCloud cloud_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<CloudClient> client_; // after cloud_: its connections close first
  std::unique_ptr<StatusReporter> reporter_;
};

TEST_F(OutboxTest, EventsWaitWhileOfflineAndFlushInOrderWhenTheCloudIsBack) {
  cloud_.start();
  const int port = cloud_.port();
  cloud_.stop(); // the cloud goes away

  FakeCloud back; // declared before the client, so the client's connections close first
  CloudClient client(testing::endpointFor("http://127.0.0.1:" + std::to_string(port)),
                     "device-credential");
  StatusReporter reporter(*journal_, client);
  enqueue("a", "printing");
  enqueue("b", "printing");
  enqueue("a", "printed");
  EXPECT_EQ(reporter.flush(), FlushResult::Offline);
  EXPECT_EQ(reporter.flush(), FlushResult::Offline);
  EXPECT_EQ(journal_->pendingCount(), 3u);
  EXPECT_EQ(journal_->pendingEvents()[0].attempts, 2);

  back.start(port); // the cloud comes back on the same address
  StatusReporter again(*journal_, client);
  EXPECT_EQ(again.flush(), FlushResult::Done);
  EXPECT_EQ(journal_->pendingCount(), 0u);
  std::vector<std::string> got;
  for (const auto& e : back.events()) {
    got.push_back(e.jobId + ":" + std::to_string(e.body["seq"].get<int>()) + ":" +
                  e.body["state"].get<std::string>());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"a:1:printing", "b:1:printing", "a:2:printed"}));
  EXPECT_EQ(back.events()[0].body["lease_id"], "lease-a");

  // A second flush sends nothing again.
  EXPECT_EQ(again.flush(), FlushResult::Done);
  EXPECT_EQ(back.events().size(), 3u);
}

TEST_F(OutboxTest, AServerErrorKeepsTheEventForLater) {
  StatusReporter& reporter = reporterToCloud();
  enqueue("a", "printing");
  cloud_.setEventStatus(503, "unavailable");
  EXPECT_EQ(reporter.flush(), FlushResult::Offline);
  EXPECT_EQ(journal_->pendingCount(), 1u);
  cloud_.setEventStatus(200);
  EXPECT_EQ(reporter.flush(), FlushResult::Done);
  EXPECT_EQ(received(), (std::vector<std::string>{"a:1:printing"}));
}

TEST_F(OutboxTest, ConflictsAreRecordedAndDroppedNotRetriedForever) {
  StatusReporter& reporter = reporterToCloud();
  enqueue("a", "printing");
  cloud_.setEventStatus(409, "lease_expired");
  EXPECT_EQ(reporter.flush(), FlushResult::Done);
  EXPECT_EQ(journal_->pendingCount(), 0u);
  const auto closed = journal_->eventsFor("a");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_TRUE(closed[0].sentAt.has_value());
  EXPECT_NE(closed[0].result.find("409"), std::string::npos) << closed[0].result;
  EXPECT_NE(closed[0].result.find("lease_expired"), std::string::npos) << closed[0].result;

  cloud_.setEventStatus(404, "job_not_found");
  enqueue("b", "printing");
  enqueue("a", "printed");
  EXPECT_EQ(reporter.flush(), FlushResult::Done);
  EXPECT_EQ(journal_->pendingCount(), 0u);
  EXPECT_EQ(reporter.closed(), 3u);
}

TEST_F(OutboxTest, ARefusedCredentialStopsTheFlushAndKeepsEverything) {
  StatusReporter& reporter = reporterToCloud();
  cloud_.setCredential("a-new-credential");
  enqueue("a", "printing");
  enqueue("b", "printing");
  EXPECT_EQ(reporter.flush(), FlushResult::Unauthorized);
  EXPECT_EQ(journal_->pendingCount(), 2u);
  EXPECT_TRUE(cloud_.events().empty());
}

} // namespace
} // namespace printrelay::agent
