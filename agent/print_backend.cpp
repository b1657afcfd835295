#include "agent/print_backend.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace printrelay::agent {

std::string pwgMedia(std::string_view media) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kAliases{{
      {"a3", "iso_a3_297x420mm"},
      {"a4", "iso_a4_210x297mm"},
      {"a5", "iso_a5_148x210mm"},
      {"letter", "na_letter_8.5x11in"},
      {"legal", "na_legal_8.5x14in"},
      {"tabloid", "na_ledger_11x17in"},
  }};
  std::string name(media);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [alias, pwg] : kAliases) {
    if (name == alias) {
      return std::string(pwg);
    }
  }
  return name;
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
