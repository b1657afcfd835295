// The daemon loop against the fake cloud and the fake spooler, run in a thread.

#include "tests/agent/daemon/agent_daemon_fixture.h"

namespace printrelay::agent {
namespace {

using namespace testing;
using std::chrono::milliseconds;

TEST_F(AgentDaemonTest, AnOfferedJobIsPrintedAndReported) {
  startAgent();
  const Bytes document = textBytes(50'000);
  const Bytes sealed = seal(key_, "order-j1", document);
  cloud_.addOffer(makeOffer("j1", key_, sealed), sealed);

  ASSERT_TRUE(cloud_.waitForEvents([](const auto& events) { return events.size() >= 3; },
                                   std::chrono::seconds(10)));
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "printing", "printed"}));
  ASSERT_EQ(backend_->jobs().size(), 1u);
  EXPECT_EQ(backend_->jobs()[0].data, document);

  const auto stopAsked = std::chrono::steady_clock::now();
  stopAgent();
  EXPECT_LT(std::chrono::steady_clock::now() - stopAsked, std::chrono::seconds(3));
  EXPECT_EQ(exitCode_, 0);
}

TEST_F(AgentDaemonTest, AStopLetsTheLongPollEndAndGivesBackWhatItBrings) {
  pollWaitSeconds_ = 5;
  cloud_.setMaxPollHold(std::chrono::seconds(5));
  startAgent();
  ASSERT_TRUE(eventually([this] { return cloud_.polls() >= 1; }));
  std::this_thread::sleep_for(milliseconds(100)); // the poll is held by the cloud now
  agent_->requestStop();
  std::this_thread::sleep_for(milliseconds(300));
  // The cloud hands a job to the poll after the stop: it must come back at once, not wait out
  // its lease behind a cut connection.
  const Bytes sealed = seal(key_, "order-late", textBytes(100));
  cloud_.addOffer(makeOffer("late", key_, sealed), sealed);
  thread_.join();
  EXPECT_EQ(exitCode_, 0);
  EXPECT_EQ(cloud_.polls(), 1) << "no poll starts after the stop";
  EXPECT_EQ(cloud_.statesFor("late"), (std::vector<std::string>{"released"}));
  EXPECT_EQ(backend_->createCount(), 0);
}

TEST_F(AgentDaemonTest, ARefusedCredentialDoesNotMakeTheAgentSpin) {
  cloud_.setCredential("someone-else");
  startAgent();
  std::this_thread::sleep_for(milliseconds(1500));
  const int polls = cloud_.polls();
  EXPECT_GE(polls, 1);
  EXPECT_LE(polls, 10) << "backs off at the maximum (300 ms here) while refused";
  stopAgent();
  EXPECT_EQ(exitCode_, 0);
}

TEST_F(AgentDaemonTest, ACloudOutageIsRiddenOutWithBackoff) {
  cloud_.setPollStatus(503);
  startAgent();
  std::this_thread::sleep_for(milliseconds(1000));
  const int failedPolls = cloud_.polls();
  EXPECT_GE(failedPolls, 2);
  EXPECT_LE(failedPolls, 60);
  cloud_.setPollStatus(200);
  const Bytes sealed = seal(key_, "order-j2", textBytes(1000));
  cloud_.addOffer(makeOffer("j2", key_, sealed), sealed);
  EXPECT_TRUE(cloud_.waitForEvents([](const auto& events) { return events.size() >= 3; },
                                   std::chrono::seconds(10)));
  EXPECT_EQ(cloud_.statesFor("j2"), (std::vector<std::string>{"counted", "printing", "printed"}));
}

TEST_F(AgentDaemonTest, PrintersAreReportedAtStartOnChangeAndAfterReconnecting) {
  startAgent();
  ASSERT_TRUE(eventually([this] { return !cloud_.printerReports().empty(); }));
  const auto first = cloud_.printerReports().front();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["name"], "Front");
  EXPECT_EQ(first[0]["agent_printer"], true);
  EXPECT_EQ(first[0]["abilities"]["sides_supported"].size(), 3u);
  EXPECT_EQ(first[0]["abilities"]["copies_max"], 99);

  // A printer added at the shop is reported at the next check (100 ms here).
  PrinterInfo back;
  back.name = "Back";
  back.state = "idle";
  backend_->setPrinters({backend_->listPrinters().at(0), back});
  ASSERT_TRUE(eventually([this] { return cloud_.printerReports().back().size() == 2; }));
  const std::size_t before = cloud_.printerReports().size();

  // Offline, then back: the report is sent again though nothing changed.
  cloud_.setPollStatus(503);
  ASSERT_TRUE(eventually([this] { return agent_->state().snapshot().link == CloudLink::Offline; }));
  cloud_.setPollStatus(200);
  ASSERT_TRUE(eventually([&] { return cloud_.printerReports().size() > before; }));
  EXPECT_EQ(cloud_.printerReports().back().size(), 2u);
}

TEST_F(AgentDaemonTest, WorkLeftByACrashIsRecoveredAtStartWithoutReprinting) {
  {
    ensurePrivateDirectory(settings().stateDir);
    Journal journal(StatePaths(settings().stateDir).journal().string());
    protocol::JobOffer offer;
    offer.jobId = "old";
    offer.orderId = "order-old";
    offer.leaseId = "lease-old";
    journal.recordLease(offer);
    journal.advance("old", JobState::Submitting, StepDetails::submitted(555, "Front"));
  }
  // The spooler finished it while the agent was down.
  startAgent([](FakePrintBackend& b) {
    FakePrintBackend::Job job;
    job.id = 555;
    job.printer = "Front";
    job.status.state = SpoolerJobState::Completed;
    b.addJob(job, "old");
  });
  ASSERT_TRUE(cloud_.waitForEvents([](const auto& events) { return !events.empty(); },
                                   std::chrono::seconds(10)));
  stopAgent();
  EXPECT_EQ(backend_->createCount(), 0);
  const auto reported = cloud_.statesFor("old");
  ASSERT_FALSE(reported.empty());
  EXPECT_EQ(reported.back(), "printed");
}

} // namespace
} // namespace printrelay::agent
