#include "agent/spooler/windows/windows_spooler_mapping.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace printrelay::agent::winspool {
namespace {

/// Well-known DMPAPER ids and their PWG names (the first entry for a name is the one requested).
constexpr std::array<std::pair<short, std::string_view>, 14> kPapers{{
    {devmode::kPaperA4, "iso_a4_210x297mm"},
    {devmode::kPaperLetter, "na_letter_8.5x11in"},
    {devmode::kPaperLegal, "na_legal_8.5x14in"},
    {devmode::kPaperA3, "iso_a3_297x420mm"},
    {devmode::kPaperA5, "iso_a5_148x210mm"},
    {devmode::kPaperA6, "iso_a6_105x148mm"},
    {devmode::kPaperTabloid, "na_ledger_11x17in"},
    {devmode::kPaperLedger, "na_ledger_11x17in"},
    {devmode::kPaperExecutive, "na_executive_7.25x10.5in"},
    {devmode::kPaperB4, "jis_b4_257x364mm"},
    {devmode::kPaperB5, "jis_b5_182x257mm"},
    {devmode::kPaperEnv10, "na_number-10_4.125x9.5in"},
    {devmode::kPaperEnvDl, "iso_dl_110x220mm"},
    {devmode::kPaperEnvC5, "iso_c5_162x229mm"},
}};

bool any(std::uint32_t status, std::uint32_t bits) {
  return (status & bits) != 0;
}

} // namespace

SpoolerJobStatus jobStatusFromBits(std::uint32_t status) {
  using namespace job_status;
  SpoolerJobStatus out;
  if (any(status, kDeleting | kDeleted)) {
    // A job that printed (or went whole to the printer) and is then removed is done;
    // otherwise it is being cancelled.
    const bool done = any(status, kPrinted | kComplete);
    out.state = done ? SpoolerJobState::Completed : SpoolerJobState::Canceled;
    out.reasons = {done ? "job-completed-successfully" : "job-canceled-by-user"};
    return out;
  }
  if (any(status, kPrinted)) {
    out.state = SpoolerJobState::Completed;
    out.reasons = {"job-completed-successfully"};
    return out;
  }
  if (any(status, kBlockedDevq)) {
    // The driver cannot print this job as it is: it will never come out.
    out.state = SpoolerJobState::Aborted;
    out.reasons = {"document-format-error"};
    return out;
  }
  if (any(status, kError | kOffline | kPaperOut | kUserIntervention)) {
    out.state = SpoolerJobState::Stopped;
    if (any(status, kOffline)) {
      out.reasons.emplace_back("printer-stopped");
    }
    if (any(status, kPaperOut)) {
      out.reasons.emplace_back("media-empty");
    }
    if (any(status, kUserIntervention | kError)) {
      out.reasons.emplace_back("job-hold-until-specified");
    }
    return out;
  }
  if (any(status, kPaused)) {
    out.state = SpoolerJobState::Held;
    out.reasons = {"job-hold-until-specified"};
  } else if (any(status, kPrinting | kComplete)) {
    // COMPLETE: sent to the printer, which may still be printing it.
    out.state = SpoolerJobState::Processing;
    out.reasons = {"job-printing"};
  } else {
    out.state = SpoolerJobState::Pending; // queued, or restarting (kRestart)
  }
  if (any(status, kSpooling)) {
    out.reasons.emplace_back("job-incoming");
    out.awaitingDocument =
        out.state == SpoolerJobState::Pending || out.state == SpoolerJobState::Held;
  }
  return out;
}

SpoolerJobStatus vanishedJobStatus(VanishedJobHint hint) {
  SpoolerJobStatus out;
  switch (hint) {
  case VanishedJobHint::NeverSeen:
    return out; // Unknown: no record
  case VanishedJobHint::DocumentEnded:
    out.state = SpoolerJobState::Completed;
    out.reasons = {"job-completed-successfully"};
    return out;
  case VanishedJobHint::CancelRequested:
    out.state = SpoolerJobState::Canceled;
    out.reasons = {"job-canceled-by-user"};
    return out;
  }
  return out;
}

VanishedJobHint hintFromLastSeen(const SpoolerJobStatus& status) {
  switch (status.state) {
  case SpoolerJobState::Canceled:
  case SpoolerJobState::Aborted:
    return VanishedJobHint::CancelRequested;
  case SpoolerJobState::Pending:
  case SpoolerJobState::Held:
  case SpoolerJobState::Stopped:
    // A job that never received its whole document cannot have printed.
    return status.awaitingDocument ? VanishedJobHint::CancelRequested
                                   : VanishedJobHint::DocumentEnded;
  case SpoolerJobState::Processing:
  case SpoolerJobState::Completed:
    return VanishedJobHint::DocumentEnded;
  case SpoolerJobState::Unknown:
    return VanishedJobHint::NeverSeen;
  }
  return VanishedJobHint::NeverSeen;
}

PrinterStateView printerStateFromBits(std::uint32_t status) {
  using namespace printer_status;
  // Bit → reason, in the order they are listed; a reason two bits share is listed once. A
  // queue being deleted has no reason keyword: it shows as stopped and not accepting.
  static constexpr std::array<std::pair<std::uint32_t, std::string_view>, 13> kReasons{{
      {kPaused, "paused"},
      {kOffline, "offline-report"},
      {kNotAvailable, "offline-report"},
      {kPaperOut, "media-empty-error"},
      {kPaperJam, "media-jam-error"},
      {kPaperProblem, "media-path-failure-error"},
      {kManualFeed, "media-needed-warning"},
      {kNoToner, "toner-empty-error"},
      {kTonerLow, "toner-low-warning"},
      {kDoorOpen, "door-open-error"},
      {kOutputBinFull, "output-area-full-error"},
      {kUserIntervention, "other-error"},
      {kError, "other-error"},
  }};
  PrinterStateView out;
  out.accepting = !any(status, kPendingDeletion);
  for (const auto& [bit, reason] : kReasons) {
    if (any(status, bit) &&
        std::find(out.reasons.begin(), out.reasons.end(), reason) == out.reasons.end()) {
      out.reasons.emplace_back(reason);
    }
  }
  if (any(status, kPaused | kError | kPendingDeletion | kPaperJam | kPaperOut | kPaperProblem |
                      kOffline | kNotAvailable | kDoorOpen | kUserIntervention | kNoToner |
                      kManualFeed | kOutputBinFull)) {
    out.state = "stopped";
  } else if (any(status, kPrinting | kProcessing | kBusy | kIoActive)) {
    out.state = "processing";
  } else {
    out.state = "idle";
  }
  return out;
}

std::string_view pwgMediaForPaper(short paperId) {
  for (const auto& [id, name] : kPapers) {
    if (id == paperId) {
      return name;
    }
  }
  return {};
}

std::optional<short> paperForPwgMedia(std::string_view media) {
  const std::string name = pwgMedia(media);
  for (const auto& [id, pwg] : kPapers) {
    if (pwg == name) {
      return id;
    }
  }
  return std::nullopt;
}

std::vector<std::string> mediaFromPapers(const std::vector<DriverPaper>& papers) {
  std::vector<std::string> out;
  for (const auto& paper : papers) {
    std::string name(pwgMediaForPaper(paper.id));
    if (name.empty()) {
      name = paper.name;
    }
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(std::move(name));
    }
  }
  return out;
}

std::optional<short> paperIdForMedia(std::string_view media,
                                     const std::vector<DriverPaper>& papers) {
  if (const auto wellKnown = paperForPwgMedia(media); wellKnown) {
    const std::string_view pwg = pwgMediaForPaper(*wellKnown);
    for (const auto& paper : papers) {
      if (pwgMediaForPaper(paper.id) == pwg) {
        return paper.id;
      }
    }
  }
  for (const auto& paper : papers) {
    if (paper.name == media) {
      return paper.id;
    }
  }
  return std::nullopt;
}

PrinterCapabilities capabilitiesFrom(const std::vector<DriverPaper>& papers, int duplex,
                                     int colorDevice, int maxCopies,
                                     std::optional<short> defaultPaper, int landscapeRotation) {
  PrinterCapabilities caps;
  caps.media = mediaFromPapers(papers);
  if (defaultPaper) {
    caps.defaultMedia = std::string(pwgMediaForPaper(*defaultPaper));
    if (caps.defaultMedia.empty()) {
      for (const auto& paper : papers) {
        if (paper.id == *defaultPaper) {
          caps.defaultMedia = paper.name;
        }
      }
    }
  }
  caps.sides = duplex == 1 ? std::vector<std::string>{"one-sided", "two-sided-long-edge",
                                                      "two-sided-short-edge"}
                           : std::vector<std::string>{"one-sided"};
  caps.colorModes = colorDevice == 1 ? std::vector<std::string>{"monochrome", "color", "auto"}
                                     : std::vector<std::string>{"monochrome"};
  caps.copiesMin = 1;
  caps.copiesMax = maxCopies >= 1 ? std::min(maxCopies, 999) : 999;
  // RAW: nothing between the agent and the printer selects pages or imposes several per side.
  caps.pageRanges = false;
  caps.numberUp = {1};
  caps.orientations = landscapeRotation == 0 ? std::vector<std::string>{"portrait"}
                                             : std::vector<std::string>{"portrait", "landscape"};
  // Documents go to the printer as they are (datatype RAW): the spooler converts nothing.
  caps.documentFormats = {};
  return caps;
}

DevModeRequest devModeFor(const protocol::PrintOptions& options,
                          const std::vector<DriverPaper>& papers) {
  DevModeRequest out;
  out.copies = static_cast<short>(std::clamp(options.copies, 1, 32767));
  out.paperSize = paperIdForMedia(options.media, papers);
  if (options.sides == "one-sided") {
    out.duplex = devmode::kDuplexSimplex;
  } else if (options.sides == "two-sided-long-edge") {
    out.duplex = devmode::kDuplexVertical;
  } else if (options.sides == "two-sided-short-edge") {
    out.duplex = devmode::kDuplexHorizontal;
  }
  if (options.colorMode == "monochrome") {
    out.color = devmode::kColorMonochrome;
  } else if (options.colorMode == "color") {
    out.color = devmode::kColorColor;
  }
  if (options.orientation == "portrait") {
    out.orientation = devmode::kOrientPortrait;
  } else if (options.orientation == "landscape") {
    out.orientation = devmode::kOrientLandscape;
  } else if (!options.orientation.empty()) {
    out.ignored.push_back("orientation-requested " + options.orientation.substr(0, 32));
  }
  if (!options.pageRanges.empty()) {
    out.ignored.push_back("page-ranges " + protocol::formatPageRanges(options.pageRanges));
  }
  if (options.numberUp != 1) {
    out.ignored.push_back("number-up " + std::to_string(options.numberUp));
  }
  if (options.fitToPage) {
    out.ignored.emplace_back("fit-to-page");
  }
  return out;
}

std::string_view datatypeFor(std::string_view format) {
  return format == "text/plain" ? "TEXT" : "RAW";
}

std::string_view errorCodeFor(std::uint32_t win32Error) {
  using namespace win32_error;
  switch (win32Error) {
  case kInvalidPrinterName:
  case kPrinterNotFound:
  case kFileNotFound:
    return "printer_not_found";
  case kPrinterDeleted:
  case kPrintQueueFull:
  case kPrintCancelled:
    return "printer_not_accepting";
  case kInvalidDatatype:
    return "spooler_format_unsupported";
  case kRpcServerUnavailable:
  case kSpoolerNotRunning:
  case kNotReady:
    return "spooler_unavailable";
  default:
    return "spooler_refused";
  }
}

} // namespace printrelay::agent::winspool
