#pragma once

#include "common/util/command_help.h"

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::ctl {

/// One printrelayctl subcommand: how it is called and what it does (the single source for
/// `--help`, the man page's synopsis and the bash completion).
struct CommandSpec {
  std::string_view name;     ///< as typed: "jobs", "key rotate"
  std::string_view synopsis; ///< "jobs [--state STATE] [--limit N]"
  std::string_view summary;  ///< one line
  std::string_view details;  ///< the rest of its --help
};

/// Every subcommand, in the order `--help` lists them.
const std::vector<CommandSpec>& commandTable();

/// The options printrelayctl takes anywhere on the line.
const std::vector<OptionHelp>& optionTable();

/// The options only some commands take (each command's --help says which).
const std::vector<OptionHelp>& commandOptionTable();

/// The whole command line of printrelayctl:
///   printrelayctl [--socket PATH] [--config FILE] [--json] [--timeout SECONDS] COMMAND [ARGS]
/// Tables for people on `out`, or the result as JSON with --json; errors on `err` (and, with
/// --json, as {"error": {...}} on `out`). Returns the exit status (ctl::ExitCode).
int runCtl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace printrelay::ctl
