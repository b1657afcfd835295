#include "common/util/command_help.h"

namespace printrelay {
namespace {

/// `term` indented by two, then `help` line by line from `column` on.
std::string entry(const std::string& term, std::string_view help, std::size_t column) {
  std::string out;
  std::string line = "  " + term;
  while (true) {
    const auto end = help.find('\n');
    if (line.size() + 1 > column) {
      out += line + "\n";
      line.clear();
    }
    line.resize(column, ' ');
    line += help.substr(0, end);
    if (end == std::string_view::npos) {
      return out + line + "\n";
    }
    help.remove_prefix(end + 1);
  }
}

} // namespace

std::string renderOptionHelp(const std::vector<OptionHelp>& options, std::size_t column) {
  std::string out;
  for (const auto& option : options) {
    std::string term(option.name);
    if (!option.value.empty()) {
      term += " " + std::string(option.value);
    }
    out += entry(term, option.help, column);
  }
  return out;
}

std::string renderEnvironmentHelp(const std::vector<EnvironmentHelp>& variables,
                                  std::size_t column) {
  std::string out;
  for (const auto& variable : variables) {
    out += entry(std::string(variable.name), variable.help, column);
  }
  return out;
}

} // namespace printrelay
