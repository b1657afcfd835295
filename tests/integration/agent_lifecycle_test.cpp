// printrelay-agent run as a real process with its default configuration (log capture and the
// control socket on) against the real cloud and cupsd of shop_fixture.h: it reloads on SIGHUP,
// stops cleanly on SIGTERM, keeps its state directory to itself and its journal private.

#include "tests/integration/shop_fixture.h"

#include <sys/stat.h>

namespace printrelay::testing {
namespace {

class AgentLifecycleTest : public ShopFixture {
protected:
  /// Waits until the agent's log (its stderr) holds `text`.
  bool logShows(Process& agent, const std::string& text, std::chrono::seconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (agent.stderrText().find(text) != std::string::npos) {
        return true;
      }
      if (!agent.running()) {
        return agent.stderrText().find(text) != std::string::npos;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  static unsigned modeOf(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }
};

TEST_F(AgentLifecycleTest, SighupReloadsAndSigtermStopsCleanly) {
  ASSERT_TRUE(logShows(*agent_, "online: connected to the cloud")) << agent_->report();

  agent_->signal(SIGHUP);
  ASSERT_TRUE(logShows(*agent_, "configuration reloaded")) << agent_->report();
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(agent_->running()) << agent_->report();

  agent_->signal(SIGTERM);
  const auto status = agent_->waitForExit(30s);
  ASSERT_TRUE(status.has_value()) << "still running 30 s after SIGTERM\n" << agent_->report();
  EXPECT_EQ(status->signal, 0) << agent_->report();
  EXPECT_EQ(status->code, 0) << agent_->report();
  EXPECT_NE(agent_->stderrText().find("agent stopped"), std::string::npos) << agent_->report();
}

TEST_F(AgentLifecycleTest, OneAgentPerStateDirectoryAndAPrivateJournal) {
  ASSERT_TRUE(logShows(*agent_, "online: connected to the cloud")) << agent_->report();

  for (const char* name : {"journal.db", "journal.db-wal", "journal.db-shm"}) {
    EXPECT_EQ(modeOf(agentState_ / name), 0600u) << name;
  }

  const auto second = run(agentSpec({"run"}, "second-agent"), 30s);
  EXPECT_EQ(second.status.code, 9) << second.describe();
  EXPECT_NE(second.err.find("is using the state directory " + agentState_.string()),
            std::string::npos)
      << second.describe();
  EXPECT_TRUE(agent_->running()) << agent_->report();

  const auto enroll =
      run(agentSpec({"enroll", "--code", "ABCD-EFGH", "--force"}, "re-enroll"), 30s);
  EXPECT_EQ(enroll.status.code, 9) << "no enrollment under a running agent\n" << enroll.describe();

  const auto stopped = agent_->stop(30s);
  EXPECT_TRUE(stopped.success()) << agent_->report();
  agent_ = std::make_unique<Process>(agentSpec({"run"}, "printrelay-agent-again"));
  EXPECT_TRUE(logShows(*agent_, "online: connected to the cloud")) << agent_->report();
  EXPECT_TRUE(agent_->running()) << agent_->report();
}

} // namespace
} // namespace printrelay::testing
