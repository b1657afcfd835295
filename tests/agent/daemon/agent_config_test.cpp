#include "agent/daemon/agent_config.h"
#include "agent/daemon/cli.h"
#include "common/util/error.h"
#include "tests/agent/agent_test_support.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace printrelay::agent {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

std::string writeConfig(const TempDir& dir, const std::string& text) {
  const auto path = dir.path() / "agent.conf";
  std::ofstream(path) << text;
  return path.string();
}

TEST(AgentConfigTest, DefaultsMatchTheDocumentedTable) {
  Config config(configTable(), std::string(kEnvPrefix));
  const Settings s = settingsFrom(config);
  EXPECT_EQ(s.stateDir, "/var/lib/printrelay-agent");
  EXPECT_EQ(s.pollWaitSeconds, 30);
  EXPECT_EQ(s.backoffInitial.count(), 500);
  // Capped at 5 s: a shop whose network returns polls again within about 10 s at most.
  EXPECT_EQ(s.backoffMax.count(), 5000);
  EXPECT_EQ(s.offlineProbe.count(), 1000);
  EXPECT_EQ(s.logLevel, "info");
  EXPECT_TRUE(s.printer.empty());
  EXPECT_TRUE(s.cupsServer.empty());
  EXPECT_TRUE(s.cloudUrl.empty());
}

TEST(AgentConfigTest, FileValuesAreReadAndEnvironmentOverridesThem) {
  TempDir dir;
  const auto path = writeConfig(dir, "# shop PC\n"
                                     "cloud_url = https://cloud.example\n"
                                     "printer = Front\n"
                                     "poll_wait_seconds = 20\n"
                                     "cups_server = /run/cups/cups.sock\n");
  ScopedEnv printer("PRINTRELAY_AGENT_PRINTER", "Back");
  ScopedEnv wait("PRINTRELAY_AGENT_BACKOFF_MAX_MS", "9000");
  const Settings s = settingsFrom(loadConfig(path));
  EXPECT_EQ(s.cloudUrl, "https://cloud.example");
  EXPECT_EQ(s.printer, "Back");
  EXPECT_EQ(s.pollWaitSeconds, 20);
  EXPECT_EQ(s.backoffMax.count(), 9000);
  EXPECT_EQ(s.cupsServer, "/run/cups/cups.sock");
}

TEST(AgentConfigTest, RangesAreChecked) {
  auto settingsWith = [](const std::string& key, const std::string& value) {
    Config config(configTable(), std::string(kEnvPrefix));
    config.set(key, value);
    return settingsFrom(config);
  };
  EXPECT_THROW(settingsWith("poll_wait_seconds", "0"), Error);
  EXPECT_THROW(settingsWith("poll_wait_seconds", "301"), Error);
  EXPECT_THROW(settingsWith("backoff_max_ms", "100"), Error); // below backoff_initial_ms
  EXPECT_THROW(settingsWith("log_level", "chatty"), Error);
  EXPECT_THROW(settingsWith("state_dir", ""), Error);
  EXPECT_NO_THROW(settingsWith("log_level", "debug"));
}

TEST(AgentConfigTest, UnknownKeysAndBadIntegersNameTheLine) {
  TempDir dir;
  try {
    loadConfig(writeConfig(dir, "cloud_url = https://x.example\nprinterr = Front\n"));
    FAIL() << "expected config_invalid";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "config_invalid");
    EXPECT_NE(std::string(e.what()).find(":2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(loadConfig(writeConfig(dir, "poll_wait_seconds = soon\n")), Error);
}

TEST(AgentConfigTest, AnExplicitConfigFileMustExist) {
  EXPECT_THROW(loadConfig(std::string("/nonexistent/agent.conf")), Error);
}

TEST(AgentCliTest, PrintConfigShowsTheEffectiveValues) {
  TempDir dir;
  const auto path = writeConfig(dir, "cloud_url = https://cloud.example\nprinter = Front\n");
  ScopedEnv wait("PRINTRELAY_AGENT_POLL_WAIT_SECONDS", "12");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(runCli({"--config", path, "--print-config"}, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("cloud_url = https://cloud.example"), std::string::npos);
  EXPECT_NE(out.str().find("printer = Front"), std::string::npos);
  EXPECT_NE(out.str().find("poll_wait_seconds = 12"), std::string::npos);
  EXPECT_NE(out.str().find("ca_file = (unset)"), std::string::npos);
}

TEST(AgentCliTest, ExitCodesMeanSomething) {
  TempDir dir;
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(runCli({"--config", "/nonexistent.conf", "--print-config"}, out, err), kExitConfig);
  EXPECT_EQ(runCli({"frobnicate"}, out, err), kExitUsage);
  EXPECT_EQ(runCli({}, out, err), kExitUsage);
  EXPECT_EQ(runCli({"--help"}, out, err), kExitOk);
  const auto path = writeConfig(dir, "cloud_url = https://cloud.example\nstate_dir = " +
                                         (dir.path() / "state").string() + "\n");
  EXPECT_EQ(runCli({"--config", path, "enroll"}, out, err), kExitUsage); // no --code
  EXPECT_EQ(runCli({"--config", path, "run"}, out, err), kExitNotEnrolled);
  const auto noUrl = writeConfig(dir, "state_dir = " + (dir.path() / "state").string() + "\n");
  EXPECT_EQ(runCli({"--config", noUrl, "run"}, out, err), kExitConfig);
  EXPECT_NE(err.str().find("cloud_url"), std::string::npos);
}

TEST(AgentCliTest, PlainHttpIsRefusedExceptToLoopback) {
  TempDir dir;
  std::ostringstream out;
  std::ostringstream err;
  const auto path =
      writeConfig(dir, "cloud_url = http://cloud.example\nstate_dir = " + dir.str() + "\n");
  EXPECT_EQ(runCli({"--config", path, "enroll", "--code", "ABC"}, out, err), kExitConfig);
}

} // namespace
} // namespace printrelay::agent
