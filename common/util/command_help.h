#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace printrelay {

/// One option of a program's command line: the single source for parsing it, its --help lines
/// and its man page entry.
struct OptionHelp {
  std::string_view name;  ///< as typed, with its dashes: "--config"
  std::string_view value; ///< its value's name ("FILE"), empty for a flag
  std::string_view help;  ///< what it does, lines split by '\n'
};

/// One environment variable a program reads (besides the PREFIX_<KEY> overrides of its
/// configuration table).
struct EnvironmentHelp {
  std::string_view name; ///< "PRINTRELAY_ENROLL_CODE"
  std::string_view help; ///< what it gives, lines split by '\n'
};

/// `options` as --help lists them: each name and value, its help from `column` on (below the
/// name when that is too long).
std::string renderOptionHelp(const std::vector<OptionHelp>& options, std::size_t column);

/// `variables` as --help lists them, their help from `column` on.
std::string renderEnvironmentHelp(const std::vector<EnvironmentHelp>& variables,
                                  std::size_t column);

} // namespace printrelay
