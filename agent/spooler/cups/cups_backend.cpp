#include "agent/spooler/cups/cups_backend.h"

#include "agent/daemon/agent_config.h"
#include "agent/spooler/cups_config_text.h"
#include "common/util/error.h"
#include "common/util/text.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cups/cups.h>
#include <filesystem>
#include <linux/magic.h>
#include <memory>
#include <optional>
#include <string_view>
#include <sys/vfs.h>

namespace printrelay::agent {
namespace {

struct HttpCloser {
  void operator()(http_t* http) const { httpClose(http); }
};
using HttpPtr = std::unique_ptr<http_t, HttpCloser>;

struct IppDeleter {
  void operator()(ipp_t* ipp) const { ippDelete(ipp); }
};
using IppPtr = std::unique_ptr<ipp_t, IppDeleter>;

/// Frees a cups_dest_t array of `count` entries.
struct DestsDeleter {
  int count = 0;
  void operator()(cups_dest_t* dests) const { cupsFreeDests(count, dests); }
};
using DestArray = std::unique_ptr<cups_dest_t, DestsDeleter>;

/// A cups_option_t list that frees itself.
class OptionList {
public:
  OptionList() = default;
  OptionList(const OptionList&) = delete;
  OptionList& operator=(const OptionList&) = delete;
  ~OptionList() { cupsFreeOptions(count_, options_); }

  void add(const std::string& name, const std::string& value) {
    count_ = cupsAddOption(name.c_str(), value.c_str(), count_, &options_);
  }
  int count() const { return count_; }
  cups_option_t* options() const { return options_; }

private:
  int count_ = 0;
  cups_option_t* options_ = nullptr;
};

std::string lastErrorText() {
  const char* text = cupsLastErrorString();
  return text != nullptr ? text : ippErrorString(cupsLastError());
}

/// Turns an IPP status into the backend's error codes.
[[noreturn]] void throwIpp(ipp_status_t status, const std::string& what) {
  const std::string message = what + ": " + lastErrorText();
  switch (status) {
  case IPP_STATUS_ERROR_NOT_FOUND:
    throw Error("printer_not_found", message);
  case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS:
  case IPP_STATUS_ERROR_PRINTER_IS_DEACTIVATED:
    throw Error("printer_not_accepting", message);
  case IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED:
  case IPP_STATUS_ERROR_DOCUMENT_UNPRINTABLE:
    throw Error("spooler_format_unsupported", message);
  case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE:
  case IPP_STATUS_ERROR_INTERNAL:
  case IPP_STATUS_ERROR_BUSY:
  case IPP_STATUS_ERROR_TEMPORARY:
  case IPP_STATUS_ERROR_DEVICE:
    throw Error("spooler_unavailable", message);
  default:
    throw Error("spooler_refused", message);
  }
}

bool ippOk(ipp_status_t status) {
  return status <= IPP_STATUS_OK_CONFLICTING;
}

std::string printerUri(const std::string& printer) {
  char uri[HTTP_MAX_URI];
  httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof uri, "ipp", nullptr, "localhost", ippPort(),
                   "/printers/%s", printer.c_str());
  return uri;
}

std::vector<std::string> stringValues(ipp_t* response, const char* name) {
  std::vector<std::string> out;
  ipp_attribute_t* attr = ippFindAttribute(response, name, IPP_TAG_ZERO);
  if (attr == nullptr) {
    return out;
  }
  for (int i = 0; i < ippGetCount(attr); ++i) {
    if (const char* value = ippGetString(attr, i, nullptr); value != nullptr) {
      out.emplace_back(value);
    }
  }
  return out;
}

const char* optionValue(const cups_dest_t& dest, const char* name) {
  return cupsGetOption(name, dest.num_options, dest.options);
}

/// Sends the document bytes of one job over its own connection.
class CupsDocumentWriter : public DocumentWriter {
public:
  CupsDocumentWriter(HttpPtr http, std::string printer, int jobId)
      : http_(std::move(http)), printer_(std::move(printer)), jobId_(jobId) {}
  ~CupsDocumentWriter() override { abort(); }

  void write(std::span<const std::uint8_t> data) override {
    if (!http_) {
      throw Error("spooler_write_failed", "the document stream is closed");
    }
    if (data.empty()) {
      return;
    }
    if (cupsWriteRequestData(http_.get(), reinterpret_cast<const char*>(data.data()),
                             data.size()) != HTTP_STATUS_CONTINUE) {
      throw Error("spooler_write_failed",
                  "sending job " + std::to_string(jobId_) + " to CUPS failed: " + lastErrorText());
    }
  }

  void finish() override {
    if (!http_) {
      throw Error("spooler_write_failed", "the document stream is closed");
    }
    const ipp_status_t status = cupsFinishDocument(http_.get(), printer_.c_str());
    http_.reset();
    if (!ippOk(status)) {
      throwIpp(status, "CUPS did not accept the document of job " + std::to_string(jobId_));
    }
  }

  void abort() noexcept override {
    // Closing the connection in the middle of Send-Document leaves the job without a complete
    // document; CUPS discards the partial request and the caller cancels the job.
    http_.reset();
  }

private:
  HttpPtr http_;
  std::string printer_;
  int jobId_;
};

SpoolerJobState stateFromIpp(int value) {
  // SpoolerJobState lists the IPP job states in their order, pending (3) to completed (9).
  static_assert(static_cast<int>(SpoolerJobState::Completed) ==
                IPP_JSTATE_COMPLETED - IPP_JSTATE_PENDING);
  return value >= IPP_JSTATE_PENDING && value <= IPP_JSTATE_COMPLETED
             ? static_cast<SpoolerJobState>(value - IPP_JSTATE_PENDING)
             : SpoolerJobState::Unknown;
}

/// The queue a job is on, from its job-printer-uri (ipp://host/printers/NAME or /classes/NAME).
std::string queueOf(ipp_t* response) {
  ipp_attribute_t* uri = ippFindAttribute(response, "job-printer-uri", IPP_TAG_URI);
  const char* text = uri != nullptr ? ippGetString(uri, 0, nullptr) : nullptr;
  if (text == nullptr) {
    return {};
  }
  const std::string_view value(text);
  const auto slash = value.rfind('/');
  return std::string(slash == std::string_view::npos ? value : value.substr(slash + 1));
}

std::string firstString(ipp_t* response, const char* name) {
  const auto values = stringValues(response, name);
  return values.empty() ? std::string() : values.front();
}

/// printer-state-reasons as cupsGetDests2 gives them (comma-separated), without "none".
std::vector<std::string> splitReasons(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty() && item != "none") {
      out.push_back(std::move(item));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

HttpPtr connectTo(const std::string& host, int port) {
  HttpPtr http(
      httpConnect2(host.c_str(), port, nullptr, AF_UNSPEC, cupsEncryption(), 1, 30000, nullptr));
  if (!http) {
    throw Error("spooler_unavailable",
                "cannot connect to CUPS at " + host +
                    (host.starts_with("/") ? "" : ":" + std::to_string(port)) +
                    "; is the CUPS scheduler running?");
  }
  return http;
}

/// GETs a file the scheduler serves (cupsd.conf at /admin/conf/) into memory; throws when
/// it refuses (non-admin users get 401/403).
std::string fetchServerFile(http_t* http, const char* resource) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  if (!file) {
    throw Error("spooler_refused", std::string("no temporary file: ") + std::strerror(errno));
  }
  const http_status_t status = cupsGetFd(http, resource, fileno(file.get()));
  if (status != HTTP_STATUS_OK) {
    throw Error("spooler_refused",
                std::string("CUPS refused GET ") + resource + " (" + httpStatus(status) + ")");
  }
  std::rewind(file.get());
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0;) {
    text.append(buffer, n);
  }
  return text;
}

/// A printer's abilities from a Get-Printer-Attributes response. Attributes the printer does not
/// report stay at PrinterAbilities' "not reported" defaults.
protocol::PrinterAbilities abilitiesFromIpp(ipp_t* response) {
  protocol::PrinterAbilities caps;
  caps.media = stringValues(response, "media-supported");
  const auto defaults = stringValues(response, "media-default");
  caps.defaultMedia = defaults.empty() ? std::string() : defaults.front();
  caps.sides = stringValues(response, "sides-supported");
  caps.colorModes = stringValues(response, "print-color-mode-supported");
  caps.documentFormats = stringValues(response, "document-format-supported");
  if (ipp_attribute_t* copies = ippFindAttribute(response, "copies-supported", IPP_TAG_RANGE);
      copies != nullptr) {
    int upper = 1;
    caps.copiesMin = ippGetRange(copies, 0, &upper);
    caps.copiesMax = upper;
  }
  if (ipp_attribute_t* ranges =
          ippFindAttribute(response, "page-ranges-supported", IPP_TAG_BOOLEAN);
      ranges != nullptr) {
    caps.pageRanges = ippGetBoolean(ranges, 0) != 0;
  }
  if (ipp_attribute_t* up = ippFindAttribute(response, "number-up-supported", IPP_TAG_ZERO);
      up != nullptr) {
    // A list of integers, or (rarely) a range such as 1-16.
    for (int i = 0; i < ippGetCount(up); ++i) {
      if (ippGetValueTag(up) == IPP_TAG_RANGE) {
        int upper = 0;
        const int lower = ippGetRange(up, i, &upper);
        for (const int n : {1, 2, 4, 6, 9, 16}) {
          if (n >= lower && n <= upper) {
            caps.numberUp.push_back(n);
          }
        }
      } else if (ippGetValueTag(up) == IPP_TAG_INTEGER) {
        caps.numberUp.push_back(ippGetInteger(up, i));
      }
    }
  }
  if (ipp_attribute_t* orientations =
          ippFindAttribute(response, "orientation-requested-supported", IPP_TAG_ENUM);
      orientations != nullptr) {
    static constexpr std::array<const char*, 4> kNames{"portrait", "landscape", "reverse-landscape",
                                                       "reverse-portrait"};
    for (int i = 0; i < ippGetCount(orientations); ++i) {
      const int value = ippGetInteger(orientations, i); // 3 portrait … 6 reverse-portrait
      if (value >= 3 && value <= 6) {
        caps.orientations.emplace_back(kNames[static_cast<std::size_t>(value - 3)]);
      }
    }
  }
  return caps;
}

} // namespace

CupsBackend::CupsBackend(std::string server, std::string configDir)
    : configDir_(std::move(configDir)) {
  if (server.empty()) {
    const char* defaultServer = cupsServer();
    host_ = defaultServer != nullptr ? defaultServer : "localhost";
    port_ = ippPort();
  } else {
    cupsSetServer(server.c_str());
    host_ = server;
    port_ = ippPort();
  }
  // host:port (not for socket paths or bracketed IPv6 literals without a port).
  if (!host_.starts_with("/")) {
    const auto colon = host_.rfind(':');
    const auto bracket = host_.rfind(']');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket) &&
        host_.find(':') == colon) {
      const std::string port = host_.substr(colon + 1);
      if (!port.empty() && port.find_first_not_of("0123456789") == std::string::npos &&
          port.size() <= 5) {
        port_ = std::stoi(port);
        host_ = host_.substr(0, colon);
      }
    }
  }
}

std::vector<PrinterInfo> CupsBackend::listPrinters() {
  HttpPtr http = connectTo(host_, port_);
  cups_dest_t* raw = nullptr;
  const int count = cupsGetDests2(http.get(), &raw);
  DestArray dests(raw, DestsDeleter{count});
  if (count == 0 && cupsLastError() > IPP_STATUS_OK_CONFLICTING &&
      cupsLastError() != IPP_STATUS_ERROR_NOT_FOUND) {
    throwIpp(cupsLastError(), "listing CUPS destinations failed");
  }
  std::vector<PrinterInfo> out;
  for (int i = 0; i < count; ++i) {
    const cups_dest_t& dest = dests.get()[i];
    if (dest.instance != nullptr) {
      continue; // lpoptions instances name the same queue
    }
    PrinterInfo info;
    info.name = dest.name;
    info.isDefault = dest.is_default != 0;
    const char* accepting = optionValue(dest, "printer-is-accepting-jobs");
    info.accepting = accepting == nullptr || std::strcmp(accepting, "true") == 0;
    const char* state = optionValue(dest, "printer-state");
    const int stateValue = state != nullptr ? std::atoi(state) : IPP_PSTATE_IDLE;
    info.state = stateValue == IPP_PSTATE_STOPPED      ? "stopped"
                 : stateValue == IPP_PSTATE_PROCESSING ? "processing"
                                                       : "idle";
    if (const char* v = optionValue(dest, "printer-info"); v != nullptr) {
      info.info = v;
    }
    if (const char* v = optionValue(dest, "printer-location"); v != nullptr) {
      info.location = v;
    }
    if (const char* v = optionValue(dest, "printer-make-and-model"); v != nullptr) {
      info.makeAndModel = v;
    }
    if (const char* v = optionValue(dest, "printer-state-reasons"); v != nullptr) {
      info.reasons = splitReasons(v);
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::string CupsBackend::resolvePrinter(const std::string& configured) {
  HttpPtr http = connectTo(host_, port_);
  DestArray dest(
      cupsGetNamedDest(http.get(), configured.empty() ? nullptr : configured.c_str(), nullptr),
      DestsDeleter{1});
  if (!dest) {
    const ipp_status_t status = cupsLastError();
    if (status != IPP_STATUS_ERROR_NOT_FOUND && status > IPP_STATUS_OK_CONFLICTING) {
      throwIpp(status, "looking up the CUPS destination failed");
    }
    if (configured.empty()) {
      throw Error("printer_not_found",
                  "CUPS has no default destination; set 'printer' in the agent configuration");
    }
    throw Error("printer_not_found", "CUPS has no destination named '" + configured + "'");
  }
  return dest->name;
}

PrinterCapabilities CupsBackend::capabilities(const std::string& printer) {
  HttpPtr http = connectTo(host_, port_);
  IppPtr request(ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES));
  ippAddString(request.get(), IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr,
               printerUri(printer).c_str());
  ippAddString(request.get(), IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr,
               cupsUser());
  static const char* const kRequested[] = {
      "media-supported",          "media-default",
      "sides-supported",          "print-color-mode-supported",
      "copies-supported",         "page-ranges-supported",
      "number-up-supported",      "orientation-requested-supported",
      "document-format-supported"};
  ippAddStrings(request.get(), IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                static_cast<int>(std::size(kRequested)), nullptr, kRequested);
  // cupsDoRequest takes ownership of the request.
  IppPtr response(cupsDoRequest(http.get(), request.release(), "/"));
  if (!response) {
    throwIpp(cupsLastError(), "asking CUPS for the capabilities of '" + printer + "' failed");
  }
  if (!ippOk(ippGetStatusCode(response.get()))) {
    throwIpp(ippGetStatusCode(response.get()),
             "asking CUPS for the capabilities of '" + printer + "' failed");
  }
  return abilitiesFromIpp(response.get());
}

CreatedJob CupsBackend::createJob(const std::string& printer, const std::string& title,
                                  const protocol::PrintOptions& options,
                                  const std::string& contentType) {
  spoolerFormatFor(contentType); // a document CUPS would have to type itself is never sent
  HttpPtr http = connectTo(host_, port_);
  OptionList list;
  for (const auto& [name, value] : ippJobAttributes(options)) {
    list.add(name, value);
  }
  const int jobId =
      cupsCreateJob(http.get(), printer.c_str(), title.c_str(), list.count(), list.options());
  if (jobId <= 0) {
    throwIpp(cupsLastError(), "CUPS refused to create a job on '" + printer + "'");
  }
  // Create-Job's answer has no job-uuid; ask for it at once, while the number is surely ours.
  const SpoolerJobStatus created = queryJob(printer, jobId);
  return CreatedJob{jobId, created.uuid};
}

std::unique_ptr<DocumentWriter> CupsBackend::startDocument(const std::string& printer, int jobId,
                                                           const std::string& documentName,
                                                           const std::string& contentType) {
  // The format we recognised, declared: CUPS never types the bytes itself (a text document
  // that happens to be a PostScript program prints as text).
  const std::string format = spoolerFormatFor(contentType);
  HttpPtr http = connectTo(host_, port_);
  const std::string name = documentName.empty() ? "document" : documentName;
  if (cupsStartDocument(http.get(), printer.c_str(), jobId, name.c_str(), format.c_str(), 1) !=
      HTTP_STATUS_CONTINUE) {
    throwIpp(cupsLastError(), "CUPS refused the document of job " + std::to_string(jobId));
  }
  return std::make_unique<CupsDocumentWriter>(std::move(http), printer, jobId);
}

SpoolerJobStatus CupsBackend::queryJob(const std::string& printer, int jobId) {
  HttpPtr http = connectTo(host_, port_);
  IppPtr request(ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES));
  ippAddString(request.get(), IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr,
               printerUri(printer).c_str());
  ippAddInteger(request.get(), IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", jobId);
  ippAddString(request.get(), IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr,
               cupsUser());
  static const char* const kRequested[] = {"job-state", "job-state-reasons", "number-of-documents",
                                           "job-name",  "job-uuid",          "job-printer-uri"};
  ippAddStrings(request.get(), IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                static_cast<int>(std::size(kRequested)), nullptr, kRequested);
  IppPtr response(cupsDoRequest(http.get(), request.release(), "/jobs/"));
  const ipp_status_t status = response ? ippGetStatusCode(response.get()) : cupsLastError();
  if (status == IPP_STATUS_ERROR_NOT_FOUND) {
    return SpoolerJobStatus{}; // Unknown: the spooler has no record of the job
  }
  if (!response || !ippOk(status)) {
    throwIpp(status, "asking CUPS about job " + std::to_string(jobId) + " failed");
  }
  SpoolerJobStatus out;
  if (ipp_attribute_t* state = ippFindAttribute(response.get(), "job-state", IPP_TAG_ENUM);
      state != nullptr) {
    out.state = stateFromIpp(ippGetInteger(state, 0));
  }
  out.reasons = stringValues(response.get(), "job-state-reasons");
  out.name = firstString(response.get(), "job-name");
  out.uuid = firstString(response.get(), "job-uuid");
  out.printer = queueOf(response.get());
  const bool incoming =
      std::find(out.reasons.begin(), out.reasons.end(), "job-incoming") != out.reasons.end();
  bool noDocuments = false;
  if (ipp_attribute_t* docs =
          ippFindAttribute(response.get(), "number-of-documents", IPP_TAG_INTEGER);
      docs != nullptr) {
    noDocuments = ippGetInteger(docs, 0) == 0;
  }
  out.awaitingDocument =
      (out.state == SpoolerJobState::Pending || out.state == SpoolerJobState::Held) &&
      (incoming || noDocuments);
  return out;
}

void CupsBackend::cancelJobNumber(const std::string& printer, int jobId) {
  HttpPtr http = connectTo(host_, port_);
  const ipp_status_t status = cupsCancelJob2(http.get(), printer.c_str(), jobId, 0);
  // Not possible / not found: the job already ended or is gone, which is what we wanted.
  if (!ippOk(status) && status != IPP_STATUS_ERROR_NOT_POSSIBLE &&
      status != IPP_STATUS_ERROR_NOT_FOUND) {
    throwIpp(status, "cancelling CUPS job " + std::to_string(jobId) + " failed");
  }
}

void CupsBackend::purgeJobNumber(const std::string& printer, int jobId) {
  HttpPtr http = connectTo(host_, port_);
  const ipp_status_t status = cupsCancelJob2(http.get(), printer.c_str(), jobId, 1);
  if (!ippOk(status) && status != IPP_STATUS_ERROR_NOT_FOUND) {
    throwIpp(status, "purging CUPS job " + std::to_string(jobId) + " failed");
  }
}

SpoolSafety CupsBackend::spoolSafety() {
  SpoolSafety out;
  std::optional<std::string> conf;
  std::string fetchProblem;
  try {
    HttpPtr http = connectTo(host_, port_);
    conf = fetchServerFile(http.get(), "/admin/conf/cupsd.conf");
    out.source = "the scheduler (/admin/conf/cupsd.conf)";
  } catch (const std::exception& e) {
    fetchProblem = e.what();
  }
  const std::filesystem::path dir(configDir_);
  if (!conf) {
    conf = readConfigFile(dir / "cupsd.conf");
    out.source = (dir / "cupsd.conf").string();
  }
  if (!conf) {
    out.problem = fetchProblem + "; " + (dir / "cupsd.conf").string() + " is not readable";
  } else {
    const auto value = cupsDirective(*conf, "PreserveJobFiles");
    if (!value) {
      out.keepsDocuments = true; // cupsd.conf(5): the default is 86400 (one day)
      out.keepsDocumentsSetting = "PreserveJobFiles not set (CUPS default: 1 day)";
    } else {
      const std::string v = asciiLower(*value);
      out.keepsDocuments = !(v == "no" || v == "off" || v == "false" || v == "0");
      out.keepsDocumentsSetting = "PreserveJobFiles " + *value;
    }
  }
  out.spoolDir = "/var/spool/cups";
  if (const auto files = readConfigFile(dir / "cups-files.conf")) {
    if (const auto root = cupsDirective(*files, "RequestRoot")) {
      out.spoolDir = *root;
    }
  }
  struct statfs fs {};
  if (::statfs(out.spoolDir.c_str(), &fs) == 0) {
    out.spoolOnTmpfs = static_cast<unsigned long>(fs.f_type) == TMPFS_MAGIC ||
                       static_cast<unsigned long>(fs.f_type) == RAMFS_MAGIC;
  } else {
    out.problem += (out.problem.empty() ? "" : "; ") + std::string("statfs ") + out.spoolDir +
                   ": " + std::strerror(errno);
  }
  return out;
}

std::unique_ptr<PrintBackend> makePrintBackend(const Settings& settings) {
  return std::make_unique<CupsBackend>(settings.cupsServer, settings.cupsConfigDir);
}

} // namespace printrelay::agent
