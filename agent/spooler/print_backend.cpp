#include "agent/spooler/print_backend.h"

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

std::string_view toString(SpoolerJobState state) {
  switch (state) {
  case SpoolerJobState::Pending:
    return "pending";
  case SpoolerJobState::Held:
    return "held";
  case SpoolerJobState::Processing:
    return "processing";
  case SpoolerJobState::Stopped:
    return "stopped";
  case SpoolerJobState::Canceled:
    return "canceled";
  case SpoolerJobState::Aborted:
    return "aborted";
  case SpoolerJobState::Completed:
    return "completed";
  case SpoolerJobState::Unknown:
    return "unknown";
  }
  return "unknown";
}

} // namespace printrelay::agent
