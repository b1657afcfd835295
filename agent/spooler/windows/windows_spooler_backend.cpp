// The Windows spooler backend, through winspool: printers from EnumPrintersW, capabilities
// from DeviceCapabilitiesW, one job = OpenPrinterW (with the job's DEVMODE) → StartDocPrinterW
// (datatype TEXT for text, RAW for the rest) → WritePrinter … → EndDocPrinter, its state and
// document name from GetJobW, cancel with SetJobW.
// What the numbers mean lives in windows_spooler_mapping.cpp, which is tested on every platform.
#include "agent/daemon/agent_config.h"
#include "agent/platform/windows/windows_text.h"
#include "agent/spooler/print_backend.h"
#include "agent/spooler/windows/windows_spooler_mapping.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <windows.h>
#include <winspool.h>

namespace printrelay::agent {
namespace {

namespace ws = winspool;

// The mapping mirrors these headers' values; make sure it does.
static_assert(ws::job_status::kPaused == JOB_STATUS_PAUSED);
static_assert(ws::job_status::kError == JOB_STATUS_ERROR);
static_assert(ws::job_status::kDeleting == JOB_STATUS_DELETING);
static_assert(ws::job_status::kSpooling == JOB_STATUS_SPOOLING);
static_assert(ws::job_status::kPrinting == JOB_STATUS_PRINTING);
static_assert(ws::job_status::kOffline == JOB_STATUS_OFFLINE);
static_assert(ws::job_status::kPaperOut == JOB_STATUS_PAPEROUT);
static_assert(ws::job_status::kPrinted == JOB_STATUS_PRINTED);
static_assert(ws::job_status::kDeleted == JOB_STATUS_DELETED);
static_assert(ws::job_status::kBlockedDevq == JOB_STATUS_BLOCKED_DEVQ);
static_assert(ws::job_status::kUserIntervention == JOB_STATUS_USER_INTERVENTION);
static_assert(ws::job_status::kRestart == JOB_STATUS_RESTART);
static_assert(ws::job_status::kComplete == JOB_STATUS_COMPLETE);
static_assert(ws::printer_status::kPaused == PRINTER_STATUS_PAUSED);
static_assert(ws::printer_status::kError == PRINTER_STATUS_ERROR);
static_assert(ws::printer_status::kPendingDeletion == PRINTER_STATUS_PENDING_DELETION);
static_assert(ws::printer_status::kPaperJam == PRINTER_STATUS_PAPER_JAM);
static_assert(ws::printer_status::kPaperOut == PRINTER_STATUS_PAPER_OUT);
static_assert(ws::printer_status::kManualFeed == PRINTER_STATUS_MANUAL_FEED);
static_assert(ws::printer_status::kPaperProblem == PRINTER_STATUS_PAPER_PROBLEM);
static_assert(ws::printer_status::kOffline == PRINTER_STATUS_OFFLINE);
static_assert(ws::printer_status::kIoActive == PRINTER_STATUS_IO_ACTIVE);
static_assert(ws::printer_status::kBusy == PRINTER_STATUS_BUSY);
static_assert(ws::printer_status::kPrinting == PRINTER_STATUS_PRINTING);
static_assert(ws::printer_status::kNotAvailable == PRINTER_STATUS_NOT_AVAILABLE);
static_assert(ws::printer_status::kProcessing == PRINTER_STATUS_PROCESSING);
static_assert(ws::printer_status::kDoorOpen == PRINTER_STATUS_DOOR_OPEN);
static_assert(ws::printer_status::kUserIntervention == PRINTER_STATUS_USER_INTERVENTION);
static_assert(ws::printer_status::kNoToner == PRINTER_STATUS_NO_TONER);
static_assert(ws::printer_status::kTonerLow == PRINTER_STATUS_TONER_LOW);
static_assert(ws::printer_status::kOutputBinFull == PRINTER_STATUS_OUTPUT_BIN_FULL);
static_assert(ws::devmode::kPaperLetter == DMPAPER_LETTER);
static_assert(ws::devmode::kPaperTabloid == DMPAPER_TABLOID);
static_assert(ws::devmode::kPaperLedger == DMPAPER_LEDGER);
static_assert(ws::devmode::kPaperLegal == DMPAPER_LEGAL);
static_assert(ws::devmode::kPaperExecutive == DMPAPER_EXECUTIVE);
static_assert(ws::devmode::kPaperA3 == DMPAPER_A3);
static_assert(ws::devmode::kPaperA4 == DMPAPER_A4);
static_assert(ws::devmode::kPaperA5 == DMPAPER_A5);
static_assert(ws::devmode::kPaperB4 == DMPAPER_B4);
static_assert(ws::devmode::kPaperB5 == DMPAPER_B5);
static_assert(ws::devmode::kPaperEnv10 == DMPAPER_ENV_10);
static_assert(ws::devmode::kPaperEnvDl == DMPAPER_ENV_DL);
static_assert(ws::devmode::kPaperEnvC5 == DMPAPER_ENV_C5);
static_assert(ws::devmode::kPaperA6 == DMPAPER_A6);
static_assert(ws::devmode::kDuplexSimplex == DMDUP_SIMPLEX);
static_assert(ws::devmode::kDuplexVertical == DMDUP_VERTICAL);
static_assert(ws::devmode::kDuplexHorizontal == DMDUP_HORIZONTAL);
static_assert(ws::devmode::kColorMonochrome == DMCOLOR_MONOCHROME);
static_assert(ws::devmode::kColorColor == DMCOLOR_COLOR);
static_assert(ws::devmode::kOrientPortrait == DMORIENT_PORTRAIT);
static_assert(ws::devmode::kOrientLandscape == DMORIENT_LANDSCAPE);
static_assert(ws::win32_error::kFileNotFound == ERROR_FILE_NOT_FOUND);
static_assert(ws::win32_error::kAccessDenied == ERROR_ACCESS_DENIED);
static_assert(ws::win32_error::kInvalidHandle == ERROR_INVALID_HANDLE);
static_assert(ws::win32_error::kNotReady == ERROR_NOT_READY);
static_assert(ws::win32_error::kPrintQueueFull == ERROR_PRINTQ_FULL);
static_assert(ws::win32_error::kPrintCancelled == ERROR_PRINT_CANCELLED);
static_assert(ws::win32_error::kInvalidParameter == ERROR_INVALID_PARAMETER);
static_assert(ws::win32_error::kRpcServerUnavailable == RPC_S_SERVER_UNAVAILABLE);
static_assert(ws::win32_error::kInvalidPrinterName == ERROR_INVALID_PRINTER_NAME);
static_assert(ws::win32_error::kInvalidDatatype == ERROR_INVALID_DATATYPE);
static_assert(ws::win32_error::kPrinterDeleted == ERROR_PRINTER_DELETED);
static_assert(ws::win32_error::kSpoolerNotRunning == EPT_S_NOT_REGISTERED);
static_assert(ws::win32_error::kPrinterNotFound == ERROR_PRINTER_NOT_FOUND);

/// Turns a failed winspool call into the backend's error codes.
[[noreturn]] void throwWin32(DWORD error, const std::string& what) {
  throw Error(std::string(ws::errorCodeFor(error)), what + ": " + win32::errorMessage(error));
}

/// Closes a printer handle (HANDLE from OpenPrinterW) when it goes out of scope.
struct PrinterCloser {
  void operator()(HANDLE printer) const { ClosePrinter(printer); }
};
using PrinterHandle = std::unique_ptr<std::remove_pointer_t<HANDLE>, PrinterCloser>;

/// A byte buffer aligned for the structures winspool writes into it.
class Buffer {
public:
  explicit Buffer(std::size_t bytes = 0) : words_((bytes + 7) / 8 + 1) {}
  BYTE* bytes() { return reinterpret_cast<BYTE*>(words_.data()); }
  DWORD size() const { return static_cast<DWORD>(words_.size() * 8); }
  template <typename T> T* as() { return reinterpret_cast<T*>(words_.data()); }

private:
  std::vector<std::uint64_t> words_;
};

PrinterHandle openPrinter(const std::string& printer, PRINTER_DEFAULTSW* defaults = nullptr) {
  std::wstring name = win32::widen(printer);
  HANDLE handle = nullptr;
  if (!OpenPrinterW(name.data(), &handle, defaults)) {
    const DWORD error = GetLastError();
    throwWin32(error, "cannot open printer '" + printer + "'");
  }
  return PrinterHandle(handle);
}

std::optional<std::string> defaultPrinter() {
  DWORD size = 0;
  GetDefaultPrinterW(nullptr, &size);
  if (size == 0) {
    return std::nullopt;
  }
  std::wstring name(size, L'\0');
  if (!GetDefaultPrinterW(name.data(), &size)) {
    return std::nullopt;
  }
  return win32::narrow(name.c_str(), name.size());
}

/// The printer's default DEVMODE from its driver (DocumentPropertiesW, DM_OUT_BUFFER).
Buffer defaultDevMode(HANDLE printer, const std::string& name) {
  std::wstring wide = win32::widen(name);
  const LONG size = DocumentPropertiesW(nullptr, printer, wide.data(), nullptr, nullptr, 0);
  if (size <= 0) {
    throwWin32(GetLastError(), "the driver of '" + name + "' reports no DEVMODE");
  }
  Buffer devMode(static_cast<std::size_t>(size));
  if (DocumentPropertiesW(nullptr, printer, wide.data(), devMode.as<DEVMODEW>(), nullptr,
                          DM_OUT_BUFFER) != IDOK) {
    throwWin32(GetLastError(), "the driver of '" + name + "' did not give its DEVMODE");
  }
  return devMode;
}

/// DC_PAPERS with DC_PAPERNAMES of one printer.
std::vector<ws::DriverPaper> driverPapers(const std::wstring& device, const std::wstring& port) {
  std::vector<ws::DriverPaper> papers;
  const int count = DeviceCapabilitiesW(device.c_str(), port.c_str(), DC_PAPERS, nullptr, nullptr);
  if (count <= 0) {
    return papers;
  }
  std::vector<WORD> ids(static_cast<std::size_t>(count));
  if (DeviceCapabilitiesW(device.c_str(), port.c_str(), DC_PAPERS,
                          reinterpret_cast<LPWSTR>(ids.data()), nullptr) != count) {
    return papers;
  }
  constexpr std::size_t kNameSize = 64; // DC_PAPERNAMES: 64 characters per name
  std::vector<wchar_t> names(static_cast<std::size_t>(count) * kNameSize, L'\0');
  const bool haveNames = DeviceCapabilitiesW(device.c_str(), port.c_str(), DC_PAPERNAMES,
                                             names.data(), nullptr) == count;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ws::DriverPaper paper;
    paper.id = static_cast<short>(ids[i]);
    if (haveNames) {
      paper.name = win32::narrow(names.data() + i * kNameSize, kNameSize);
    }
    papers.push_back(std::move(paper));
  }
  return papers;
}

/// The port a printer is on (DeviceCapabilitiesW wants it).
std::wstring portOf(HANDLE printer) {
  DWORD needed = 0;
  GetPrinterW(printer, 2, nullptr, 0, &needed);
  if (needed == 0) {
    return {};
  }
  Buffer info(needed);
  if (!GetPrinterW(printer, 2, info.bytes(), info.size(), &needed)) {
    return {};
  }
  const auto* p = info.as<PRINTER_INFO_2W>();
  return p->pPortName != nullptr ? std::wstring(p->pPortName) : std::wstring();
}

/// A DEVMODE for a job: the driver's defaults with the requested fields the driver supports,
/// merged and checked by the driver.
Buffer jobDevMode(HANDLE printer, const std::string& name, const ws::DevModeRequest& request) {
  Buffer devMode = defaultDevMode(printer, name);
  auto* dm = devMode.as<DEVMODEW>();
  const DWORD supported = dm->dmFields;
  DWORD fields = 0;
  // Each requested field the driver supports is set and marked.
  const auto apply = [&](const std::optional<short>& value, DWORD flag, short& field) {
    if (value && (supported & flag) != 0) {
      field = *value;
      fields |= flag;
    }
  };
  apply(request.copies, DM_COPIES, dm->dmCopies);
  apply(request.paperSize, DM_PAPERSIZE, dm->dmPaperSize);
  apply(request.duplex, DM_DUPLEX, dm->dmDuplex);
  apply(request.color, DM_COLOR, dm->dmColor);
  apply(request.orientation, DM_ORIENTATION, dm->dmOrientation);
  dm->dmFields = supported | fields;
  Buffer merged(devMode.size());
  std::wstring wide = win32::widen(name);
  if (DocumentPropertiesW(nullptr, printer, wide.data(), merged.as<DEVMODEW>(), dm,
                          DM_IN_BUFFER | DM_OUT_BUFFER) != IDOK) {
    return devMode; // the driver would not merge: keep what it gave, with our fields
  }
  return merged;
}

/// A job between StartDocPrinterW and EndDocPrinter/AbortPrinter. Destroying it while the
/// document is open aborts the document (the spooler deletes the job).
class OpenDocument {
public:
  explicit OpenDocument(PrinterHandle printer) : printer_(std::move(printer)) {}
  OpenDocument(const OpenDocument&) = delete;
  OpenDocument& operator=(const OpenDocument&) = delete;
  ~OpenDocument() { abort(); }

  HANDLE handle() const { return printer_.get(); }
  /// EndPagePrinter + EndDocPrinter; throws when the spooler refuses the end of the document.
  void end(int jobId) {
    if (!printer_) {
      throw Error("spooler_write_failed", "the document stream is closed");
    }
    EndPagePrinter(printer_.get());
    const BOOL ended = EndDocPrinter(printer_.get());
    const DWORD error = GetLastError();
    printer_.reset();
    if (!ended) {
      throwWin32(error, "the spooler did not accept the document of job " + std::to_string(jobId));
    }
  }
  void abort() noexcept {
    if (printer_) {
      AbortPrinter(printer_.get());
      printer_.reset();
    }
  }

private:
  PrinterHandle printer_;
};

/// Streams one document with WritePrinter.
class SpoolerDocumentWriter : public DocumentWriter {
public:
  SpoolerDocumentWriter(std::unique_ptr<OpenDocument> document, int jobId,
                        std::function<void()> onEnded)
      : document_(std::move(document)), jobId_(jobId), onEnded_(std::move(onEnded)) {}
  ~SpoolerDocumentWriter() override { abort(); }

  void write(std::span<const std::uint8_t> data) override {
    if (!document_) {
      throw Error("spooler_write_failed", "the document stream is closed");
    }
    while (!data.empty()) {
      const DWORD piece = static_cast<DWORD>(std::min<std::size_t>(data.size(), 1u << 20));
      DWORD written = 0;
      if (!WritePrinter(document_->handle(), const_cast<std::uint8_t*>(data.data()), piece,
                        &written) ||
          written == 0) {
        const DWORD error = GetLastError();
        throw Error("spooler_write_failed",
                    "sending job " + std::to_string(jobId_) +
                        " to the spooler failed: " + win32::errorMessage(error));
      }
      data = data.subspan(written);
    }
  }

  void finish() override {
    if (!document_) {
      throw Error("spooler_write_failed", "the document stream is closed");
    }
    std::unique_ptr<OpenDocument> document = std::move(document_);
    document->end(jobId_);
    onEnded_();
  }

  void abort() noexcept override { document_.reset(); }

private:
  std::unique_ptr<OpenDocument> document_;
  int jobId_;
  std::function<void()> onEnded_;
};

/// The local Windows print spooler.
class WindowsSpoolerBackend : public PrintBackend {
public:
  std::vector<PrinterInfo> listPrinters() override {
    const DWORD flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS;
    DWORD needed = 0;
    DWORD count = 0;
    EnumPrintersW(flags, nullptr, 2, nullptr, 0, &needed, &count);
    std::vector<PrinterInfo> out;
    if (needed == 0) {
      const DWORD error = GetLastError();
      if (error != ERROR_SUCCESS && error != ERROR_INSUFFICIENT_BUFFER) {
        throwWin32(error, "listing the printers failed");
      }
      return out;
    }
    Buffer buffer(needed);
    if (!EnumPrintersW(flags, nullptr, 2, buffer.bytes(), buffer.size(), &needed, &count)) {
      throwWin32(GetLastError(), "listing the printers failed");
    }
    const std::optional<std::string> defaultName = defaultPrinter();
    const auto* printers = buffer.as<PRINTER_INFO_2W>();
    for (DWORD i = 0; i < count; ++i) {
      const PRINTER_INFO_2W& p = printers[i];
      auto text = [](const wchar_t* value) {
        return value != nullptr ? win32::narrow(std::wstring_view(value)) : std::string();
      };
      PrinterInfo info;
      info.name = text(p.pPrinterName);
      info.isDefault = defaultName && *defaultName == info.name;
      const ws::PrinterStateView state = ws::printerStateFromBits(p.Status);
      info.state = state.state;
      info.accepting = state.accepting;
      info.reasons = state.reasons;
      info.info = text(p.pComment);
      info.location = text(p.pLocation);
      info.makeAndModel = text(p.pDriverName);
      out.push_back(std::move(info));
    }
    return out;
  }

  std::string resolvePrinter(const std::string& configured) override {
    if (configured.empty()) {
      const auto name = defaultPrinter();
      if (!name) {
        throw Error("printer_not_found",
                    "Windows has no default printer; set 'printer' in the agent configuration");
      }
      return *name;
    }
    openPrinter(configured); // throws printer_not_found for an unknown name
    return configured;
  }

  PrinterCapabilities capabilities(const std::string& printer) override {
    PrinterHandle handle = openPrinter(printer);
    const std::wstring device = win32::widen(printer);
    const std::wstring port = portOf(handle.get());
    const auto papers = driverPapers(device, port);
    const int duplex =
        DeviceCapabilitiesW(device.c_str(), port.c_str(), DC_DUPLEX, nullptr, nullptr);
    const int color =
        DeviceCapabilitiesW(device.c_str(), port.c_str(), DC_COLORDEVICE, nullptr, nullptr);
    const int copies =
        DeviceCapabilitiesW(device.c_str(), port.c_str(), DC_COPIES, nullptr, nullptr);
    const int landscape =
        DeviceCapabilitiesW(device.c_str(), port.c_str(), DC_ORIENTATION, nullptr, nullptr);
    std::optional<short> defaultPaper;
    try {
      Buffer devMode = defaultDevMode(handle.get(), printer);
      if ((devMode.as<DEVMODEW>()->dmFields & DM_PAPERSIZE) != 0) {
        defaultPaper = devMode.as<DEVMODEW>()->dmPaperSize;
      }
    } catch (const Error&) {
      // No default DEVMODE: the default media is simply not reported.
    }
    return ws::capabilitiesFrom(papers, duplex, color, copies, defaultPaper, landscape);
  }

  CreatedJob createJob(const std::string& printer, const std::string& title,
                       const protocol::PrintOptions& options,
                       const std::string& contentType) override {
    std::wstring datatype = win32::widen(ws::datatypeFor(spoolerFormatFor(contentType)));
    Buffer devMode;
    {
      PrinterHandle query = openPrinter(printer);
      const auto papers = driverPapers(win32::widen(printer), portOf(query.get()));
      const ws::DevModeRequest request = ws::devModeFor(options, papers);
      for (const auto& option : request.ignored) {
        // Routing keeps such jobs away (the abilities do not offer them); say so if one came.
        log::printer(log::Level::Warning, printer,
                     "cannot apply " + option +
                         " to a RAW document through the DEVMODE; printing without it");
      }
      devMode = jobDevMode(query.get(), printer, request);
    }
    PRINTER_DEFAULTSW defaults{};
    defaults.pDatatype = datatype.data();
    defaults.pDevMode = devMode.as<DEVMODEW>();
    defaults.DesiredAccess = PRINTER_ACCESS_USE;
    auto document = std::make_unique<OpenDocument>(openPrinter(printer, &defaults));

    const std::string name = title.empty() ? std::string("PrintRelay job") : title;
    std::wstring docName = win32::widen(name);
    DOC_INFO_1W info{};
    info.pDocName = docName.data();
    info.pOutputFile = nullptr;
    info.pDatatype = datatype.data();
    const DWORD jobId = StartDocPrinterW(document->handle(), 1, reinterpret_cast<BYTE*>(&info));
    if (jobId == 0) {
      const DWORD error = GetLastError();
      document.reset();
      throwWin32(error, "the spooler refused to create a job on '" + printer + "'");
    }
    if (!StartPagePrinter(document->handle())) {
      throwWin32(GetLastError(), "the spooler refused job " + std::to_string(jobId));
    }
    std::lock_guard lock(mutex_);
    open_[static_cast<int>(jobId)] = std::move(document);
    seen_[static_cast<int>(jobId)] = Seen{ws::VanishedJobHint::NeverSeen, name};
    // Windows has no job-uuid; the document name (which carries our job id) identifies it.
    return CreatedJob{static_cast<int>(jobId), {}};
  }

  std::unique_ptr<DocumentWriter> startDocument(const std::string& /*printer*/, int jobId,
                                                const std::string& /*documentName*/,
                                                const std::string& /*contentType*/) override {
    std::unique_ptr<OpenDocument> document;
    {
      std::lock_guard lock(mutex_);
      const auto it = open_.find(jobId);
      if (it == open_.end()) {
        throw Error("spooler_refused", "spooler job " + std::to_string(jobId) +
                                           " was not created by this agent process");
      }
      document = std::move(it->second);
      open_.erase(it);
    }
    // The datatype was fixed at StartDocPrinterW (createJob): a PDF or image goes to the
    // printer as it is (RAW) and must be in a language the printer understands; text is TEXT.
    return std::make_unique<SpoolerDocumentWriter>(std::move(document), jobId, [this, jobId] {
      std::lock_guard lock(mutex_);
      seen_[jobId].hint = ws::VanishedJobHint::DocumentEnded;
    });
  }

protected:
  SpoolerJobStatus queryJob(const std::string& printer, int jobId) override {
    PrinterHandle handle = openPrinter(printer);
    DWORD needed = 0;
    GetJobW(handle.get(), static_cast<DWORD>(jobId), 1, nullptr, 0, &needed);
    DWORD error = GetLastError();
    if (needed > 0) {
      Buffer buffer(needed);
      if (GetJobW(handle.get(), static_cast<DWORD>(jobId), 1, buffer.bytes(), buffer.size(),
                  &needed)) {
        const JOB_INFO_1W* info = buffer.as<JOB_INFO_1W>();
        SpoolerJobStatus status = ws::jobStatusFromBits(info->Status);
        if (info->pDocument != nullptr) {
          status.name = win32::narrow(std::wstring_view(info->pDocument));
        }
        if (info->pPrinterName != nullptr) {
          status.printer = win32::narrow(std::wstring_view(info->pPrinterName));
        }
        std::lock_guard lock(mutex_);
        Seen& seen = seen_[jobId];
        seen.name = status.name;
        if (!open_.contains(jobId)) {
          seen.hint = ws::hintFromLastSeen(status);
        }
        return status;
      }
      error = GetLastError();
    }
    if (error != ERROR_INVALID_PARAMETER) {
      throwWin32(error, "asking the spooler about job " + std::to_string(jobId) + " failed");
    }
    // Gone from the queue: Windows removes printed jobs, so what we saw last decides, and the
    // name we saw last says whose it was.
    std::lock_guard lock(mutex_);
    const auto seen = seen_.find(jobId);
    if (seen == seen_.end()) {
      return ws::vanishedJobStatus(ws::VanishedJobHint::NeverSeen);
    }
    SpoolerJobStatus status = ws::vanishedJobStatus(seen->second.hint);
    status.name = seen->second.name;
    return status;
  }

  void cancelJobNumber(const std::string& printer, int jobId) override {
    {
      std::lock_guard lock(mutex_);
      seen_[jobId].hint = ws::VanishedJobHint::CancelRequested;
      if (const auto it = open_.find(jobId); it != open_.end()) {
        open_.erase(it); // AbortPrinter: the spooler deletes the job with its partial document
        return;
      }
    }
    PrinterHandle handle = openPrinter(printer);
    if (SetJobW(handle.get(), static_cast<DWORD>(jobId), 0, nullptr, JOB_CONTROL_DELETE)) {
      return;
    }
    DWORD error = GetLastError();
    if (error == ERROR_INVALID_PARAMETER) {
      return; // no such job any more: it already ended
    }
    if (SetJobW(handle.get(), static_cast<DWORD>(jobId), 0, nullptr, JOB_CONTROL_CANCEL)) {
      return;
    }
    error = GetLastError();
    if (error != ERROR_INVALID_PARAMETER) {
      throwWin32(error, "cancelling spooler job " + std::to_string(jobId) + " failed");
    }
  }

private:
  /// What this process last knew of a job number, for when the spooler stops listing it.
  struct Seen {
    ws::VanishedJobHint hint = ws::VanishedJobHint::NeverSeen;
    std::string name; ///< the document name last seen (or given) under that number
  };

  std::mutex mutex_;
  std::map<int, std::unique_ptr<OpenDocument>> open_; ///< created, document not started yet
  std::map<int, Seen> seen_;
};

} // namespace

std::unique_ptr<PrintBackend> makePrintBackend(const Settings& /*settings*/) {
  return std::make_unique<WindowsSpoolerBackend>();
}

} // namespace printrelay::agent
