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

/// The platform's stop and reload requests for the `run` command, turned into calls on the
/// agent from a dedicated thread (no work in a signal handler): POSIX SIGTERM/SIGINT →
/// requestStop, SIGHUP → requestReload; Windows Ctrl+C/Ctrl+Break and the service control
/// manager's STOP/SHUTDOWN/PRESHUTDOWN → requestStop, PARAMCHANGE → requestReload. The first
/// stop request is StopMode::Graceful, a second one (or the console closing on Windows) is
/// StopMode::Now.
class StopSignals {
public:
  /// POSIX: blocks SIGTERM, SIGINT and SIGHUP for the process. Construct it before any other
  /// thread starts, so every thread inherits the mask and none of them is killed by a signal
  /// meant for the agent; a signal that arrives before deliverTo() waits for it. The mask is
  /// not restored afterwards: a late SIGTERM must not turn a clean exit into a kill.
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  /// Stops delivering (joins the thread).
  ~StopSignals();

  /// From now on, stop and reload requests go to `agent` (call once).
  void deliverTo(Agent& agent);

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
