// The Windows spooler backend's pure logic (agent/spooler/windows/windows_spooler_mapping.cpp), on
// every platform: what winspool's status bits, DeviceCapabilities answers and error codes mean for
// the agent. The Windows build checks the constants against <winspool.h> at compile time.
#include "agent/spooler/windows/windows_spooler_mapping.h"

#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <string>
#include <vector>

namespace printrelay::agent::winspool {
namespace {

using Reasons = std::vector<std::string>;

bool has(const Reasons& reasons, const std::string& reason) {
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

// --- job status bits ------------------------------------------------------------------------

TEST(WindowsSpoolerMappingTest, JobStatusBitsMapToSpoolerJobStates) {
  using namespace job_status;
  struct Case {
    std::uint32_t bits;
    SpoolerJobState state;
    const char* why;
  };
  const Case cases[] = {
      {0, SpoolerJobState::Pending, "queued, nothing set"},
      {kRestart, SpoolerJobState::Pending, "restarting"},
      {kPaused, SpoolerJobState::Held, "paused by someone"},
      {kPrinting, SpoolerJobState::Processing, "printing"},
      {kComplete, SpoolerJobState::Processing, "sent to the printer, may still print"},
      {kPrinted, SpoolerJobState::Completed, "printed"},
      {kPrinted | kComplete, SpoolerJobState::Completed, "printed"},
      {kDeleting, SpoolerJobState::Canceled, "being deleted before it printed"},
      {kDeleted, SpoolerJobState::Canceled, "deleted before it printed"},
      {kDeleting | kPrinting, SpoolerJobState::Canceled, "cancelled while printing"},
      {kDeleting | kPrinted, SpoolerJobState::Completed, "removed after printing"},
      {kDeleted | kComplete, SpoolerJobState::Completed, "removed after it went to the printer"},
      {kBlockedDevq, SpoolerJobState::Aborted, "the driver cannot print it"},
      {kError, SpoolerJobState::Stopped, "error"},
      {kOffline, SpoolerJobState::Stopped, "printer offline"},
      {kPaperOut, SpoolerJobState::Stopped, "paper out"},
      {kUserIntervention, SpoolerJobState::Stopped, "needs someone at the printer"},
      {kPrinting | kPaperOut, SpoolerJobState::Stopped, "paper ran out while printing"},
      {kPaused | kError, SpoolerJobState::Stopped, "an error outranks a pause"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(jobStatusFromBits(c.bits).state, c.state)
        << c.why << " (bits 0x" << std::hex << c.bits << ")";
  }
}

TEST(WindowsSpoolerMappingTest, JobReasonsSayWhyAJobStopped) {
  using namespace job_status;
  const auto stopped = jobStatusFromBits(kOffline | kPaperOut | kUserIntervention);
  EXPECT_TRUE(has(stopped.reasons, "printer-stopped"));
  EXPECT_TRUE(has(stopped.reasons, "media-empty"));
  EXPECT_TRUE(has(stopped.reasons, "job-hold-until-specified"));
  EXPECT_EQ(jobStatusFromBits(kPrinted).reasons, Reasons{"job-completed-successfully"});
  EXPECT_EQ(jobStatusFromBits(kDeleting).reasons, Reasons{"job-canceled-by-user"});
  EXPECT_EQ(jobStatusFromBits(kBlockedDevq).reasons, Reasons{"document-format-error"});
  EXPECT_TRUE(has(jobStatusFromBits(kPrinting).reasons, "job-printing"));
}

TEST(WindowsSpoolerMappingTest, OnlyAJobStillSpoolingAwaitsItsDocument) {
  using namespace job_status;
  EXPECT_TRUE(jobStatusFromBits(kSpooling).awaitingDocument);
  EXPECT_TRUE(jobStatusFromBits(kSpooling | kPaused).awaitingDocument);
  EXPECT_TRUE(has(jobStatusFromBits(kSpooling).reasons, "job-incoming"));
  // Printing while spooling: the printer has part of it, so it may have printed something.
  EXPECT_FALSE(jobStatusFromBits(kSpooling | kPrinting).awaitingDocument);
  EXPECT_FALSE(jobStatusFromBits(0).awaitingDocument);
  EXPECT_FALSE(jobStatusFromBits(kPrinted).awaitingDocument);
  EXPECT_FALSE(jobStatusFromBits(kSpooling | kDeleting).awaitingDocument);
}

TEST(WindowsSpoolerMappingTest, HostileJobStatusBitsStillGiveOneKnownState) {
  // Unknown high bits are ignored; every bit at once is a job removed after printing.
  EXPECT_EQ(jobStatusFromBits(0xFFFF0000u).state, SpoolerJobState::Pending);
  EXPECT_EQ(jobStatusFromBits(0xFFFFFFFFu).state, SpoolerJobState::Completed);
  for (std::uint32_t bit = 0; bit < 32; ++bit) {
    const auto status = jobStatusFromBits(1u << bit);
    EXPECT_NE(status.state, SpoolerJobState::Unknown) << "bit " << bit;
  }
}

// --- jobs the spooler no longer lists --------------------------------------------------------

TEST(WindowsSpoolerMappingTest, AVanishedJobIsJudgedByWhatWasLastSeen) {
  EXPECT_EQ(vanishedJobStatus(VanishedJobHint::NeverSeen).state, SpoolerJobState::Unknown);
  EXPECT_EQ(vanishedJobStatus(VanishedJobHint::DocumentEnded).state, SpoolerJobState::Completed);
  EXPECT_EQ(vanishedJobStatus(VanishedJobHint::CancelRequested).state, SpoolerJobState::Canceled);

  using namespace job_status;
  EXPECT_EQ(hintFromLastSeen(jobStatusFromBits(kPrinting)), VanishedJobHint::DocumentEnded);
  EXPECT_EQ(hintFromLastSeen(jobStatusFromBits(0)), VanishedJobHint::DocumentEnded);
  EXPECT_EQ(hintFromLastSeen(jobStatusFromBits(kPrinted)), VanishedJobHint::DocumentEnded);
  EXPECT_EQ(hintFromLastSeen(jobStatusFromBits(kDeleting)), VanishedJobHint::CancelRequested);
  EXPECT_EQ(hintFromLastSeen(jobStatusFromBits(kBlockedDevq)), VanishedJobHint::CancelRequested);
  // Never received its whole document: it cannot have printed.
  EXPECT_EQ(hintFromLastSeen(jobStatusFromBits(kSpooling)), VanishedJobHint::CancelRequested);
  EXPECT_EQ(hintFromLastSeen(SpoolerJobStatus{}), VanishedJobHint::NeverSeen);
}

// --- printer status bits ---------------------------------------------------------------------

TEST(WindowsSpoolerMappingTest, PrinterStatusBitsGiveStateAndReasons) {
  using namespace printer_status;
  struct Case {
    std::uint32_t bits;
    const char* state;
    Reasons reasons;
  };
  const Case cases[] = {
      {0, "idle", {}},
      {kPrinting, "processing", {}},
      {kProcessing | kIoActive, "processing", {}},
      {kBusy, "processing", {}},
      {kPaperOut, "stopped", {"media-empty-error"}},
      {kPaperJam, "stopped", {"media-jam-error"}},
      {kPaperProblem, "stopped", {"media-path-failure-error"}},
      {kManualFeed, "stopped", {"media-needed-warning"}},
      {kTonerLow, "idle", {"toner-low-warning"}},
      {kTonerLow | kPrinting, "processing", {"toner-low-warning"}},
      {kNoToner, "stopped", {"toner-empty-error"}},
      {kOffline, "stopped", {"offline-report"}},
      {kNotAvailable, "stopped", {"offline-report"}},
      {kOffline | kNotAvailable, "stopped", {"offline-report"}},
      {kDoorOpen, "stopped", {"door-open-error"}},
      {kOutputBinFull, "stopped", {"output-area-full-error"}},
      {kPaused, "stopped", {"paused"}},
      {kError, "stopped", {"other-error"}},
      {kError | kUserIntervention, "stopped", {"other-error"}},
      {kPaperOut | kTonerLow | kOffline,
       "stopped",
       {"offline-report", "media-empty-error", "toner-low-warning"}},
  };
  for (const auto& c : cases) {
    const auto view = printerStateFromBits(c.bits);
    EXPECT_EQ(view.state, c.state) << "bits 0x" << std::hex << c.bits;
    EXPECT_EQ(view.reasons, c.reasons) << "bits 0x" << std::hex << c.bits;
    EXPECT_TRUE(view.accepting) << "bits 0x" << std::hex << c.bits;
  }
}

TEST(WindowsSpoolerMappingTest, AQueueBeingDeletedTakesNoJobs) {
  const auto view = printerStateFromBits(printer_status::kPendingDeletion);
  EXPECT_EQ(view.state, "stopped");
  EXPECT_FALSE(view.accepting);
  EXPECT_TRUE(view.reasons.empty());
}

TEST(WindowsSpoolerMappingTest, HostilePrinterStatusBitsGiveKnownReasonsOnce) {
  const auto all = printerStateFromBits(0xFFFFFFFFu);
  EXPECT_EQ(all.state, "stopped");
  EXPECT_FALSE(all.accepting);
  Reasons sorted = all.reasons;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "duplicates";
  EXPECT_TRUE(has(all.reasons, "media-empty-error"));
  EXPECT_TRUE(has(all.reasons, "toner-low-warning"));
  EXPECT_TRUE(has(all.reasons, "offline-report"));
  // Bits winspool does not define mean nothing.
  const auto unknown = printerStateFromBits(0xF0000000u);
  EXPECT_EQ(unknown.state, "idle");
  EXPECT_TRUE(unknown.reasons.empty());
}

// --- papers and capabilities -----------------------------------------------------------------

TEST(WindowsSpoolerMappingTest, WellKnownPapersHavePwgNames) {
  EXPECT_EQ(pwgMediaForPaper(devmode::kPaperA4), "iso_a4_210x297mm");
  EXPECT_EQ(pwgMediaForPaper(devmode::kPaperLetter), "na_letter_8.5x11in");
  EXPECT_EQ(pwgMediaForPaper(devmode::kPaperEnvDl), "iso_dl_110x220mm");
  EXPECT_EQ(pwgMediaForPaper(0), "");
  EXPECT_EQ(pwgMediaForPaper(-1), "");
  EXPECT_EQ(pwgMediaForPaper(std::numeric_limits<short>::max()), "");

  EXPECT_EQ(paperForPwgMedia("iso_a4_210x297mm"), devmode::kPaperA4);
  EXPECT_EQ(paperForPwgMedia("A4"), devmode::kPaperA4);
  EXPECT_EQ(paperForPwgMedia("letter"), devmode::kPaperLetter);
  EXPECT_EQ(paperForPwgMedia("tabloid"), devmode::kPaperTabloid);
  EXPECT_EQ(paperForPwgMedia(""), std::nullopt);
  EXPECT_EQ(paperForPwgMedia("iso_a4_210x297mm\n"), std::nullopt);
  EXPECT_EQ(paperForPwgMedia(std::string("a4\0", 3)), std::nullopt);
}

TEST(WindowsSpoolerMappingTest, DriverPapersBecomeAMediaListWithoutDuplicates) {
  const std::vector<DriverPaper> papers{
      {devmode::kPaperA4, "A4"},
      {devmode::kPaperLetter, "Letter"},
      {devmode::kPaperTabloid, "Tabloid"},
      {devmode::kPaperLedger, "Ledger"}, // the same PWG size as Tabloid
      {devmode::kPaperA4, "A4 (again)"},
      {256, "Shop flyer 99x210"}, // a driver's own paper
      {257, ""},                  // a nameless custom paper
      {256, "Shop flyer 99x210"},
  };
  EXPECT_EQ(mediaFromPapers(papers), (Reasons{"iso_a4_210x297mm", "na_letter_8.5x11in",
                                              "na_ledger_11x17in", "Shop flyer 99x210"}));
  EXPECT_TRUE(mediaFromPapers({}).empty());
}

TEST(WindowsSpoolerMappingTest, TheDriversOwnPaperIdIsRequested) {
  const std::vector<DriverPaper> papers{
      {devmode::kPaperLedger, "Ledger"},
      {devmode::kPaperA4, "A4"},
      {300, "Shop flyer"},
  };
  EXPECT_EQ(paperIdForMedia("a4", papers), devmode::kPaperA4);
  // Tabloid is asked for; the driver lists the same size as Ledger.
  EXPECT_EQ(paperIdForMedia("tabloid", papers), devmode::kPaperLedger);
  EXPECT_EQ(paperIdForMedia("Shop flyer", papers), 300);
  EXPECT_EQ(paperIdForMedia("letter", papers), std::nullopt);
  EXPECT_EQ(paperIdForMedia("", papers), std::nullopt);
  EXPECT_EQ(paperIdForMedia("a4", {}), std::nullopt);
}

TEST(WindowsSpoolerMappingTest, DeviceCapabilitiesBecomePrinterCapabilities) {
  const std::vector<DriverPaper> papers{{devmode::kPaperA4, "A4"}, {devmode::kPaperA5, "A5"}};
  const auto caps = capabilitiesFrom(papers, 1, 1, 99, devmode::kPaperA4);
  EXPECT_EQ(caps.media, (Reasons{"iso_a4_210x297mm", "iso_a5_148x210mm"}));
  EXPECT_EQ(caps.defaultMedia, "iso_a4_210x297mm");
  EXPECT_EQ(caps.sides, (Reasons{"one-sided", "two-sided-long-edge", "two-sided-short-edge"}));
  EXPECT_EQ(caps.colorModes, (Reasons{"monochrome", "color", "auto"}));
  EXPECT_EQ(caps.copiesMin, 1);
  EXPECT_EQ(caps.copiesMax, 99);
  EXPECT_TRUE(caps.documentFormats.empty()); // RAW: the spooler converts nothing
  // RAW: nothing selects pages or puts several on a side; orientation goes through DEVMODE.
  EXPECT_FALSE(caps.pageRanges);
  EXPECT_EQ(caps.numberUp, std::vector<int>{1});
  EXPECT_EQ(caps.orientations, (Reasons{"portrait", "landscape"}));
  EXPECT_EQ(capabilitiesFrom(papers, 1, 1, 99, std::nullopt, 90).orientations,
            (Reasons{"portrait", "landscape"}));
  EXPECT_EQ(capabilitiesFrom(papers, 1, 1, 99, std::nullopt, 0).orientations,
            Reasons{"portrait"}); // the driver has no landscape

  const auto mono = capabilitiesFrom(papers, 0, 0, 1, std::nullopt);
  EXPECT_EQ(mono.sides, Reasons{"one-sided"});
  EXPECT_EQ(mono.colorModes, Reasons{"monochrome"});
  EXPECT_EQ(mono.copiesMax, 1);
  EXPECT_EQ(mono.defaultMedia, "");
}

TEST(WindowsSpoolerMappingTest, FailedDeviceCapabilitiesCallsClaimNothing) {
  // DeviceCapabilitiesW answers -1 when it fails; copies are then limited only as options are.
  const auto caps = capabilitiesFrom({}, -1, -1, -1, std::nullopt);
  EXPECT_TRUE(caps.media.empty());
  EXPECT_EQ(caps.sides, Reasons{"one-sided"});
  EXPECT_EQ(caps.colorModes, Reasons{"monochrome"});
  EXPECT_EQ(caps.copiesMax, 999);
  // Odd answers: only exactly 1 means "yes".
  const auto odd = capabilitiesFrom({}, 2, 7, 0, std::nullopt);
  EXPECT_EQ(odd.sides, Reasons{"one-sided"});
  EXPECT_EQ(odd.colorModes, Reasons{"monochrome"});
  EXPECT_EQ(odd.copiesMax, 999);
  EXPECT_EQ(capabilitiesFrom({}, 1, 1, std::numeric_limits<int>::max(), std::nullopt).copiesMax,
            999);
}

TEST(WindowsSpoolerMappingTest, TheDefaultPaperFallsBackToTheDriversName) {
  const std::vector<DriverPaper> papers{{400, "Receipt 80mm"}, {devmode::kPaperA4, "A4"}};
  EXPECT_EQ(capabilitiesFrom(papers, 0, 0, 1, 400).defaultMedia, "Receipt 80mm");
  EXPECT_EQ(capabilitiesFrom(papers, 0, 0, 1, 401).defaultMedia, "");
}

// --- DEVMODE for print options ---------------------------------------------------------------

TEST(WindowsSpoolerMappingTest, PrintOptionsBecomeDevModeFields) {
  const std::vector<DriverPaper> papers{{devmode::kPaperA4, "A4"},
                                        {devmode::kPaperLetter, "Letter"}};
  protocol::PrintOptions options;
  options.copies = 3;
  options.media = "na_letter_8.5x11in";
  options.sides = "two-sided-long-edge";
  options.colorMode = "color";
  auto request = devModeFor(options, papers);
  EXPECT_EQ(request.copies, 3);
  EXPECT_EQ(request.paperSize, devmode::kPaperLetter);
  EXPECT_EQ(request.duplex, devmode::kDuplexVertical);
  EXPECT_EQ(request.color, devmode::kColorColor);

  options.sides = "two-sided-short-edge";
  options.colorMode = "monochrome";
  request = devModeFor(options, papers);
  EXPECT_EQ(request.duplex, devmode::kDuplexHorizontal);
  EXPECT_EQ(request.color, devmode::kColorMonochrome);

  options.sides = "one-sided";
  options.colorMode = "auto";         // the driver decides
  options.media = "iso_a3_297x420mm"; // not loaded: the driver's default paper stays
  request = devModeFor(options, papers);
  EXPECT_EQ(request.duplex, devmode::kDuplexSimplex);
  EXPECT_EQ(request.color, std::nullopt);
  EXPECT_EQ(request.paperSize, std::nullopt);
  EXPECT_EQ(request.orientation, std::nullopt); // as the document says
  EXPECT_TRUE(request.ignored.empty());
}

TEST(WindowsSpoolerMappingTest, OrientationGoesThroughDevModeAndWhatCannotIsNamed) {
  protocol::PrintOptions options;
  options.orientation = "landscape";
  EXPECT_EQ(devModeFor(options, {}).orientation, devmode::kOrientLandscape);
  options.orientation = "portrait";
  EXPECT_EQ(devModeFor(options, {}).orientation, devmode::kOrientPortrait);
  // A RAW document cannot be imposed, cut to pages or scaled through a DEVMODE: the backend
  // logs these (routing keeps such jobs away from Windows printers).
  options.orientation = "reverse-landscape";
  options.pageRanges = {{1, 2}};
  options.numberUp = 2;
  options.fitToPage = true;
  const auto request = devModeFor(options, {});
  EXPECT_EQ(request.orientation, std::nullopt);
  EXPECT_EQ(request.ignored, (Reasons{"orientation-requested reverse-landscape", "page-ranges 1-2",
                                      "number-up 2", "fit-to-page"}));
}

TEST(WindowsSpoolerMappingTest, HostilePrintOptionsAreClampedOrIgnored) {
  protocol::PrintOptions options;
  options.copies = std::numeric_limits<int>::max();
  options.sides = "three-sided";
  options.colorMode = "ultraviolet";
  options.media = std::string(10000, 'x');
  auto request = devModeFor(options, {});
  EXPECT_EQ(request.copies, 32767); // dmCopies is a short
  EXPECT_EQ(request.duplex, std::nullopt);
  EXPECT_EQ(request.color, std::nullopt);
  EXPECT_EQ(request.paperSize, std::nullopt);

  options.copies = -5;
  EXPECT_EQ(devModeFor(options, {}).copies, 1);
  options.copies = 0;
  EXPECT_EQ(devModeFor(options, {}).copies, 1);
}

// --- errors ----------------------------------------------------------------------------------

TEST(WindowsSpoolerMappingTest, TextIsSpooledAsTextAndNothingElseIs) {
  // TEXT makes the print processor set the bytes as text: a PostScript program in a text
  // document is never handed to a PostScript printer to run.
  EXPECT_EQ(datatypeFor(spoolerFormatFor("text/plain")), "TEXT");
  EXPECT_EQ(datatypeFor(spoolerFormatFor("application/pdf")), "RAW");
  EXPECT_EQ(datatypeFor(spoolerFormatFor("image/png")), "RAW");
  EXPECT_EQ(datatypeFor(spoolerFormatFor("image/jpeg")), "RAW");
}

TEST(WindowsSpoolerMappingTest, Win32ErrorsMapToBackendErrorCodes) {
  using namespace win32_error;
  EXPECT_EQ(errorCodeFor(kInvalidPrinterName), "printer_not_found");
  EXPECT_EQ(errorCodeFor(kPrinterNotFound), "printer_not_found");
  EXPECT_EQ(errorCodeFor(kFileNotFound), "printer_not_found");
  EXPECT_EQ(errorCodeFor(kPrinterDeleted), "printer_not_accepting");
  EXPECT_EQ(errorCodeFor(kPrintQueueFull), "printer_not_accepting");
  EXPECT_EQ(errorCodeFor(kPrintCancelled), "printer_not_accepting");
  EXPECT_EQ(errorCodeFor(kInvalidDatatype), "spooler_format_unsupported");
  EXPECT_EQ(errorCodeFor(kRpcServerUnavailable), "spooler_unavailable");
  EXPECT_EQ(errorCodeFor(kSpoolerNotRunning), "spooler_unavailable");
  EXPECT_EQ(errorCodeFor(kNotReady), "spooler_unavailable");
  EXPECT_EQ(errorCodeFor(kAccessDenied), "spooler_refused");
  EXPECT_EQ(errorCodeFor(0), "spooler_refused");
  EXPECT_EQ(errorCodeFor(0xFFFFFFFFu), "spooler_refused");
}

} // namespace
} // namespace printrelay::agent::winspool
