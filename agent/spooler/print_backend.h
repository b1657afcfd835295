#pragma once

#include "common/wire/protocol.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace printrelay::agent {

struct Settings;

// The spooler seen from the agent: one interface, one implementation per file
// (cups_backend.cpp, windows_spooler_backend.cpp). CMake picks the file. Job numbers are not
// identities (a spooler may hand a number out again): every question about, cancel and purge
// of a job goes through a SpoolerJobRef and isOurs, in this interface, never by number alone.
//
// Errors are thrown as printrelay::Error with these codes:
//   spooler_unavailable        the spooler cannot be reached
//   printer_not_found          no such destination (or no default destination)
//   printer_not_accepting      the destination rejects jobs (disabled, stopped)
//   spooler_format_unsupported the document format is refused
//   spooler_refused            any other refusal of a request (message says which)
//   spooler_write_failed       sending document bytes failed

/// What a destination can do, as the spooler reports it: the wire's PrinterAbilities (empty
/// lists mean "not reported", and nothing is refused for them).
using PrinterCapabilities = protocol::PrinterAbilities;

/// The IPP job attributes (as CUPS options: name and value text) that carry `options` to the
/// spooler: copies, media (PWG name), sides, print-color-mode, and, when they differ from the
/// defaults, page-ranges ("1-3,5"), orientation-requested (the IPP enum, "4" for landscape),
/// number-up and fit-to-page. In this order.
std::vector<std::pair<std::string, std::string>>
ippJobAttributes(const protocol::PrintOptions& options);

/// A destination as listed by the spooler.
struct PrinterInfo {
  std::string name;
  bool isDefault = false;
  bool accepting = true;
  std::string state; ///< idle, processing or stopped
  std::string info;  ///< description for people
  std::string location;
  std::string makeAndModel;
  /// printer-state-reasons as the spooler reports them (media-empty, toner-low-warning, …);
  /// empty when none.
  std::vector<std::string> reasons;
};

using protocol::pwgMedia;

/// A spooler job's state (IPP job-state values, plus Unknown when the spooler has no record).
enum class SpoolerJobState {
  Pending,
  Held,
  Processing,
  Stopped,
  Canceled,
  Aborted,
  Completed,
  Unknown
};

/// "pending", "held", … for logs and tables.
std::string_view toString(SpoolerJobState state);

/// What the spooler says about one job.
struct SpoolerJobStatus {
  SpoolerJobState state = SpoolerJobState::Unknown;
  std::vector<std::string> reasons; ///< job-state-reasons, e.g. job-incoming
  /// True while the job still waits for its document (it was created but the document never
  /// finished arriving): nothing of it can have been printed.
  bool awaitingDocument = false;
  /// Who the job is, as the spooler reports it: its name (CUPS job-name, the Windows document
  /// name), job-uuid (CUPS; empty on Windows) and the printer it is on (empty when not told).
  std::string name;
  std::string uuid;
  std::string printer;
  /// The spooler has a job with this number, but it is not the one asked about (the number
  /// was handed out again, e.g. after cupsd lost its job files in a crash): state is Unknown.
  bool foreign = false;
};

/// The text every job name of ours carries: "PrintRelay <job id>".
std::string spoolerJobTag(std::string_view jobId);

/// Which spooler job is ours: the number the spooler gave it and what tells it apart from
/// another job that gets the same number later.
struct SpoolerJobRef {
  std::string printer;
  int id = 0;
  std::string tag;  ///< what the job's name carries (spoolerJobTag of our job id)
  std::string uuid; ///< job-uuid recorded right after Create-Job; empty when none
};

/// True when `status`, the spooler's answer about `ref.id`, describes the job `ref` names:
/// its name carries the tag (as a whole word), its job-uuid equals the recorded one (when one
/// was recorded) and its printer is ref's (when the spooler says).
bool isOurs(const SpoolerJobRef& ref, const SpoolerJobStatus& status);

/// A job just created at the spooler.
struct CreatedJob {
  int id = 0;
  std::string uuid; ///< job-uuid (CUPS); empty on Windows
};

/// The document format the spooler is told for a document of `contentType` (one of the four
/// kinds orders carry: application/pdf, image/png, image/jpeg, text/plain; parameters such as
/// "; charset=utf-8" ignored). Never auto-typing: anything else throws
/// Error{"spooler_format_unsupported"}.
std::string spoolerFormatFor(std::string_view contentType);

/// What the spooler's own configuration means for documents at rest (for diagnose).
struct SpoolSafety {
  /// Whether the spooler keeps a job's document after it printed (CUPS PreserveJobFiles);
  /// nullopt when it cannot tell (`problem` says why).
  std::optional<bool> keepsDocuments;
  std::string keepsDocumentsSetting; ///< e.g. "PreserveJobFiles No", "not set (default: 1 day)"
  std::string source;                ///< where the setting was read
  std::string spoolDir;              ///< where documents wait while they print
  std::optional<bool> spoolOnTmpfs;  ///< nullopt when unknown
  std::string problem;               ///< why something could not be read
};

/// Streams one document into a created spooler job. Destroying a writer that was neither
/// finished nor aborted aborts it.
class DocumentWriter {
public:
  virtual ~DocumentWriter() = default;
  /// Sends the next bytes of the document.
  virtual void write(std::span<const std::uint8_t> data) = 0;
  /// Ends the document; the spooler may start printing after this returns.
  virtual void finish() = 0;
  /// Stops sending without completing the document (the caller cancels the job).
  virtual void abort() noexcept = 0;
};

/// A print spooler (CUPS, the Windows spooler).
class PrintBackend {
public:
  virtual ~PrintBackend() = default;

  /// The destinations the spooler knows.
  virtual std::vector<PrinterInfo> listPrinters() = 0;
  /// The name of `configured`, or of the default destination when it is empty; throws
  /// printer_not_found when there is no such destination.
  virtual std::string resolvePrinter(const std::string& configured) = 0;
  /// What one destination can do: media, sides, color modes, copies range, page ranges,
  /// number-up, orientations and document formats.
  virtual PrinterCapabilities capabilities(const std::string& printer) = 0;
  /// Creates a job named `title` that waits for its document of `contentType` (declared with
  /// spoolerFormatFor). Returns its number and job-uuid.
  virtual CreatedJob createJob(const std::string& printer, const std::string& title,
                               const protocol::PrintOptions& options,
                               const std::string& contentType) = 0;
  /// Starts the (only) document of a created job, declared as spoolerFormatFor(contentType).
  virtual std::unique_ptr<DocumentWriter> startDocument(const std::string& printer, int jobId,
                                                        const std::string& documentName,
                                                        const std::string& contentType) = 0;
  /// Asks the spooler what became of our job: by printer and number, then checked with
  /// isOurs. A job with that number that is not ours answers Unknown with `foreign` set.
  SpoolerJobStatus jobStatus(const SpoolerJobRef& job);
  /// Cancels our job; a job that already ended is not an error. A job that is not ours (or no
  /// longer known) is left alone: returns false, nothing was cancelled.
  bool cancelJob(const SpoolerJobRef& job);
  /// Removes our ended job and its document files from the spooler (CUPS keeps them for a day
  /// by default). A job that is not ours, or that the spooler no longer has, is left alone
  /// (false).
  bool purgeJob(const SpoolerJobRef& job);
  /// Reads the spooler settings that decide whether documents stay on disk. Default: unknown.
  virtual SpoolSafety spoolSafety() {
    SpoolSafety unknown;
    unknown.problem = "this print backend cannot tell";
    return unknown;
  }

protected:
  /// What the spooler says about job number `jobId` on `printer`, whoever's it is (its name,
  /// uuid and printer filled in); Unknown when it has no such job.
  virtual SpoolerJobStatus queryJob(const std::string& printer, int jobId) = 0;
  /// Cancels job number `jobId` (already checked to be ours); an ended job is not an error.
  virtual void cancelJobNumber(const std::string& printer, int jobId) = 0;
  /// Purges job number `jobId` (already checked to be ours). Default: nothing to purge.
  virtual void purgeJobNumber(const std::string& /*printer*/, int /*jobId*/) {}
};

/// The platform's backend (defined in the backend file CMake compiles), pointed at the
/// configured spooler.
std::unique_ptr<PrintBackend> makePrintBackend(const Settings& settings);

} // namespace printrelay::agent
