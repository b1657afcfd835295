// printrelayctl as a technician reads it, against a running agent: the jobs table within 80
// columns, `logs --follow`, the re-enroll hint after a revocation, a malformed pickup code
// refused at the counter, and `diagnose` checking the spool of the cupsd that really runs.
#include "tests/integration/ctl_fixture.h"

#include <csignal>
#include <sstream>

namespace printrelay::testing {
namespace {

std::size_t columns(const std::string& line) {
  std::size_t n = 0;
  for (const char c : line) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

TEST_F(CtlTest, TheJobsTableFitsEightyColumnsAndWideShowsWholeIds) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const std::string orderId = printOne(uniqueMarker());
  const std::string jobId = jobIdForOrder(orderId);
  ASSERT_FALSE(jobId.empty());
  const auto table = ctl({"jobs"});
  ASSERT_EQ(table.exitCode, 0) << table.describe;
  std::istringstream lines(table.out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(columns(line), 80u) << line;
  }
  const std::string shortId = jobId.substr(0, jobId.find('_') + 9);
  EXPECT_NE(table.out.find(shortId + "  printed"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find(jobId), std::string::npos) << table.out;
  // The short id is enough for the commands that take a job.
  const auto job = ctlJson({"job", shortId});
  ASSERT_EQ(job.exitCode, 0) << job.describe;
  EXPECT_EQ(job.body["job"].value("job_id", ""), jobId);
  EXPECT_NE(ctl({"--wide", "jobs"}).out.find(jobId), std::string::npos);
}

TEST_F(CtlTest, LogsFollowPrintsNewLinesAsTheAgentLogsThem) {
  Process follower(
      ProcessSpec{.argv = {ctlBinary().string(), "--socket", socket_.string(), "--config",
                           agentConfig_.string(), "logs", "--lines", "1", "--follow"},
                  .env = {{"TMPDIR", agentTmp_.string()}},
                  .outputDir = dir_ / "logs",
                  .name = "printrelayctl-follow"});
  std::this_thread::sleep_for(1500ms); // the first answer is in
  ASSERT_EQ(ctl({"pause"}).exitCode, 0);
  const std::string paused = follower.waitForStdoutLine(std::regex("control: pause"), 30s);
  EXPECT_FALSE(paused.empty()) << follower.report();
  ASSERT_EQ(ctl({"resume"}).exitCode, 0);
  EXPECT_FALSE(follower.waitForStdoutLine(std::regex("control: resume"), 30s).empty())
      << follower.report();
  EXPECT_TRUE(follower.running()) << follower.report();
  follower.signal(SIGTERM);
  EXPECT_TRUE(follower.waitForExit(10s)) << follower.report();
}

TEST_F(CtlTest, AMalformedPickupCodeIsRefusedBeforeTheCloudIsAsked) {
  const auto refused = ctl({"release", "12345"});
  EXPECT_EQ(refused.exitCode, 15) << refused.describe;
  EXPECT_NE(refused.err.find("a pickup code is six digits"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("pickup_code"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("refused by the cloud"), std::string::npos) << refused.err;
}

TEST_F(CtlTest, AfterARevocationStatusSaysHowToEnrollAgain) {
  const std::string agentId = ctlJson({"status"}).body.value("agent_id", "");
  ASSERT_FALSE(agentId.empty());
  api("POST", "/api/v1/admin/agents/" + agentId + "/revoke", adminToken_, json::object());
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  CtlResult status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = ctl({"status"});
    if (status.out.find("REFUSED") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_NE(status.out.find("REFUSED (credential not accepted)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("PRINTRELAY_ENROLL_CODE=CODE printrelayctl enroll --force"),
            std::string::npos)
      << status.out;
}

TEST_F(CtlTest, DiagnoseChecksTheSpoolOfTheCupsdThatRuns) {
  const auto diagnose = ctlJson({"diagnose"});
  const json spool = check(diagnose.body, "spool_tmpfs");
  ASSERT_TRUE(spool.is_object()) << diagnose.out;
  EXPECT_NE(spool.value("detail", "").find(cupsd_->spoolDir().string()), std::string::npos)
      << diagnose.out;
  EXPECT_EQ(spool.value("detail", "").find("/var/spool/cups"), std::string::npos) << diagnose.out;
}

} // namespace
} // namespace printrelay::testing
