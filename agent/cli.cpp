#include "agent/cli.h"

#include "agent/agent_config.h"
#include "agent/agent_daemon.h"
#include "agent/cloud_client.h"
#include "agent/enrollment.h"
#include "agent/print_backend.h"
#include "common/error.h"
#include "common/http_client.h"
#include "common/log.h"

#include <atomic>
#include <csignal>
#include <optional>
#include <pthread.h>
#include <thread>

#ifndef PRINTRELAY_VERSION
#define PRINTRELAY_VERSION "0.0.0"
#endif

namespace printrelay::agent {
namespace {

constexpr const char* kUsage = R"(usage:
  printrelay-agent [--config FILE] --print-config
  printrelay-agent [--config FILE] enroll --code CODE [--name NAME] [--force]
  printrelay-agent [--config FILE] run
  printrelay-agent [--config FILE] printers
  printrelay-agent --config-template
  printrelay-agent --help | --version

commands:
  enroll        generate the store key pair and register this agent with the cloud using the
                one-time code from the shop dashboard
  run           the service: long-poll the cloud for jobs, decrypt them in memory, print them
  printers      list the CUPS destinations and what they can do

options:
  --config FILE  configuration file (default /etc/printrelay/agent.conf); settings can also be
                 given as PRINTRELAY_AGENT_<KEY> environment variables
  --print-config show the effective configuration (secrets redacted) and exit
  --config-template
                 print a commented configuration file with every key and its default

exit status: 0 ok, 1 failure, 2 usage, 3 configuration, 4 already enrolled, 5 not enrolled,
             6 refused by the cloud, 7 cloud unreachable, 8 print spooler unavailable
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int exitCodeFor(const Error& e) {
  if (const auto* cloud = dynamic_cast<const CloudError*>(&e); cloud != nullptr) {
    return cloud->status() == 0 ? kExitCloudUnreachable : kExitCloudRefused;
  }
  const std::string& code = e.code();
  if (code == "config_invalid") {
    return kExitConfig;
  }
  if (code == "already_enrolled") {
    return kExitAlreadyEnrolled;
  }
  if (code == "not_enrolled" || code.starts_with("state_")) {
    return kExitNotEnrolled;
  }
  if (code == "invalid_request") {
    return kExitUsage;
  }
  if (code.starts_with("spooler_") || code.starts_with("printer_")) {
    return kExitSpooler;
  }
  return kExitFailure;
}

Settings settingsFor(const std::optional<std::string>& configPath, bool needCloud) {
  const Config config = loadConfig(configPath);
  Settings settings = settingsFrom(config);
  log::setLevel(log::parseLevel(settings.logLevel));
  if (needCloud) {
    if (settings.cloudUrl.empty()) {
      throw Error("config_invalid", "'cloud_url' is not set (config file or "
                                    "PRINTRELAY_AGENT_CLOUD_URL)");
    }
    validateBaseUrl(settings.cloudUrl, false);
  }
  return settings;
}

int commandEnroll(const std::optional<std::string>& configPath,
                  const std::vector<std::string>& args, std::ostream& out) {
  EnrollOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const std::string& name) {
      if (i + 1 >= args.size()) {
        throw UsageError(name + " needs a value");
      }
      return args[++i];
    };
    if (arg == "--code") {
      options.code = value(arg);
    } else if (arg.starts_with("--code=")) {
      options.code = arg.substr(7);
    } else if (arg == "--name") {
      options.name = value(arg);
    } else if (arg.starts_with("--name=")) {
      options.name = arg.substr(7);
    } else if (arg == "--force") {
      options.force = true;
    } else {
      throw UsageError("enroll: unknown argument '" + arg + "'");
    }
  }
  if (options.code.empty()) {
    throw UsageError("enroll needs --code CODE (the one-time code from the shop dashboard)");
  }
  const Settings settings = settingsFor(configPath, true);
  const StatePaths paths(settings.stateDir);
  if (isEnrolled(paths) && !options.force) {
    throw Error("already_enrolled", "this agent is already enrolled (" + settings.stateDir +
                                        "); use --force to replace the enrollment");
  }
  CloudClient cloud(CloudEndpoint{.baseUrl = settings.cloudUrl, .caFile = settings.caFile}, "");
  const AgentIdentity identity = enroll(paths, options, cloud, settings.cloudUrl);
  out << "Enrolled agent " << identity.agentId << " for store "
      << (identity.storeName.empty() ? identity.storeId
                                     : identity.storeName + " (" + identity.storeId + ")")
      << "\nStore key id " << identity.keyId << "; state in " << settings.stateDir << "\n";
  return kExitOk;
}

int commandPrinters(const std::optional<std::string>& configPath, std::ostream& out) {
  const Settings settings = settingsFor(configPath, false);
  auto backend = makePrintBackend(settings);
  const auto printers = backend->listPrinters();
  if (printers.empty()) {
    out << "No printers. Add one to CUPS (lpadmin) and set 'printer' in the agent "
           "configuration.\n";
    return kExitOk;
  }
  for (const auto& printer : printers) {
    out << printer.name << (printer.isDefault ? " (default)" : "") << ": " << printer.state
        << (printer.accepting ? "" : ", not accepting jobs")
        << (printer.makeAndModel.empty() ? "" : ", " + printer.makeAndModel) << "\n";
    try {
      const auto caps = backend->capabilities(printer.name);
      auto list = [](const std::vector<std::string>& items) {
        std::string text;
        for (const auto& item : items) {
          text += (text.empty() ? "" : " ") + item;
        }
        return text.empty() ? std::string("(not reported)") : text;
      };
      out << "  media:  " << list(caps.media) << "\n"
          << "  sides:  " << list(caps.sides) << "\n"
          << "  color:  " << list(caps.colorModes) << "\n"
          << "  copies: " << caps.copiesMin << "-" << caps.copiesMax << "\n";
    } catch (const Error& e) {
      out << "  capabilities unavailable: " << e.what() << "\n";
    }
  }
  return kExitOk;
}

/// Blocks the stop/reload signals for the whole process and turns them into Agent calls from
/// a dedicated thread, so no work happens in a signal handler.
class SignalBridge {
public:
  explicit SignalBridge(Agent& agent) : agent_(agent) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    thread_ = std::thread([this] { loop(); });
  }
  SignalBridge(const SignalBridge&) = delete;
  SignalBridge& operator=(const SignalBridge&) = delete;
  ~SignalBridge() {
    done_ = true;
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

private:
  void loop() {
    bool stopping = false;
    while (!done_) {
      timespec timeout{0, 200'000'000};
      const int sig = sigtimedwait(&set_, nullptr, &timeout);
      if (sig == SIGTERM || sig == SIGINT) {
        if (!stopping) {
          log::notice(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                      "; stopping");
        }
        stopping = true;
      } else if (sig == SIGHUP) {
        agent_.requestReload();
      }
      if (stopping) {
        // Repeated, so a long-poll that started just after the first call is cut too.
        agent_.requestStop();
      }
    }
  }

  Agent& agent_;
  sigset_t set_{};
  sigset_t previous_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int commandRun(const std::optional<std::string>& configPath) {
  const Settings settings = settingsFor(configPath, true);
  Enrollment enrollment = loadEnrollment(StatePaths(settings.stateDir));
  Agent agent(settings, std::move(enrollment), makePrintBackend(settings));
  agent.setReloadHandler([configPath, settings] {
    try {
      const Settings fresh = settingsFrom(loadConfig(configPath));
      log::notice("configuration reloaded (log_level " + fresh.logLevel +
                  "); other changes take effect after a restart");
      log::setLevel(log::parseLevel(fresh.logLevel));
    } catch (const std::exception& e) {
      log::error(std::string("configuration not reloaded: ") + e.what());
    }
  });
  SignalBridge signals(agent);
  return agent.run();
}

} // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::optional<std::string> configPath;
  bool printConfig = false;
  std::size_t i = 0;
  try {
    for (; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (arg == "--config") {
        if (i + 1 >= args.size()) {
          throw UsageError("--config needs a file name");
        }
        configPath = args[++i];
      } else if (arg.starts_with("--config=")) {
        configPath = arg.substr(9);
      } else if (arg == "--print-config") {
        printConfig = true;
      } else if (arg == "--help" || arg == "-h" || arg == "help") {
        out << kUsage;
        return kExitOk;
      } else if (arg == "--config-template") {
        out << "# PrintRelay agent configuration (" << kDefaultConfigPath << ").\n"
            << "# Every key can also be set as PRINTRELAY_AGENT_<KEY> in the environment.\n\n"
            << Config(configTable(), std::string(kEnvPrefix)).renderTemplate();
        return kExitOk;
      } else if (arg == "--version") {
        out << "printrelay-agent " PRINTRELAY_VERSION "\n";
        return kExitOk;
      } else if (arg.starts_with("-")) {
        throw UsageError("unknown option '" + arg + "'");
      } else {
        break;
      }
    }
    if (printConfig) {
      if (i < args.size()) {
        throw UsageError("--print-config takes no command");
      }
      const Config config = loadConfig(configPath);
      settingsFrom(config); // report invalid values too
      out << config.dumpRedacted();
      return kExitOk;
    }
    if (i >= args.size()) {
      throw UsageError("no command given");
    }
    const std::string command = args[i];
    const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                        args.end());
    if (command == "enroll") {
      return commandEnroll(configPath, rest, out);
    }
    if (!rest.empty()) {
      throw UsageError(command + " takes no arguments");
    }
    if (command == "run") {
      return commandRun(configPath);
    }
    if (command == "printers") {
      return commandPrinters(configPath, out);
    }
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& e) {
    err << "printrelay-agent: " << e.what() << "\n\n" << kUsage;
    return kExitUsage;
  } catch (const Error& e) {
    err << "printrelay-agent: " << e.what() << " [" << e.code() << "]\n";
    return exitCodeFor(e);
  } catch (const std::exception& e) {
    err << "printrelay-agent: " << e.what() << "\n";
    return kExitFailure;
  }
}

} // namespace printrelay::agent
