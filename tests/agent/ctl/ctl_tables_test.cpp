// printrelayctl for the technician: tables within 80 columns (and --wide), a pickup code
// checked before the cloud is asked, the re-enroll hint after a revocation, and the spool of
// the cupsd that really runs (its command line and cups-files.conf).
#include "agent/control/cupsd_files.h"
#include "agent/ctl/ctl_cli.h"
#include "agent/ctl/ctl_render.h"
#include "tests/agent/agent_test_support.h"
#include "tests/agent/ctl/ctl_run.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>

namespace printrelay {
namespace {

using nlohmann::json;

using printrelay::testing::ctl;

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

std::size_t columns(const std::string& line) {
  std::size_t n = 0;
  for (const char c : line) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

json someJobs(std::int64_t now) {
  json jobs = json::array();
  for (int i = 0; i < 3; ++i) {
    jobs.push_back({{"job_id", "job_" + std::string(31, 'a') + std::to_string(i)},
                    {"state", i == 0 ? "failed" : "printed"},
                    {"printer", "Office_Laser_Printer_Second_Floor"},
                    {"spooler_job_id", 1200 + i},
                    {"document_name", "Quarterly report for the board (final, v3).pdf"},
                    {"updated_at", now - 90 * (i + 1)},
                    {"last_error", i == 0 ? "the printer reported media-jam for longer than the "
                                            "stall timeout and the job was stopped"
                                          : ""}});
  }
  return {{"jobs", jobs}};
}

TEST(CtlTables, JobsFitEightyColumnsWithShortIds) {
  const std::int64_t now = 1'800'000'000;
  const std::string table = ctl::renderJobs(someJobs(now), now);
  const auto lines = linesOf(table);
  ASSERT_EQ(lines.size(), 5u) << table;
  for (const auto& line : lines) {
    EXPECT_LE(columns(line), ctl::kTableWidth) << line;
  }
  EXPECT_TRUE(lines[0].starts_with("JOB           STATE    PRINTER")) << table;
  EXPECT_TRUE(lines[1].starts_with("job_aaaaaaaa  failed   Office_Laser_…")) << table;
  EXPECT_NE(lines[1].find("1 min ago"), std::string::npos) << table;
  // A note gets a line of its own below its job.
  EXPECT_TRUE(lines[2].starts_with("  └ the printer reported media-jam")) << table;
  EXPECT_TRUE(lines[3].starts_with("job_aaaaaaaa  printed")) << table;

  const std::string wide = ctl::renderJobs(someJobs(now), now, true);
  EXPECT_NE(wide.find("job_" + std::string(31, 'a') + "0"), std::string::npos) << wide;
  EXPECT_NE(wide.find("stall timeout and the job was stopped"), std::string::npos) << wide;
}

TEST(CtlTables, ShortIdsAndAges) {
  EXPECT_EQ(ctl::shortId("job_0123456789abcdef"), "job_01234567");
  EXPECT_EQ(ctl::shortId("abc"), "abc");
  EXPECT_EQ(ctl::fitted("Grüße aus Köln", 8), "Grüße a…");
  EXPECT_EQ(ctl::renderAge(json(0), 100), "never");
  EXPECT_EQ(ctl::renderAge(json(40), 100), "1 min ago");
}

TEST(CtlRelease, AMalformedCodeIsRefusedHereWithItsOwnExitStatus) {
  // The socket does not exist: a code that reached the agent would exit 9.
  const auto r = ctl({"--socket", "/nonexistent/printrelay.sock", "release", "12345"});
  EXPECT_EQ(r.code, ctl::kExitBadPickupCode) << r.err;
  EXPECT_NE(r.err.find("'12345' is not a pickup code: a pickup code is six digits"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Nothing was sent to the cloud"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("pickup_code\""), std::string::npos) << r.err;
  EXPECT_EQ(ctl({"--socket", "/nonexistent/printrelay.sock", "release", "12a456"}).code,
            ctl::kExitBadPickupCode);
  const auto scripted = ctl({"--json", "--socket", "/nonexistent/x.sock", "release", "1234567"});
  EXPECT_EQ(scripted.code, ctl::kExitBadPickupCode);
  EXPECT_NE(scripted.out.find("\"exit_code\": 15"), std::string::npos) << scripted.out;
  // Spaced or dashed as people read it out, a code is sent (and here finds no agent).
  EXPECT_EQ(ctl({"--socket", "/nonexistent/printrelay.sock", "release", "482 913"}).code,
            ctl::kExitAgentUnreachable);
  EXPECT_EQ(ctl({"--socket", "/nonexistent/printrelay.sock", "release", "482-913"}).code,
            ctl::kExitAgentUnreachable);
}

TEST(CtlResolve, NeedsAnOrderAndExactlyOneAnswer) {
  const std::string sock = "/nonexistent/printrelay.sock";
  EXPECT_EQ(ctl({"--socket", sock, "resolve", "ord_1"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"--socket", sock, "resolve", "--printed"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"--socket", sock, "resolve", "ord_1", "--printed", "--not-printed"}).code,
            ctl::kExitUsage);
  EXPECT_EQ(ctl({"--socket", sock, "resolve", "ord_1", "ord_2", "--printed"}).code,
            ctl::kExitUsage);
  EXPECT_EQ(ctl({"--socket", sock, "resolve", "ord_1", "--maybe"}).code, ctl::kExitUsage);
  // Well formed, it is sent (and here finds no agent).
  EXPECT_EQ(ctl({"--socket", sock, "resolve", "ord_1", "--printed"}).code,
            ctl::kExitAgentUnreachable);
  EXPECT_EQ(ctl({"--socket", sock, "resolve", "--not-printed", "ord_1"}).code,
            ctl::kExitAgentUnreachable);
}

TEST(CtlResolve, AnOutcomeUnknownJobShowsItsEvidenceAndWhatToDo) {
  const std::int64_t now = 1'800'000'000;
  const json jobs = {{"jobs",
                      {{{"job_id", "job_0123456789abcdef"},
                        {"order_id", "ord_77"},
                        {"state", "outcome_unknown"},
                        {"printer", "Front"},
                        {"spooler_job_id", 577},
                        {"document_name", "thesis.pdf"},
                        {"updated_at", now - 30},
                        {"last_error", "spooler_job_unknown"},
                        {"evidence",
                         {{"last_spooler_state", "processing"},
                          {"last_seen_at", now - 120},
                          {"bytes_sent", 4096}}}}}}};
  const std::string wide = ctl::renderJobs(jobs, now, true);
  EXPECT_NE(wide.find("CUPS last said processing 2 min ago, 4096 bytes sent"), std::string::npos)
      << wide;
  EXPECT_NE(wide.find("printrelayctl resolve ord_77 --printed|--not-printed"), std::string::npos)
      << wide;
  const std::string narrow = ctl::renderJobs(jobs, now);
  EXPECT_NE(narrow.find("may have printed"), std::string::npos) << narrow;
  for (const auto& line : linesOf(narrow)) {
    EXPECT_LE(columns(line), 80u) << line;
  }
  EXPECT_NE(ctl::renderAction("resolve", {{"order_id", "ord_77"}, {"printed", false}})
                .find("Order ord_77 resolved as not printed"),
            std::string::npos);
}

TEST(CtlStatus, ARefusedCredentialSaysHowToEnrollAgain) {
  const std::int64_t now = 1'800'000'000;
  const json status = {{"version", "0.1.0"},
                       {"store_id", "st_1"},
                       {"started_at", now - 3600},
                       {"cloud",
                        {{"state", "refused"},
                         {"since", now - 600},
                         {"last_error", "credential_revoked: the agent was revoked"}}},
                       {"queue", {{"in_flight", 0}, {"outbox", 0}}}};
  const std::string text = ctl::renderStatus(status, now);
  EXPECT_NE(text.find("REFUSED (credential not accepted)"), std::string::npos) << text;
  EXPECT_NE(text.find("PRINTRELAY_ENROLL_CODE=CODE printrelayctl enroll --force"),
            std::string::npos)
      << text;
}

class RunningCupsdTest : public ::testing::Test {
protected:
  agent::testing::TempDir dir_;

  std::filesystem::path write(const std::string& relative, const std::string& text) {
    const auto file = dir_.path() / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

  /// A fake /proc entry for a process with this command line.
  void process(const std::string& pid, const std::vector<std::string>& argv) {
    std::string cmdline;
    for (const auto& arg : argv) {
      cmdline += arg + std::string(1, '\0');
    }
    write("proc/" + pid + "/cmdline", cmdline);
  }
};

TEST_F(RunningCupsdTest, TheSpoolIsTheRequestRootOfTheCupsdServingTheAgent) {
  const auto etc = dir_.path() / "private" / "etc";
  write("private/etc/cupsd.conf", "LogLevel warn\nListen /run/private-cups/cups.sock\n");
  write("private/etc/files.conf", "RequestRoot /srv/cups-spool\n");
  process("17", {"/usr/bin/bash", "-c", "sleep 1"});
  process("42", {"cupsd", "-f", "-c", (etc / "cupsd.conf").string(), "-s",
                 (etc / "files.conf").string()});
  const auto found = agent::findRunningCupsd("/run/private-cups/cups.sock", dir_.path() / "proc");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->pid, 42);
  EXPECT_EQ(found->requestRoot, "/srv/cups-spool");
  // Another server is another cupsd: none of these.
  EXPECT_FALSE(agent::findRunningCupsd("/run/other.sock", dir_.path() / "proc"));
  EXPECT_FALSE(agent::findRunningCupsd("/run/x.sock", dir_.path() / "missing"));
}

TEST_F(RunningCupsdTest, TheMountTableSaysWhetherTheSpoolIsInMemory) {
  const auto mounts = write("mounts", "/dev/sda1 / ext4 rw 0 0\n"
                                      "tmpfs /srv/cups-spool tmpfs rw 0 0\n"
                                      "tmpfs /srv/cups tmpfs rw 0 0\n");
  EXPECT_EQ(agent::onMemoryFilesystem("/srv/cups-spool/d00001", mounts), true);
  EXPECT_EQ(agent::onMemoryFilesystem("/var/spool/cups", mounts), false);
  EXPECT_EQ(agent::onMemoryFilesystem("/srv/cupsx", mounts), false);
  EXPECT_EQ(agent::onMemoryFilesystem("/x", dir_.path() / "none"), std::nullopt);
}

} // namespace
} // namespace printrelay
