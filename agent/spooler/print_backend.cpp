#include "agent/spooler/print_backend.h"

#include "common/util/enum_names.h"
#include "common/util/error.h"
#include "common/util/text.h"

#include <array>
#include <cctype>

namespace printrelay::agent {

std::vector<std::pair<std::string, std::string>>
ippJobAttributes(const protocol::PrintOptions& options) {
  std::vector<std::pair<std::string, std::string>> out{
      {"copies", std::to_string(options.copies)},
      {"media", protocol::pwgMedia(options.media)},
      {"sides", options.sides},
      {"print-color-mode", options.colorMode},
  };
  if (!options.pageRanges.empty()) {
    out.emplace_back("page-ranges", protocol::formatPageRanges(options.pageRanges));
  }
  if (const int orientation = protocol::orientationEnum(options.orientation); orientation != 0) {
    out.emplace_back("orientation-requested", std::to_string(orientation));
  }
  if (options.numberUp != 1) {
    out.emplace_back("number-up", std::to_string(options.numberUp));
  }
  if (options.fitToPage) {
    out.emplace_back("fit-to-page", "true");
  }
  return out;
}

constexpr auto kSpoolerStateNames =
    enumNames(SpoolerJobState::Unknown, {"pending", "held", "processing", "stopped", "canceled",
                                         "aborted", "completed", "unknown"});

std::string_view toString(SpoolerJobState state) {
  return kSpoolerStateNames.name(state);
}

std::string spoolerJobTag(std::string_view jobId) {
  return "PrintRelay " + std::string(jobId);
}

namespace {

/// Whether `name` carries `tag` as a whole word (not "PrintRelay j1" inside "PrintRelay j12").
bool carriesTag(std::string_view name, std::string_view tag) {
  const auto partOfId = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  };
  for (auto at = name.find(tag); at != std::string_view::npos; at = name.find(tag, at + 1)) {
    const auto end = at + tag.size();
    if ((at == 0 || !partOfId(name[at - 1])) && (end == name.size() || !partOfId(name[end]))) {
      return true;
    }
  }
  return false;
}

} // namespace

bool isOurs(const SpoolerJobRef& ref, const SpoolerJobStatus& status) {
  if (ref.tag.empty() || !carriesTag(status.name, ref.tag)) {
    return false;
  }
  if (!ref.uuid.empty() && status.uuid != ref.uuid) {
    return false;
  }
  return status.printer.empty() || ref.printer.empty() || status.printer == ref.printer;
}

std::string spoolerFormatFor(std::string_view contentType) {
  static constexpr std::array<std::string_view, 4> kFormats{"application/pdf", "image/png",
                                                            "image/jpeg", "text/plain"};
  const std::string type = mediaTypeOf(contentType);
  for (const auto format : kFormats) {
    if (type == format) {
      return type;
    }
  }
  throw Error("spooler_format_unsupported",
              "documents of type '" + std::string(contentType) +
                  "' are not printed (PDF, PNG, JPEG and plain text only)");
}

SpoolerJobStatus PrintBackend::jobStatus(const SpoolerJobRef& job) {
  SpoolerJobStatus status = queryJob(job.printer, job.id);
  if (status.state == SpoolerJobState::Unknown || isOurs(job, status)) {
    return status;
  }
  SpoolerJobStatus foreign;
  foreign.foreign = true;
  foreign.name = std::move(status.name);
  foreign.uuid = std::move(status.uuid);
  foreign.printer = std::move(status.printer);
  return foreign;
}

bool PrintBackend::cancelJob(const SpoolerJobRef& job) {
  if (jobStatus(job).state == SpoolerJobState::Unknown) {
    return false;
  }
  cancelJobNumber(job.printer, job.id);
  return true;
}

bool PrintBackend::purgeJob(const SpoolerJobRef& job) {
  if (jobStatus(job).state == SpoolerJobState::Unknown) {
    return false;
  }
  purgeJobNumber(job.printer, job.id);
  return true;
}

} // namespace printrelay::agent
