#include "agent/spooler/cups_config_text.h"

#include "common/util/text.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace printrelay::agent {

std::vector<std::string> cupsDirectives(const std::string& text, const std::string& name) {
  std::vector<std::string> values;
  std::istringstream in(text);
  std::string line;
  int depth = 0; // inside <Location>, <Policy>, <Limit>
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
      continue;
    }
    line.erase(0, first);
    if (line.starts_with("</")) {
      depth = std::max(0, depth - 1);
      continue;
    }
    if (line.starts_with("<")) {
      ++depth;
      continue;
    }
    const auto space = line.find_first_of(" \t");
    const auto valueStart =
        space == std::string::npos ? std::string::npos : line.find_first_not_of(" \t\r", space);
    if (depth == 0 && valueStart != std::string::npos &&
        asciiLower(line.substr(0, space)) == asciiLower(name)) {
      const auto valueEnd = line.find_last_not_of(" \t\r");
      values.push_back(line.substr(valueStart, valueEnd + 1 - valueStart));
    }
  }
  return values;
}

std::optional<std::string> cupsDirective(const std::string& text, const std::string& name) {
  auto values = cupsDirectives(text, name);
  if (values.empty()) {
    return std::nullopt;
  }
  return std::move(values.back());
}

std::optional<std::string> readConfigFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace printrelay::agent
