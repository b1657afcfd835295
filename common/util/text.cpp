#include "common/util/text.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace printrelay {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view separator,
                 bool skipEmpty) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (skipEmpty && item.empty()) {
      continue;
    }
    if (!first) {
      out += separator;
    }
    out += item;
    first = false;
  }
  return out;
}

std::string counted(std::int64_t n, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

} // namespace

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  return join(items, separator, false);
}

std::string joinedNonEmpty(const std::vector<std::string>& items, std::string_view separator) {
  return join(items, separator, true);
}

std::string humanDuration(std::int64_t seconds) {
  seconds = std::max<std::int64_t>(seconds, 0);
  if (seconds < 60) {
    return std::to_string(seconds) + " s";
  }
  const std::int64_t minutes = seconds / 60;
  if (minutes < 60) {
    return std::to_string(minutes) + " min";
  }
  const std::int64_t hours = minutes / 60;
  if (hours < 24) {
    return std::to_string(hours) + " h" +
           (minutes % 60 != 0 ? " " + std::to_string(minutes % 60) + " min" : "");
  }
  return std::to_string(hours / 24) + " d" +
         (hours % 24 != 0 ? " " + std::to_string(hours % 24) + " h" : "");
}

std::string spokenDuration(std::int64_t seconds) {
  if (seconds >= 86400 && seconds % 86400 == 0) {
    return counted(seconds / 86400, "day");
  }
  if (seconds >= 3600 && seconds % 3600 == 0) {
    return counted(seconds / 3600, "hour");
  }
  if (seconds >= 60 && seconds % 60 == 0) {
    return counted(seconds / 60, "minute");
  }
  return counted(seconds, "second");
}

std::string waitDuration(std::int64_t seconds) {
  // Rounded up in the unit its size calls for, then said in the largest unit that divides the
  // rounded wait exactly (60 minutes is "1 hour").
  const auto roundedUp = [&](std::int64_t unit) { return (seconds + unit - 1) / unit * unit; };
  if (seconds < 120) {
    return spokenDuration(std::max<std::int64_t>(seconds, 1));
  }
  if (seconds < 2 * 3600) {
    return spokenDuration(roundedUp(60));
  }
  if (seconds < 2 * 86400) {
    return spokenDuration(roundedUp(3600));
  }
  return spokenDuration(roundedUp(86400));
}

std::optional<double> wholeNumber(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string mediaTypeOf(std::string_view contentType) {
  std::string type(contentType.substr(0, contentType.find(';')));
  std::erase_if(type, [](unsigned char c) { return std::isspace(c) != 0; });
  return asciiLower(std::move(type));
}

std::string asciiLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

} // namespace printrelay
