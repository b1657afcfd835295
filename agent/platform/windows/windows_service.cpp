// The agent as a Windows service: the service control manager's side of ServiceNotifier
// (service_notify.h) and the service host (service_host.h): StartServiceCtrlDispatcherW,
// RegisterServiceCtrlHandlerExW, SetServiceStatus, console control events, install/uninstall.
// STOP and SHUTDOWN end the agent exactly as SIGTERM does on Linux: Agent::requestStop(),
// gracefully first, at once on a second request.
#include "agent/daemon/agent_daemon.h"
#include "agent/daemon/cli.h"
#include "agent/platform/service_host.h"
#include "agent/platform/service_notify.h"
#include "agent/platform/windows/windows_text.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <windows.h>

namespace printrelay::agent {
namespace {

constexpr wchar_t kServiceName[] = L"PrintRelayAgent";
constexpr wchar_t kDisplayName[] = L"PrintRelay agent";
constexpr wchar_t kDescription[] =
    L"Receives PrintRelay print jobs from the cloud, decrypts them in memory and prints them.";

/// What the process knows about the service control manager (only set under `service run`).
struct ServiceControl {
  std::mutex mutex;
  SERVICE_STATUS_HANDLE handle = nullptr;
  SERVICE_STATUS status{};
  bool stopRequested = false; ///< a STOP that came before the agent was running
  std::function<int()> run;
  int exitCode = kExitOk;
  std::exception_ptr failure;
};

ServiceControl& control() {
  static ServiceControl instance;
  return instance;
}

/// The StopSignals bridge alive now, if any (the console and SCM handlers call into it).
std::mutex gSignalsMutex;
StopSignals::Impl* gSignals = nullptr;

/// Reports a state to the SCM; a pending state counts its checkpoint up. No-op outside a
/// service.
void reportState(DWORD state, DWORD waitHintMs = 0, int exitCode = kExitOk) {
  ServiceControl& c = control();
  std::lock_guard lock(c.mutex);
  if (c.handle == nullptr) {
    return;
  }
  const bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
  c.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  c.status.dwControlsAccepted =
      state == SERVICE_RUNNING || state == SERVICE_START_PENDING
          ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
          : 0;
  c.status.dwCheckPoint = pending && c.status.dwCurrentState == state ? c.status.dwCheckPoint + 1
                          : pending                                   ? 1
                                                                      : 0;
  c.status.dwCurrentState = state;
  c.status.dwWaitHint = waitHintMs;
  c.status.dwWin32ExitCode = exitCode == kExitOk ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  c.status.dwServiceSpecificExitCode = static_cast<DWORD>(exitCode);
  SetServiceStatus(c.handle, &c.status);
}

/// The current SCM state, or 0 outside a service.
DWORD currentState() {
  ServiceControl& c = control();
  std::lock_guard lock(c.mutex);
  return c.handle == nullptr ? 0 : c.status.dwCurrentState;
}

/// Asks the running agent to stop; false when none runs (yet). `remember` keeps the request for
/// an agent that starts later (a STOP during start-up).
bool requestStopFrom(const char* why, bool remember, StopMode mode);
void requestReloadFrom();

DWORD WINAPI controlHandler(DWORD code, DWORD /*eventType*/, LPVOID /*eventData*/,
                            LPVOID /*context*/) {
  switch (code) {
  case SERVICE_CONTROL_STOP:
  case SERVICE_CONTROL_SHUTDOWN:
  case SERVICE_CONTROL_PRESHUTDOWN:
    reportState(SERVICE_STOP_PENDING, 30000);
    requestStopFrom(code == SERVICE_CONTROL_STOP ? "the service control manager asked to stop"
                                                 : "Windows is shutting down",
                    true, StopMode::Graceful);
    return NO_ERROR;
  case SERVICE_CONTROL_PARAMCHANGE:
    requestReloadFrom();
    return NO_ERROR;
  case SERVICE_CONTROL_INTERROGATE:
    return NO_ERROR;
  default:
    return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

BOOL WINAPI consoleHandler(DWORD event) {
  // Without a running agent, FALSE lets the default handling end the process. Windows ends the
  // process a few seconds after the console closes, the user logs off or the system shuts down:
  // no time to let a long-poll end, so those stop now.
  const bool interrupt = event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT;
  return requestStopFrom(event == CTRL_C_EVENT       ? "received Ctrl+C"
                         : event == CTRL_BREAK_EVENT ? "received Ctrl+Break"
                                                     : "received a console event",
                         false, interrupt ? StopMode::Graceful : StopMode::Now)
             ? TRUE
             : FALSE;
}

/// Where the service's log lines go: a service has no console, so stderr becomes
/// %ProgramData%\PrintRelay\agent.log (appended).
void redirectLogToFile() {
  const char* programData = std::getenv("ProgramData");
  const std::filesystem::path dir =
      std::filesystem::path(programData != nullptr ? programData : "C:\\ProgramData") /
      "PrintRelay";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::wstring file = (dir / "agent.log").wstring();
  if (_wfreopen(file.c_str(), L"a", stderr) == nullptr) {
    return; // nowhere to log to; the agent still runs
  }
}

void WINAPI serviceMain(DWORD /*argc*/, LPWSTR* /*argv*/) {
  ServiceControl& c = control();
  SERVICE_STATUS_HANDLE handle =
      RegisterServiceCtrlHandlerExW(kServiceName, controlHandler, nullptr);
  if (handle == nullptr) {
    return;
  }
  {
    std::lock_guard lock(c.mutex);
    c.handle = handle;
  }
  redirectLogToFile();
  reportState(SERVICE_START_PENDING, 30000);
  int exitCode = kExitFailure;
  try {
    exitCode = c.run();
  } catch (const std::exception& e) {
    log::error(std::string("the service stopped: ") + e.what());
    c.failure = std::current_exception();
  }
  c.exitCode = exitCode;
  reportState(SERVICE_STOPPED, 0, exitCode);
}

/// Closes a service control manager handle.
struct ServiceHandleCloser {
  void operator()(SC_HANDLE handle) const { CloseServiceHandle(handle); }
};
using ServiceHandle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, ServiceHandleCloser>;

[[noreturn]] void throwServiceError(DWORD error, const std::string& what) {
  if (error == ERROR_ACCESS_DENIED) {
    throw Error("service_access_denied",
                what + ": access denied; run it from an elevated (Administrator) prompt");
  }
  throw Error("service_failed", what + ": " + win32::errorMessage(error));
}

ServiceHandle openManager(DWORD access) {
  ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, access));
  if (!manager) {
    throwServiceError(GetLastError(), "cannot open the service control manager");
  }
  return manager;
}

std::filesystem::path defaultConfigFile() {
  const char* programData = std::getenv("ProgramData");
  return std::filesystem::path(programData != nullptr ? programData : "C:\\ProgramData") /
         "PrintRelay" / "agent.conf";
}

int installService(const std::optional<std::string>& configPath, std::ostream& out) {
  std::vector<wchar_t> exe(MAX_PATH);
  for (;;) {
    const DWORD length = GetModuleFileNameW(nullptr, exe.data(), static_cast<DWORD>(exe.size()));
    if (length == 0) {
      throwServiceError(GetLastError(), "cannot find this program's path");
    }
    if (length < exe.size()) {
      break;
    }
    exe.resize(exe.size() * 2);
  }
  const std::filesystem::path config = std::filesystem::absolute(
      configPath ? std::filesystem::path(*configPath) : defaultConfigFile());
  const std::wstring command =
      L"\"" + std::wstring(exe.data()) + L"\" --config \"" + config.wstring() + L"\" service run";

  ServiceHandle manager = openManager(SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE);
  // Started once the spooler and the network stack are there; runs as LocalSystem, which the
  // state files' ACL admits.
  ServiceHandle service(CreateServiceW(
      manager.get(), kServiceName, kDisplayName, SERVICE_CHANGE_CONFIG | SERVICE_QUERY_STATUS,
      SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, command.c_str(), nullptr,
      nullptr, L"Spooler\0Tcpip\0", nullptr, nullptr));
  if (!service) {
    const DWORD error = GetLastError();
    if (error == ERROR_SERVICE_EXISTS) {
      throw Error("service_exists", "the PrintRelayAgent service is already installed "
                                    "(printrelay-agent service uninstall removes it)");
    }
    throwServiceError(error, "cannot install the PrintRelayAgent service");
  }
  std::wstring description = kDescription;
  SERVICE_DESCRIPTIONW describe{description.data()};
  ChangeServiceConfig2W(service.get(), SERVICE_CONFIG_DESCRIPTION, &describe);
  // Restart after a crash or a failed exit: 5 s, 30 s, then every 60 s; forgiven after a day.
  SC_ACTION actions[] = {
      {SC_ACTION_RESTART, 5000}, {SC_ACTION_RESTART, 30000}, {SC_ACTION_RESTART, 60000}};
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = 24 * 60 * 60;
  failure.cActions = static_cast<DWORD>(std::size(actions));
  failure.lpsaActions = actions;
  ChangeServiceConfig2W(service.get(), SERVICE_CONFIG_FAILURE_ACTIONS, &failure);
  SERVICE_FAILURE_ACTIONS_FLAG onExit{TRUE};
  ChangeServiceConfig2W(service.get(), SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &onExit);
  SERVICE_DELAYED_AUTO_START_INFO delayed{TRUE};
  ChangeServiceConfig2W(service.get(), SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed);

  out << "Installed the PrintRelayAgent service (automatic start, restarts on failure).\n"
      << "Configuration: " << config.string() << "\n"
      << "Enroll it:     set PRINTRELAY_ENROLL_CODE=CODE, then printrelay-agent --config \""
      << config.string() << "\" enroll\n"
      << "Then start it: sc start PrintRelayAgent\n";
  return kExitOk;
}

int uninstallService(std::ostream& out) {
  ServiceHandle manager = openManager(SC_MANAGER_CONNECT);
  ServiceHandle service(
      OpenServiceW(manager.get(), kServiceName, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
  if (!service) {
    const DWORD error = GetLastError();
    if (error == ERROR_SERVICE_DOES_NOT_EXIST) {
      throw Error("service_not_installed", "the PrintRelayAgent service is not installed");
    }
    throwServiceError(error, "cannot open the PrintRelayAgent service");
  }
  SERVICE_STATUS status{};
  if (ControlService(service.get(), SERVICE_CONTROL_STOP, &status)) {
    out << "Stopping the PrintRelayAgent service...\n";
    for (int i = 0; i < 60 && QueryServiceStatus(service.get(), &status) &&
                    status.dwCurrentState != SERVICE_STOPPED;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  if (!DeleteService(service.get())) {
    throwServiceError(GetLastError(), "cannot remove the PrintRelayAgent service");
  }
  out << "Removed the PrintRelayAgent service.\n";
  return kExitOk;
}

int dispatchService(const std::function<int()>& run) {
  ServiceControl& c = control();
  c.run = run;
  std::wstring name = kServiceName;
  SERVICE_TABLE_ENTRYW table[] = {{name.data(), serviceMain}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    const DWORD error = GetLastError();
    if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      throw Error("invalid_request", "'service run' is started by the service control manager "
                                     "(sc start PrintRelayAgent); in a console, use 'run'");
    }
    throwServiceError(error, "cannot connect to the service control manager");
  }
  if (c.failure) {
    std::rethrow_exception(c.failure);
  }
  return c.exitCode;
}

} // namespace

// --- ServiceNotifier: the SCM's service status ------------------------------------------------

ServiceNotifier::ServiceNotifier() = default;

bool ServiceNotifier::notify(std::string_view state) const {
  if (currentState() == 0) {
    return false;
  }
  if (state.find("READY=1") != std::string_view::npos) {
    reportState(SERVICE_RUNNING);
  } else if (state.find("STOPPING=1") != std::string_view::npos) {
    reportState(SERVICE_STOP_PENDING, 30000);
  }
  return true;
}

void ServiceNotifier::heartbeat() {
  // While starting (recovery) or stopping, tell the SCM the agent is still making progress.
  const DWORD state = currentState();
  if (state != SERVICE_START_PENDING && state != SERVICE_STOP_PENDING) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - lastPing_ >= std::chrono::seconds(1)) {
    reportState(state, 30000);
    lastPing_ = now;
  }
}

// --- StopSignals: console control events and the SCM's STOP ---------------------------------

struct StopSignals::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (!thread_.joinable()) {
      return;
    }
    SetConsoleCtrlHandler(consoleHandler, FALSE);
    {
      std::lock_guard lock(gSignalsMutex);
      gSignals = nullptr;
    }
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void start(Agent& agent) {
    agent_ = &agent;
    thread_ = std::thread([this] { loop(); });
    bool early = false;
    {
      std::lock_guard lock(gSignalsMutex);
      gSignals = this;
      ServiceControl& c = control();
      std::lock_guard stateLock(c.mutex);
      early = c.stopRequested;
    }
    SetConsoleCtrlHandler(consoleHandler, TRUE);
    if (early) {
      requestStop("the service control manager asked to stop", StopMode::Graceful);
    }
  }

  /// The first request stops gracefully; a second one, or an urgent one, stops now.
  void requestStop(const char* why, StopMode mode) {
    {
      std::lock_guard lock(mutex_);
      ++stops_;
      const bool now = mode == StopMode::Now || stops_ > 1;
      if (stops_ == 1 || (now && !urgent_)) {
        log::notice(std::string(why) + (now ? "; stopping now" : "; stopping"));
      }
      urgent_ = urgent_ || now;
    }
    wake_.notify_all();
  }

  void requestReload() { agent_->requestReload(); }

  /// Passes stop requests to the agent from this thread, never from the handlers' threads.
  void loop() {
    std::unique_lock lock(mutex_);
    StopMode delivered = StopMode::Graceful;
    bool any = false;
    while (!done_) {
      wake_.wait(lock, [&] {
        return done_ || (stops_ > 0 && (!any || (urgent_ && delivered != StopMode::Now)));
      });
      if (done_) {
        break;
      }
      any = true;
      delivered = urgent_ ? StopMode::Now : StopMode::Graceful;
      lock.unlock();
      agent_->requestStop(delivered);
      lock.lock();
    }
  }

  Agent* agent_ = nullptr;
  std::mutex mutex_;
  std::condition_variable wake_;
  int stops_ = 0;
  bool urgent_ = false;
  bool done_ = false;
  std::thread thread_;
};

namespace {

bool requestStopFrom(const char* why, bool remember, StopMode mode) {
  std::lock_guard lock(gSignalsMutex);
  if (gSignals != nullptr) {
    gSignals->requestStop(why, mode);
    return true;
  }
  if (remember) {
    ServiceControl& c = control();
    std::lock_guard stateLock(c.mutex);
    c.stopRequested = true;
  }
  return false;
}

void requestReloadFrom() {
  std::lock_guard lock(gSignalsMutex);
  if (gSignals != nullptr) {
    gSignals->requestReload();
  }
}

} // namespace

StopSignals::StopSignals() : impl_(std::make_unique<Impl>()) {}

StopSignals::~StopSignals() = default;

void StopSignals::deliverTo(Agent& agent) {
  impl_->start(agent);
}

// --- the rest of the service host ------------------------------------------------------------

void prepareProcess() {
  // A service must never wait on an error dialog nobody sees.
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
}

std::string hostName() {
  wchar_t name[256];
  DWORD size = 256;
  if (!GetComputerNameExW(ComputerNameDnsHostname, name, &size)) {
    return {};
  }
  return win32::narrow(std::wstring_view(name, size));
}

int runServiceCommand(const std::vector<std::string>& args,
                      const std::optional<std::string>& configPath, const std::function<int()>& run,
                      std::ostream& out) {
  if (args.size() != 1) {
    throw Error("invalid_request", "usage: printrelay-agent [--config FILE] service "
                                   "install|uninstall|run");
  }
  if (args[0] == "install") {
    return installService(configPath, out);
  }
  if (args[0] == "uninstall") {
    return uninstallService(out);
  }
  if (args[0] == "run") {
    return dispatchService(run);
  }
  throw Error("invalid_request",
              "unknown service command '" + args[0] + "' (install, uninstall or run)");
}

} // namespace printrelay::agent
