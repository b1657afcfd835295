// An urgent stop cuts a long-poll at once. POSIX-only (listed in windows-build.cmake): it
// relies on closing a socket from another thread ending a blocking recv, which wine does not do.

#include "tests/agent/daemon/agent_daemon_fixture.h"

namespace printrelay::agent {
namespace {

using testing::AgentDaemonTest;
using testing::eventually;

TEST_F(AgentDaemonTest, AnUrgentStopCutsTheLongPoll) {
  pollWaitSeconds_ = 30;
  cloud_.setMaxPollHold(std::chrono::seconds(6));
  startAgent();
  ASSERT_TRUE(eventually([this] { return cloud_.polls() >= 1; }));
  agent_->requestStop();
  agent_->requestStop(StopMode::Now);
  const auto stopAsked = std::chrono::steady_clock::now();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopAsked, std::chrono::seconds(3));
  EXPECT_EQ(exitCode_, 0);
}

} // namespace
} // namespace printrelay::agent
