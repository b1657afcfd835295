#pragma once

#include "common/util/command_help.h"

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent {

/// Exit statuses of printrelay-agent (also in `printrelay-agent --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,          ///< anything not listed below
  kExitUsage = 2,            ///< bad command line
  kExitConfig = 3,           ///< configuration invalid or incomplete
  kExitAlreadyEnrolled = 4,  ///< enroll without --force on an enrolled agent
  kExitNotEnrolled = 5,      ///< run before enroll, or the state files cannot be trusted
  kExitCloudRefused = 6,     ///< the cloud answered with an error (bad code, revoked, …)
  kExitCloudUnreachable = 7, ///< the cloud could not be reached
  kExitSpooler = 8,          ///< the print spooler could not be used
  kExitStateLocked = 9,      ///< another agent is using the state directory
};

/// The exit status for one of the agent's error codes (config_invalid → kExitConfig,
/// state_locked → kExitStateLocked, …); kExitFailure for any other code. printrelayctl uses it
/// for the statuses both programs share.
int exitStatusFor(std::string_view code);

/// One printrelay-agent command: the single source for dispatching it, its --help lines and its
/// man page entry.
struct AgentCommand {
  std::string_view name;     ///< as typed: "enroll"
  std::string_view synopsis; ///< "enroll [--code CODE] [--name NAME] [--force]"
  std::string_view help;     ///< what it does, lines split by '\n'
};

/// Every command, in the order --help lists them.
const std::vector<AgentCommand>& agentCommandTable();

/// Every option: the program's own (--config, --help, …) and the commands' (--code, …).
const std::vector<OptionHelp>& agentOptionTable();

/// The environment variables printrelay-agent reads besides PRINTRELAY_AGENT_<KEY>.
const std::vector<EnvironmentHelp>& agentEnvironmentTable();

/// The text of `printrelay-agent --help`, made from the tables above.
std::string agentUsage();

/// The whole command line of printrelay-agent:
///   printrelay-agent [--config FILE] --print-config
///   printrelay-agent [--config FILE] enroll [--code CODE] [--name NAME] [--force]
///   printrelay-agent [--config FILE] run
///   printrelay-agent [--config FILE] printers
/// Human output goes to `out`, errors to `err`; returns the exit status. `run` blocks
/// SIGTERM/SIGINT/SIGHUP before it starts any thread and handles them until it returns; `run`
/// and `enroll` hold the state directory's lock (StateLock) while they work.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace printrelay::agent
