#pragma once

// The Windows spooler backend's pure logic: what winspool's numbers mean in the agent's terms.
// It is plain C++ (no <windows.h>), built and unit-tested on every platform; the values below
// are those of <winspool.h>, <wingdi.h> and <winerror.h>, and windows_spooler_backend.cpp
// static_asserts that they match the real headers.

#include "agent/spooler/print_backend.h"
#include "common/wire/protocol.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent::winspool {

/// JOB_INFO_1/2 Status bits (JOB_STATUS_*).
namespace job_status {
inline constexpr std::uint32_t kPaused = 0x00000001;
inline constexpr std::uint32_t kError = 0x00000002;
inline constexpr std::uint32_t kDeleting = 0x00000004;
inline constexpr std::uint32_t kSpooling = 0x00000008;
inline constexpr std::uint32_t kPrinting = 0x00000010;
inline constexpr std::uint32_t kOffline = 0x00000020;
inline constexpr std::uint32_t kPaperOut = 0x00000040;
inline constexpr std::uint32_t kPrinted = 0x00000080;
inline constexpr std::uint32_t kDeleted = 0x00000100;
inline constexpr std::uint32_t kBlockedDevq = 0x00000200;
inline constexpr std::uint32_t kUserIntervention = 0x00000400;
inline constexpr std::uint32_t kRestart = 0x00000800;
inline constexpr std::uint32_t kComplete = 0x00001000;
} // namespace job_status

/// PRINTER_INFO_2 Status bits (PRINTER_STATUS_*) that the agent looks at.
namespace printer_status {
inline constexpr std::uint32_t kPaused = 0x00000001;
inline constexpr std::uint32_t kError = 0x00000002;
inline constexpr std::uint32_t kPendingDeletion = 0x00000004;
inline constexpr std::uint32_t kPaperJam = 0x00000008;
inline constexpr std::uint32_t kPaperOut = 0x00000010;
inline constexpr std::uint32_t kManualFeed = 0x00000020;
inline constexpr std::uint32_t kPaperProblem = 0x00000040;
inline constexpr std::uint32_t kOffline = 0x00000080;
inline constexpr std::uint32_t kIoActive = 0x00000100;
inline constexpr std::uint32_t kBusy = 0x00000200;
inline constexpr std::uint32_t kPrinting = 0x00000400;
inline constexpr std::uint32_t kOutputBinFull = 0x00000800;
inline constexpr std::uint32_t kNotAvailable = 0x00001000;
inline constexpr std::uint32_t kProcessing = 0x00004000;
inline constexpr std::uint32_t kTonerLow = 0x00020000;
inline constexpr std::uint32_t kNoToner = 0x00040000;
inline constexpr std::uint32_t kUserIntervention = 0x00100000;
inline constexpr std::uint32_t kDoorOpen = 0x00400000;
} // namespace printer_status

/// DEVMODE values (DMPAPER_*, DMDUP_*, DMCOLOR_*, DMORIENT_*) the agent sets.
namespace devmode {
inline constexpr short kPaperLetter = 1;
inline constexpr short kPaperTabloid = 3;
inline constexpr short kPaperLedger = 4;
inline constexpr short kPaperLegal = 5;
inline constexpr short kPaperExecutive = 7;
inline constexpr short kPaperA3 = 8;
inline constexpr short kPaperA4 = 9;
inline constexpr short kPaperA5 = 11;
inline constexpr short kPaperB4 = 12; ///< JIS B4
inline constexpr short kPaperB5 = 13; ///< JIS B5
inline constexpr short kPaperEnv10 = 20;
inline constexpr short kPaperEnvDl = 27;
inline constexpr short kPaperEnvC5 = 28;
inline constexpr short kPaperA6 = 70;
inline constexpr short kDuplexSimplex = 1;
inline constexpr short kDuplexVertical = 2;   ///< long edge (portrait)
inline constexpr short kDuplexHorizontal = 3; ///< short edge (portrait)
inline constexpr short kColorMonochrome = 1;
inline constexpr short kColorColor = 2;
inline constexpr short kOrientPortrait = 1;
inline constexpr short kOrientLandscape = 2;
} // namespace devmode

/// Win32 error codes the backend tells apart.
namespace win32_error {
inline constexpr std::uint32_t kFileNotFound = 2;
inline constexpr std::uint32_t kAccessDenied = 5;
inline constexpr std::uint32_t kInvalidHandle = 6;
inline constexpr std::uint32_t kNotReady = 21;
inline constexpr std::uint32_t kPrintQueueFull = 61;
inline constexpr std::uint32_t kPrintCancelled = 63;
inline constexpr std::uint32_t kInvalidParameter = 87;
inline constexpr std::uint32_t kRpcServerUnavailable = 1722;
inline constexpr std::uint32_t kInvalidPrinterName = 1801;
inline constexpr std::uint32_t kInvalidDatatype = 1804;
inline constexpr std::uint32_t kPrinterDeleted = 1905;
inline constexpr std::uint32_t kSpoolerNotRunning = 1753; ///< EPT_S_NOT_REGISTERED
inline constexpr std::uint32_t kPrinterNotFound = 3012;   ///< ERROR_PRINTER_NOT_FOUND
} // namespace win32_error

/// The spooler's answer about one job, mapped: JOB_STATUS_* bits of a job GetJobW found.
/// A job still being spooled (its document never finished) is `awaitingDocument`; a job being
/// deleted after it was printed or handed to the printer (PRINTED or COMPLETE) is completed,
/// any other job being deleted is canceled.
SpoolerJobStatus jobStatusFromBits(std::uint32_t status);

/// What the agent last knew of a job it submitted, for when the spooler no longer lists it:
/// Windows removes a job once printed (unless the queue keeps printed documents).
enum class VanishedJobHint {
  NeverSeen,       ///< the agent has no memory of it (e.g. it restarted since)
  DocumentEnded,   ///< EndDocPrinter succeeded, or the job was last seen queued or printing
  CancelRequested, ///< the agent cancelled it, or it was last seen being deleted
};
/// The state of a job GetJobW no longer finds: completed when the spooler had the whole
/// document and nobody cancelled it, canceled after a cancel, Unknown when never seen.
SpoolerJobStatus vanishedJobStatus(VanishedJobHint hint);
/// The hint a job's last seen state gives for its disappearance.
VanishedJobHint hintFromLastSeen(const SpoolerJobStatus& status);

/// A printer's PRINTER_STATUS_* bits as "idle", "processing" or "stopped", whether it takes
/// jobs (a queue being deleted does not), and the printer-state-reasons they stand for, in the
/// words CUPS uses (media-empty-error, toner-low-warning, offline-report, …).
struct PrinterStateView {
  std::string state;
  bool accepting = true;
  std::vector<std::string> reasons;
};
PrinterStateView printerStateFromBits(std::uint32_t status);

/// One paper a driver lists: DC_PAPERS id and DC_PAPERNAMES name.
struct DriverPaper {
  short id = 0;
  std::string name;
};

/// The PWG media name of a DMPAPER_* id; empty when there is no well-known one.
std::string_view pwgMediaForPaper(short paperId);
/// The DMPAPER_* id of a PWG media name or alias ("a4", "letter", …); nullopt when unknown.
std::optional<short> paperForPwgMedia(std::string_view media);
/// The media list of a driver: PWG names where known, otherwise the driver's own paper name;
/// no duplicates, in the driver's order.
std::vector<std::string> mediaFromPapers(const std::vector<DriverPaper>& papers);
/// The driver paper to request for `media`: the well-known id when the driver lists it, else a
/// driver paper whose name equals `media`; nullopt when the driver has none.
std::optional<short> paperIdForMedia(std::string_view media,
                                     const std::vector<DriverPaper>& papers);

/// Capabilities from DeviceCapabilitiesW answers: DC_PAPERS/DC_PAPERNAMES, DC_DUPLEX (1 when
/// the printer can print both sides), DC_COLORDEVICE (1 for color), DC_COPIES (the most
/// copies, at most 999 as options allow; < 1 when not reported, and then copies are not
/// limited below 999), DC_ORIENTATION (0: the driver has no landscape; 90 or 270: it has;
/// -1: not reported) and the default DEVMODE's paper. Documents go to the printer RAW, so
/// nothing can select pages or put several on a side: page ranges are not supported and
/// number-up is 1 only. Orientation goes through dmOrientation: portrait, and landscape unless
/// the driver says it has none (the reverse orientations have no DEVMODE value).
PrinterCapabilities capabilitiesFrom(const std::vector<DriverPaper>& papers, int duplex,
                                     int colorDevice, int maxCopies,
                                     std::optional<short> defaultPaper, int landscapeRotation = -1);

/// The DEVMODE fields a job asks for; unset fields keep the driver's defaults.
struct DevModeRequest {
  std::optional<short> copies;      ///< dmCopies (DM_COPIES)
  std::optional<short> paperSize;   ///< dmPaperSize (DM_PAPERSIZE)
  std::optional<short> duplex;      ///< dmDuplex (DM_DUPLEX)
  std::optional<short> color;       ///< dmColor (DM_COLOR)
  std::optional<short> orientation; ///< dmOrientation (DM_ORIENTATION)
  /// Options a DEVMODE cannot carry for a RAW document ("page-ranges 1-2", "number-up 2",
  /// "fit-to-page", "orientation-requested reverse-landscape"): the backend logs them, it never
  /// drops them silently. Routing keeps such jobs away (capabilitiesFrom does not offer them).
  std::vector<std::string> ignored;
};
/// The DEVMODE fields for print options (copies 1..32767, media through the driver's papers,
/// sides → DMDUP_*, print-color-mode → DMCOLOR_*, orientation-requested portrait/landscape →
/// DMORIENT_*; "auto" color and an empty orientation leave them to the driver).
DevModeRequest devModeFor(const protocol::PrintOptions& options,
                          const std::vector<DriverPaper>& papers);

/// The datatype a document of spooler format `format` (spoolerFormatFor) is spooled as:
/// "TEXT" for text/plain, so the print processor sets it in the printer's font and a text
/// document that happens to be a PostScript program prints as text; "RAW" for PDF, PNG and
/// JPEG, which the printer must understand itself.
std::string_view datatypeFor(std::string_view format);

/// The backend's error code (see print_backend.h) for a failed winspool call's GetLastError().
std::string_view errorCodeFor(std::uint32_t win32Error);

} // namespace printrelay::agent::winspool
