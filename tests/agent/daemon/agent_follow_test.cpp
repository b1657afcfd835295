// Fast at the shop: a job's outcome is reported soon after the spooler has it, not after the
// long-poll in flight ends, and a shop is back soon after its network returns.

#include "tests/agent/daemon/agent_daemon_fixture.h"

namespace printrelay::agent {
namespace {

using namespace testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(AgentDaemonTest, PrintedIsReportedWithinASecondWhileTheLongPollWaits) {
  pollWaitSeconds_ = 30;
  timing_.followInterval = seconds(30); // the loop itself would look again only after 30 s
  cloud_.setMaxPollHold(seconds(20));
  startAgent([](FakePrintBackend& b) { b.setAutoComplete(false); });
  const Bytes sealed = seal(key_, "order-j1", textBytes(2000));
  cloud_.addOffer(makeOffer("j1", key_, sealed), sealed);
  ASSERT_TRUE(
      cloud_.waitForEvents([](const auto& events) { return events.size() >= 2; }, seconds(10)));
  ASSERT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "printing"}));
  std::this_thread::sleep_for(milliseconds(300)); // the agent is in its next long-poll

  const auto printerTookTheLastByte = std::chrono::steady_clock::now();
  backend_->setStatus(backend_->jobs().at(0).id, SpoolerJobState::Completed);
  ASSERT_TRUE(
      cloud_.waitForEvents([](const auto& events) { return events.size() >= 3; }, seconds(10)));
  const auto reported = std::chrono::steady_clock::now() - printerTookTheLastByte;
  EXPECT_EQ(cloud_.statesFor("j1").back(), "printed");
  // The follower looks every 250 ms; the bound leaves room for a loaded test machine.
  EXPECT_LT(reported, milliseconds(1500));
}

TEST_F(AgentDaemonTest, TheShopIsBackSoonAfterTheCloudAnswersAgain) {
  // A long retry delay, as after a long outage; the probe ends it once the cloud answers.
  adjust_ = [](Settings& s) {
    s.backoffInitial = milliseconds(30'000);
    s.backoffMax = milliseconds(30'000);
    s.offlineProbe = milliseconds(500);
  };
  cloud_.setPollStatus(503);
  startAgent();
  ASSERT_TRUE(eventually([&] { return cloud_.polls() >= 1; }, seconds(10)));
  std::this_thread::sleep_for(milliseconds(100));
  const int failed = cloud_.polls();
  cloud_.setPollStatus(200);
  const auto back = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return cloud_.polls() > failed; }, seconds(40)));
  EXPECT_LT(std::chrono::steady_clock::now() - back, seconds(3))
      << "the agent waited out its retry delay instead of noticing the cloud is back";
}

} // namespace
} // namespace printrelay::agent
