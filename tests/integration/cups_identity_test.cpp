// The CUPS backend against a real private cupsd: a job number cupsd hands out again after a
// crash is never taken for the job that had it before (job-name tag, job-uuid, printer), and
// the document format is the one the agent recognised, never CUPS's own typing of the bytes.

#include "agent/jobs/job_processor.h"
#include "agent/spooler/cups/cups_backend.h"
#include "common/util/encoding.h"
#include "tests/support/cupsd_fixture.h"
#include "tests/support/printer_sink.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <regex>

namespace printrelay::testing {
namespace {

using namespace std::chrono_literals;
using agent::CupsBackend;
using agent::SpoolerJobRef;
using agent::SpoolerJobState;

/// Creates a job named as the agent names job `ourJobId` and sends `text` as text/plain.
SpoolerJobRef submitText(CupsBackend& cups, const std::string& queue, const std::string& ourJobId,
                         const std::string& text) {
  const std::string title = "note.txt (" + agent::spoolerJobTag(ourJobId) + ")";
  const auto created = cups.createJob(queue, title, protocol::PrintOptions{}, "text/plain");
  auto writer = cups.startDocument(queue, created.id, "note.txt", "text/plain");
  writer->write(asBytes(text));
  writer->finish();
  return SpoolerJobRef{queue, created.id, agent::spoolerJobTag(ourJobId), created.uuid};
}

class CupsIdentityTest : public ::testing::Test {
protected:
  void SetUp() override {
    cupsd_.addQueue("shop", printer_.deviceUri());
    // The queue is stopped, so jobs wait in cupsd as an order waits for a busy printer; a clean
    // restart writes the queue to disk, so only the jobs are lost in the crash below.
    ASSERT_TRUE(cupsd_.runClient({"cupsdisable", "shop"}).status.success()) << cupsd_.report();
    cupsd_.restart();
  }

  PrinterSink printer_;
  CupsdFixture cupsd_{CupsdOptions{.preserveJobFiles = false}};
  CupsBackend cups_{cupsd_.socketPath().string()};
};

TEST_F(CupsIdentityTest, AJobNumberHandedOutAgainAfterACrashIsNotOurs) {
  const SpoolerJobRef a = submitText(cups_, "shop", "order-a-job", "order A\n");
  ASSERT_FALSE(a.uuid.empty()) << "the job-uuid is read right after Create-Job";
  const auto seenA = cups_.jobStatus(a);
  EXPECT_EQ(seenA.state, SpoolerJobState::Pending);
  EXPECT_FALSE(seenA.foreign);

  // cupsd writes its job files lazily (DirtyCleanInterval): killed now, it forgets A and hands
  // A's number out again.
  cupsd_.crash();
  cupsd_.restart();
  const SpoolerJobRef b = submitText(cups_, "shop", "order-b-job", "order B\n");
  ASSERT_EQ(b.id, a.id) << "cupsd did not reuse the number; the identity checks below still "
                           "hold, but the crash case was not reproduced";
  EXPECT_NE(b.uuid, a.uuid);

  // Asked about A, CUPS answers with B's job: that is not A.
  const auto askedForA = cups_.jobStatus(a);
  EXPECT_EQ(askedForA.state, SpoolerJobState::Unknown);
  EXPECT_TRUE(askedForA.foreign);
  EXPECT_NE(agent::decideRecovery(agent::JobState::Printing, askedForA),
            agent::RecoveryAction::MarkPrinted);
  EXPECT_FALSE(cups_.cancelJob(a)) << "B's job must not be cancelled in A's name";
  EXPECT_FALSE(cups_.purgeJob(a)) << "B's job must not be purged in A's name";
  EXPECT_EQ(cups_.jobStatus(b).state, SpoolerJobState::Pending) << "B's job is untouched";

  ASSERT_TRUE(cupsd_.runClient({"cupsenable", "shop"}).status.success());
  ASSERT_TRUE(printer_.waitForJobs(1, 60s)) << cupsd_.report();
  cupsd_.waitForJobState(b.id, "completed", 30s);
  EXPECT_EQ(printer_.jobs().at(0), "order B\n");
  EXPECT_EQ(cups_.jobStatus(b).state, SpoolerJobState::Completed);
  EXPECT_TRUE(cups_.jobStatus(a).foreign) << "A is never recorded printed on B's outcome";
  EXPECT_TRUE(cups_.purgeJob(b));
  EXPECT_EQ(cups_.jobStatus(b).state, SpoolerJobState::Unknown) << "purged";
}

TEST_F(CupsIdentityTest, ANumberOnAnotherQueueOrWithAnotherUuidIsNotOurs) {
  const SpoolerJobRef a = submitText(cups_, "shop", "order-a-job", "order A\n");
  SpoolerJobRef otherUuid = a;
  otherUuid.uuid = "urn:uuid:00000000-0000-0000-0000-000000000000";
  EXPECT_TRUE(cups_.jobStatus(otherUuid).foreign);
  SpoolerJobRef otherTag = a;
  otherTag.tag = agent::spoolerJobTag("order-a");
  EXPECT_TRUE(cups_.jobStatus(otherTag).foreign);
  EXPECT_FALSE(cups_.cancelJob(otherTag));
  EXPECT_EQ(cups_.jobStatus(a).state, SpoolerJobState::Pending);
  EXPECT_TRUE(cups_.cancelJob(a));
  EXPECT_EQ(cups_.jobStatus(a).state, SpoolerJobState::Canceled);
}

/// A PostScript program that draws one word; printed as PostScript, the page shows only that
/// word, printed as text it shows the program's source.
constexpr const char* kPostScriptProgram = "%!PS-Adobe-3.0\n"
                                           "/Helvetica findfont 24 scalefont setfont\n"
                                           "72 720 moveto (DRAWNBYPOSTSCRIPT) show\n"
                                           "showpage\n";

/// The text of a PDF the printer received (pdftotext).
std::string pdfText(const TempDir& dir, const std::string& pdf) {
  const auto file = dir.writeFile("received.pdf", pdf);
  const auto result = run(
      ProcessSpec{
          .argv = {"pdftotext", file.string(), "-"}, .env = {}, .outputDir = {}, .name = {}},
      30s);
  EXPECT_TRUE(result.status.success()) << result.describe();
  return result.out;
}

TEST(CupsFormatTest, TextThatIsAPostScriptProgramPrintsAsText) {
  if (run(
          ProcessSpec{
              .argv = {"sh", "-c", "command -v pdftotext"}, .env = {}, .outputDir = {}, .name = {}},
          10s)
          .out.empty()) {
    GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  }
  const std::string ppd = "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd";
  if (!std::filesystem::exists(ppd)) {
    GTEST_SKIP() << ppd << " (cups-filters) is not installed";
  }
  PrinterSink printer;
  CupsdFixture cupsd(CupsdOptions{.preserveJobFiles = false});
  // A queue with a driver: CUPS converts what it is given to PDF for this printer, so what
  // reaches the printer shows how CUPS understood the document.
  const auto added =
      cupsd.runClient({"lpadmin", "-p", "pdf", "-v", printer.deviceUri(), "-P", ppd, "-E"});
  ASSERT_TRUE(added.status.success()) << added.describe() << cupsd.report();
  CupsBackend cups(cupsd.socketPath().string());
  TempDir dir;

  submitText(cups, "pdf", "order-ps-job", kPostScriptProgram);
  ASSERT_TRUE(printer.waitForJobs(1, 90s)) << cupsd.report();
  // texttopdf embeds its font with its own encoding, so pdftotext reads the glyphs shifted;
  // what counts is that the page carries the program's four lines, not the word it draws.
  const std::string asText = pdfText(dir, printer.jobs().at(0));
  EXPECT_EQ(asText.find("DRAWNBYPOSTSCRIPT"), std::string::npos)
      << "the program ran instead of printing as text:\n"
      << asText;
  EXPECT_GE(std::count(asText.begin(), asText.end(), '\n'), 4) << asText;

  // What auto-typing did (lp lets CUPS type the file): the program ran and drew its word.
  const auto file = dir.writeFile("note.txt", kPostScriptProgram);
  ASSERT_TRUE(cupsd.runClient({"lp", "-d", "pdf", file.string()}).status.success());
  ASSERT_TRUE(printer.waitForJobs(2, 90s)) << cupsd.report();
  const std::string executed = pdfText(dir, printer.jobs().at(1));
  EXPECT_NE(executed.find("DRAWNBYPOSTSCRIPT"), std::string::npos) << executed;
  EXPECT_EQ(executed.find("showpage"), std::string::npos) << executed;
}

} // namespace
} // namespace printrelay::testing
