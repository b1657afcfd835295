#pragma once

#include "common/util/error.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace printrelay::cli {

/// A usage error: exit status 2.
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error("usage", message) {}
};

/// A --wait that did not end in the wanted state: exit status 3.
class WaitError : public Error {
public:
  WaitError(std::string code, const std::string& message) : Error(std::move(code), message) {}
};

/// The command line, split into options (by name) and positional words.
struct Arguments {
  std::map<std::string, std::string> options;
  std::vector<std::string> words;
  bool json = false;

  /// The value of --NAME, if it was given.
  std::optional<std::string> option(const std::string& name) const;
  /// The value of --NAME; a UsageError when it is missing or empty.
  std::string required(const std::string& name) const;
};

/// Where an option belongs: anywhere on the line, to the print options of quote and send, or to
/// the commands whose usage names it.
enum class OptionScope { Global, Print, Command };

/// One option of printrelay: the single source for parsing it, its lines in --help and the man
/// page.
struct OptionSpec {
  std::string_view name;  ///< without the dashes: "copies"
  std::string_view value; ///< its value's name ("N"), empty for a flag
  OptionScope scope;
  std::string_view help; ///< what it does, lines split by '\n'
};

/// Every option, in the order --help lists them.
const std::vector<OptionSpec>& optionTable();

/// One environment variable printrelay reads: the source for --help and the man page.
struct EnvironmentSpec {
  std::string_view name; ///< "PRINTRELAY_CA_FILE"
  std::string_view help; ///< what it gives, lines split by '\n'
};

/// Every environment variable printrelay reads.
const std::vector<EnvironmentSpec>& environmentTable();

/// Splits the words after the program name. Options may stand anywhere, as `--name value` or
/// `--name=value`; `--` ends them. Throws UsageError for an unknown option or a missing value.
Arguments parseArguments(const std::vector<std::string>& words);

/// The environment variable `name`, or `fallback` when it is unset or empty.
std::string envOr(const char* name, const std::string& fallback);

/// printrelay's folder for its own files: $XDG_CONFIG_HOME/printrelay (default
/// ~/.config/printrelay).
std::filesystem::path configDir();

/// Replaces `file` with `text` (mode 0600, in a 0700 folder), through a temporary file so a
/// reader never sees half of it. Throws Error{"io_failed"}.
void writePrivateFile(const std::filesystem::path& file, const std::string& text);

/// `text` as a whole number in [min, max]; a UsageError naming `what` otherwise.
long long parseInteger(const std::string& text, const std::string& what, long long min,
                       long long max);

/// `text` as a number; a UsageError naming `what` otherwise.
double parseNumber(const std::string& text, const std::string& what);

/// A password from the environment variable `variable` (PRINTRELAY_PASSWORD), else one line of
/// standard input (echo off on a tty), never from the command line. `prompt` is shown on a
/// terminal.
std::string readPassword(const std::string& prompt, const char* variable = "PRINTRELAY_PASSWORD");

} // namespace printrelay::cli
