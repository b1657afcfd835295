#include "agent/daemon/cli.h"

#include "agent/cloud/cloud_client.h"
#include "agent/control/control_service.h"
#include "agent/daemon/agent_config.h"
#include "agent/daemon/agent_daemon.h"
#include "agent/daemon/command_line.h"
#include "agent/daemon/log_ring.h"
#include "agent/identity/enrollment.h"
#include "agent/identity/key_rotation.h"
#include "agent/identity/state_lock.h"
#include "agent/platform/service_host.h"
#include "agent/spooler/print_backend.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/text.h"
#include "common/util/version.h"
#include "common/wire/http_client.h"

#include <cstdlib>
#include <fstream>
#include <optional>

namespace printrelay::agent {

int exitStatusFor(std::string_view code) {
  if (code == "state_locked") {
    return kExitStateLocked;
  }
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

namespace {

const std::vector<AgentCommand> kCommandTable{
    {"enroll", "enroll [--code CODE] [--name NAME] [--force]",
     "generate the store key pair and register this agent with the\n"
     "cloud using the one-time code the shopkeeper made (printrelay\n"
     "shop enroll-code), taken from PRINTRELAY_ENROLL_CODE or the file\n"
     "PRINTRELAY_ENROLL_CODE_FILE names (--code still works but warns:\n"
     "any local user can read a command line)"},
    {"run", "run",
     "the service: long-poll the cloud for jobs, decrypt them in\n"
     "memory, print them"},
    {"printers", "printers", "list the CUPS destinations and what they can do"},
    {"service", "service install|uninstall|run",
     "Windows: install or uninstall the PrintRelayAgent service (run\n"
     "by the service control manager as \"service run\"); on Linux\n"
     "systemd runs the agent"},
};

const std::vector<OptionHelp> kOptionTable{
    {"--config", "FILE",
     "configuration file (default /etc/printrelay/agent.conf);\n"
     "settings can also be given as PRINTRELAY_AGENT_<KEY>\n"
     "environment variables"},
    {"--print-config", "", "show the effective configuration (secrets redacted) and exit"},
    {"--config-template", "",
     "print a commented configuration file with every key and its default"},
    {"--help", "", "this text"},
    {"--version", "", "the agent's version"},
    {"--code", "CODE",
     "enroll: the one-time enrollment code (warns; prefer PRINTRELAY_ENROLL_CODE)"},
    {"--name", "NAME", "enroll: a name for this agent, shown to the shop"},
    {"--force", "", "enroll: replace an existing enrollment"},
};

const std::vector<EnvironmentHelp> kEnvironmentTable{
    {"PRINTRELAY_ENROLL_CODE", "the one-time enrollment code for enroll"},
    {"PRINTRELAY_ENROLL_CODE_FILE", "a file whose first line is the enrollment code"},
};

constexpr std::string_view kUsageTail = R"(
exit status: 0 ok, 1 failure, 2 usage, 3 configuration, 4 already enrolled, 5 not enrolled,
             6 refused by the cloud, 7 cloud unreachable, 8 print spooler unavailable,
             9 another agent is using the state directory
)";

constexpr std::size_t kHelpColumn = 16;

int exitCodeFor(const Error& e) {
  if (const auto* cloud = dynamic_cast<const CloudError*>(&e); cloud != nullptr) {
    return cloud->status() == 0 ? kExitCloudUnreachable : kExitCloudRefused;
  }
  return exitStatusFor(e.code());
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

/// The enrollment code: --code (warned about: the command line is public), else
/// $PRINTRELAY_ENROLL_CODE, else the first line of the file $PRINTRELAY_ENROLL_CODE_FILE names.
std::string enrollmentCode(const std::optional<std::string>& given, std::ostream& err) {
  if (given) {
    err << "printrelay-agent: warning: --code puts the enrollment code where any local user can "
           "read it (ps, /proc); set PRINTRELAY_ENROLL_CODE or PRINTRELAY_ENROLL_CODE_FILE "
           "instead\n";
    return *given;
  }
  if (const char* code = std::getenv("PRINTRELAY_ENROLL_CODE"); code != nullptr && *code != 0) {
    return code;
  }
  if (const char* file = std::getenv("PRINTRELAY_ENROLL_CODE_FILE");
      file != nullptr && *file != 0) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      throw Error("config_invalid", std::string("cannot read the enrollment code from ") + file +
                                        " (PRINTRELAY_ENROLL_CODE_FILE)");
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.pop_back();
    }
    return line;
  }
  throw UsageError("enroll needs the one-time code from the shopkeeper (printrelay shop "
                   "enroll-code): set PRINTRELAY_ENROLL_CODE or PRINTRELAY_ENROLL_CODE_FILE");
}

int commandEnroll(const std::optional<std::string>& configPath,
                  const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  EnrollOptions options;
  std::optional<std::string> givenCode;
  for (ArgumentReader reader(args); !reader.done();) {
    if (auto code = reader.value("--code")) {
      givenCode = *code;
    } else if (auto name = reader.value("--name")) {
      options.name = *name;
    } else if (reader.flag("--force")) {
      options.force = true;
    } else {
      throw UsageError("enroll: unknown argument '" + reader.current() + "'");
    }
  }
  options.code = enrollmentCode(givenCode, err);
  const Settings settings = settingsFor(configPath, true);
  const StatePaths paths(settings.stateDir);
  // A running agent holds the key and credential in memory: replacing them under it would
  // leave it printing for an enrollment that no longer exists.
  const StateLock lock(settings.stateDir);
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
        return items.empty() ? std::string("(not reported)") : joined(items, " ");
      };
      std::vector<std::string> up;
      for (int n : caps.numberUp) {
        up.push_back(std::to_string(n));
      }
      out << "  media:  " << list(caps.media)
          << (caps.defaultMedia.empty() ? "" : " (default " + caps.defaultMedia + ")") << "\n"
          << "  sides:  " << list(caps.sides) << "\n"
          << "  color:  " << list(caps.colorModes) << "\n"
          << "  copies: " << caps.copiesMin << "-" << caps.copiesMax << "\n"
          << "  page ranges: " << (caps.pageRanges ? "yes" : "no") << "\n"
          << "  number-up: " << list(up) << "\n"
          << "  orientation: " << list(caps.orientations) << "\n";
    } catch (const Error& e) {
      out << "  capabilities unavailable: " << e.what() << "\n";
    }
  }
  return kExitOk;
}

int commandRun(const std::optional<std::string>& configPath) {
  // First, before the log capture, the control socket or anything else starts a thread: every
  // thread must inherit the blocked stop and reload signals.
  StopSignals signals;
  const Settings settings = settingsFor(configPath, true);
  const StateLock lock(settings.stateDir);
  // Recent log lines for printrelayctl logs; the original stderr still gets every line.
  LogRing logs(static_cast<std::size_t>(settings.logBufferLines));
  std::optional<StderrCapture> capture;
  if (settings.logBufferLines > 0) {
    try {
      capture.emplace(logs);
    } catch (const std::exception& e) {
      log::warning(std::string("printrelayctl logs will be empty: ") + e.what());
    }
  }
  completeKeyRotation(StatePaths(settings.stateDir));
  Enrollment enrollment = loadEnrollment(StatePaths(settings.stateDir));
  Agent agent(settings, std::move(enrollment), makePrintBackend(settings));
  agent.setReloadHandler([configPath, &agent] {
    // Runs on the daemon's loop thread, between jobs.
    try {
      const Settings fresh = settingsFrom(loadConfig(configPath));
      if (!fresh.cloudUrl.empty()) {
        validateBaseUrl(fresh.cloudUrl, false);
      }
      const std::string pending = joined(agent.applySettings(fresh));
      log::notice("configuration reloaded (log_level, printer, poll_wait_seconds, backoff, "
                  "purge_spooler_jobs, max_document_mib apply now)" +
                  (pending.empty() ? std::string()
                                   : "; changed but applied only after a restart: " + pending));
    } catch (const std::exception& e) {
      log::error(std::string("configuration not reloaded, the running one stays: ") + e.what());
    }
  });
  AgentControl control(agent, logs);
  // The agent reports its printers itself (at start, on change, periodically, on reconnect).
  control.listen();
  signals.deliverTo(agent);
  return agent.run();
}

} // namespace

const std::vector<AgentCommand>& agentCommandTable() {
  return kCommandTable;
}

const std::vector<OptionHelp>& agentOptionTable() {
  return kOptionTable;
}

const std::vector<EnvironmentHelp>& agentEnvironmentTable() {
  return kEnvironmentTable;
}

std::string agentUsage() {
  std::string out = "usage:\n";
  for (const auto& command : kCommandTable) {
    out += "  printrelay-agent [--config FILE] " + std::string(command.synopsis) + "\n";
  }
  out += "  printrelay-agent [--config FILE] --print-config\n"
         "  printrelay-agent --config-template\n"
         "  printrelay-agent --help | --version\n\ncommands:\n";
  for (const auto& command : kCommandTable) {
    std::string line = "  " + std::string(command.name);
    std::string_view help = command.help;
    while (true) {
      const auto end = help.find('\n');
      line.resize(kHelpColumn, ' ');
      out += line + std::string(help.substr(0, end)) + "\n";
      if (end == std::string_view::npos) {
        break;
      }
      help.remove_prefix(end + 1);
      line.clear();
    }
  }
  return out + "\noptions:\n" + renderOptionHelp(kOptionTable, kHelpColumn) + "\nenvironment:\n" +
         renderEnvironmentHelp(kEnvironmentTable, 30) +
         "  PRINTRELAY_AGENT_<KEY>      any configuration key (--config-template lists them)\n" +
         std::string(kUsageTail);
}

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::optional<std::string> configPath;
  bool printConfig = false;
  ArgumentReader reader(args);
  try {
    while (!reader.done()) {
      if (auto config = reader.value("--config")) {
        configPath = *config;
      } else if (reader.flag("--print-config")) {
        printConfig = true;
      } else if (reader.flag("--help") || reader.flag("-h") || reader.flag("help")) {
        out << agentUsage();
        return kExitOk;
      } else if (reader.flag("--config-template")) {
        out << "# PrintRelay agent configuration (" << kDefaultConfigPath << ").\n"
            << "# Every key can also be set as PRINTRELAY_AGENT_<KEY> in the environment.\n\n"
            << Config(configTable(), std::string(kEnvPrefix)).renderTemplate();
        return kExitOk;
      } else if (reader.flag("--version")) {
        out << "printrelay-agent " << version() << "\n";
        return kExitOk;
      } else if (reader.current().starts_with("-")) {
        throw UsageError("unknown option '" + reader.current() + "'");
      } else {
        break;
      }
    }
    if (printConfig) {
      if (!reader.done()) {
        throw UsageError("--print-config takes no command");
      }
      const Config config = loadConfig(configPath);
      settingsFrom(config); // report invalid values too
      out << config.dumpRedacted();
      return kExitOk;
    }
    if (reader.done()) {
      throw UsageError("no command given");
    }
    const std::string command = reader.take();
    const std::vector<std::string> rest = reader.rest();
    if (command == "enroll") {
      return commandEnroll(configPath, rest, out, err);
    }
    if (command == "service") {
      return runServiceCommand(
          rest, configPath, [&configPath] { return commandRun(configPath); }, out);
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
    err << "printrelay-agent: " << e.what() << "\n\n" << agentUsage();
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
