#pragma once

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

/// The whole command line of printrelay-agent:
///   printrelay-agent [--config FILE] --print-config
///   printrelay-agent [--config FILE] enroll --code CODE [--name NAME] [--force]
///   printrelay-agent [--config FILE] run
///   printrelay-agent [--config FILE] printers
/// Human output goes to `out`, errors to `err`; returns the exit status. `run` blocks
/// SIGTERM/SIGINT/SIGHUP before it starts any thread and handles them until it returns; `run`
/// and `enroll` hold the state directory's lock (StateLock) while they work.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace printrelay::agent
