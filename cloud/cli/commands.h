#pragma once

#include "cloud/cli/cli_args.h"
#include "cloud/cli/cloud_session.h"

#include <string>
#include <string_view>
#include <vector>

namespace printrelay::cli {

/// What a command is about. The shop group's commands are named "shop SUBCOMMAND" and are for a
/// store's shopkeepers; the admin group's are named "admin SUBCOMMAND" and need the operator's
/// token (PRINTRELAY_ADMIN_TOKEN).
enum class CommandGroup { Account, Stores, Orders, Shop, Admin };

/// Runs one command with the cloud session and the parsed command line; returns the exit
/// status (failures are thrown as Error, UsageError or WaitError).
using CommandHandler = int (*)(CloudSession& cloud, const Arguments& args);

/// One printrelay command: the single source for dispatching it and for its lines in --help.
struct Command {
  std::string_view name;  ///< as typed: "send", "admin create-store"
  CommandGroup group;     ///< what it is about
  std::string_view usage; ///< its usage, lines split by '\n': "status ORDER_ID [--wait STATE]"
  std::string_view help;  ///< what it does, lines split by '\n' (may be empty)
  CommandHandler handler; ///< what runs it
};

/// Every command, in the order --help lists them.
const std::vector<Command>& commandTable();

/// The command called `name` ("send", "admin users"), or nullptr.
const Command* findCommand(std::string_view name);

/// The text of `printrelay --help`: the commands of the table, the options, the exit statuses.
std::string usageText();

/// The whole command line of printrelay (the words after the program's name): output on
/// standard output, errors on standard error (as {"error": {...}} with --json). Returns the exit
/// status: 0 done, 1 refused by the cloud or the network, 2 bad usage, 3 --wait not reached.
int runCli(const std::vector<std::string>& words);

} // namespace printrelay::cli
