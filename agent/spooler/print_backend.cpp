#include "agent/spooler/print_backend.h"

#include "common/util/enum_names.h"

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

} // namespace printrelay::agent
