#pragma once

// What the agent needs from the operating system to run as a service, one file per platform
// (service_host_posix.cpp; windows_service.cpp, which also holds the service control manager's
// side of ServiceNotifier). CMake picks the file.

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace printrelay::agent {

class Agent;

/// Process-wide set-up before anything else runs: a peer closing a socket must be an error
/// return, not the end of the process (POSIX: SIGPIPE ignored).
void prepareProcess();

/// This computer's name (for the label shown at enrollment); empty when unknown.
std::string hostName();

/// While alive, turns the platform's stop and reload requests into calls on `agent`, from a
/// dedicated thread (no work in a signal handler): POSIX SIGTERM/SIGINT → requestStop, SIGHUP →
/// requestReload; Windows Ctrl+C/Ctrl+Break/console close and the service control manager's
/// STOP/SHUTDOWN/PRESHUTDOWN → requestStop, PARAMCHANGE → requestReload. A stop is repeated
/// until the object is destroyed, so a long-poll that began just after the first one is cut too.
class StopSignals {
public:
  explicit StopSignals(Agent& agent);
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  ~StopSignals();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

/// `printrelay-agent [--config FILE] service install|uninstall|run`: registers the agent with
/// the Windows service control manager (automatic start, restart on failure, running
/// `printrelay-agent --config FILE service run` as LocalSystem), removes it, or is the
/// service's entry point, where `run` (the `run` command) does the work. Elsewhere systemd runs
/// the agent and this explains so. Usage mistakes throw Error{"invalid_request"}; returns the
/// exit status.
int runServiceCommand(const std::vector<std::string>& args,
                      const std::optional<std::string>& configPath, const std::function<int()>& run,
                      std::ostream& out);

} // namespace printrelay::agent
