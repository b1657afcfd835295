#include "agent/ctl/ctl_cli.h"

#include "agent/control/control_protocol.h"
#include "agent/control/control_transport.h"
#include "agent/control/diagnose.h"
#include "agent/ctl/ctl_render.h"
#include "agent/daemon/agent_config.h"
#include "agent/daemon/cli.h"
#include "agent/daemon/command_line.h"
#include "agent/daemon/daemon_state.h"
#include "agent/identity/enrollment.h"
#include "agent/jobs/journal.h"
#include "agent/spooler/print_backend.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/version.h"

#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

namespace printrelay::ctl {
namespace {

namespace control = agent::control;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kUsageHead = R"(usage: printrelayctl [OPTIONS] COMMAND [ARGS]

The technician's tool for the PrintRelay shop agent: asks the running agent through its local
control socket.

commands:
)";

const std::vector<OptionHelp> kOptionTable{
    {"--socket", "PATH",
     "the agent's control socket (default: control_socket from the agent\n"
     "configuration, else /run/printrelay/agent.sock)"},
    {"--config", "FILE", "the agent configuration (default /etc/printrelay/agent.conf)"},
    {"--json", "", "print the result as JSON, for scripts"},
    {"--timeout", "SECONDS", "how long to wait for the agent (default 30; diagnose 90)"},
    {"--wide", "", "tables with full ids and times (default: fit 80 columns)"},
    {"-h, --help", "", "this help; COMMAND --help for one command"},
    {"--version", "", "printrelayctl's version"},
};

/// The options only some commands take (described in their --help): for the man page.
const std::vector<OptionHelp> kCommandOptionTable{
    {"--state", "STATE", "jobs: only jobs in STATE"},
    {"--limit", "N", "jobs: at most N jobs"},
    {"--local", "", "diagnose: run the checks here even if the agent runs"},
    {"--lines", "N", "logs: the last N lines"},
    {"--follow", "", "logs: keep printing new lines"},
    {"--code", "CODE", "enroll: the one-time code (warns; prefer PRINTRELAY_ENROLL_CODE)"},
    {"--name", "NAME", "enroll: a name for this agent"},
    {"--force", "", "enroll: replace an existing enrollment"},
};

constexpr std::string_view kUsageTail = R"(
exit status:
   0 ok                        8 print spooler (CUPS) failed
   1 other failure             9 agent not running / not answering
   2 usage                    10 no permission for the control socket
   3 configuration invalid    11 no such job, printer or pickup code
   4 already enrolled         12 not possible now (already printed, agent busy)
   5 not enrolled             13 the cloud has no such route (route_not_found)
   6 refused by the cloud     14 diagnose found a failure
   7 cloud unreachable        15 not a pickup code (six digits); nothing was sent
)";

const std::vector<CommandSpec> kCommandTable{
    {"status", "status", "cloud link (online/offline since when), queue, pause, version, store",
     "Shows whether the agent is online or offline and since when, when it last heard from the\n"
     "cloud, how many jobs are in flight and how many status events wait to be sent, whether\n"
     "intake is paused, and the agent's version and store."},
    {"printers", "printers", "printers, their state and problems (paper out, toner low, offline)",
     "Lists the CUPS destinations with their state, whether they accept jobs and their problems\n"
     "in plain words (printer-state-reasons: media-empty is \"paper out\", toner-low \"toner\n"
     "low\", offline-report \"offline\"). The agent's printer is marked with *."},
    {"jobs", "jobs [--state STATE] [--limit N] [--wide]", "recent jobs from the agent's journal",
     "Lists recent jobs, newest first (default 20, at most 10000), in 80 columns: ids are\n"
     "shortened (job, cancel and reprint take the short id too) and times are relative.\n"
     "  --wide         full ids, times and notes\n"
     "  --state STATE  only jobs in STATE: leased, submitting, printing, printed, failed,\n"
     "                 cancelled, outcome_unknown (the spooler forgot a job that may have\n"
     "                 printed: shown with its evidence; see resolve)\n"
     "  --limit N      at most N jobs"},
    {"job", "job ID", "one job and its timeline",
     "Shows one job: its order, document, printer and CUPS job, and its timeline from the\n"
     "journal (each status event and whether it reached the cloud)."},
    {"reprint", "reprint ID", "print a printed (or failed) job again",
     "Asks the cloud to queue the job's order again (POST /api/v1/agent/jobs/ID/reprint); it\n"
     "arrives as a new job."},
    {"cancel", "cancel ID", "cancel a job that has not finished",
     "Cancels the job at CUPS (when it got that far), records it failed and tells the cloud.\n"
     "Waits for a document that is still being sent to reach the spooler first.\n"
     "Exit 12 when the job already ended, 11 when the journal has no such job."},
    {"pause", "pause", "stop taking new jobs",
     "The agent stops asking the cloud for jobs (jobs wait there) until resume; jobs already\n"
     "at the printer carry on. The pause survives a restart of the agent."},
    {"resume", "resume", "take new jobs again", "Ends a pause."},
    {"release", "release CODE", "release a held order by its pickup code",
     "Releases the order held for pickup with this code so it prints. The code is the six\n"
     "digits the customer's order shows (spaces and dashes are ignored: 482 913 or 482-913).\n"
     "Exit 15 for anything that is not six digits (nothing is sent), 11 when no held order of\n"
     "this store has the code."},
    {"resolve", "resolve ORDER --printed|--not-printed", "say whether an uncertain job printed",
     "For an order in outcome_unknown (the spooler forgot its job, which may have printed; the\n"
     "jobs list shows the last spooler state, when, and the bytes sent): look in the printer's\n"
     "tray, then tell the cloud. --printed charges it as printed and tells the customer;\n"
     "--not-printed records it failed, refunds a paid order and tells the customer (reprint\n"
     "it afterwards if you like). ORDER is the order id, or the job id from the jobs list.\n"
     "Exit 12 when the order is not in outcome_unknown."},
    {"test-page", "test-page PRINTER", "print a test page",
     "Sends a short text test page straight to the CUPS destination PRINTER."},
    {"diagnose", "diagnose [--local]", "check everything and say what is wrong",
     "Runs every check and prints PASS / WARN / FAIL with a hint: DNS, cloud reachable, TLS\n"
     "certificate (days to expiry), clock skew, credential accepted, the agent's link and\n"
     "intake, CUPS reachable, each printer, disk space, and spool safety (PreserveJobFiles No,\n"
     "spool on tmpfs). When the agent is not running, the checks run here instead (as root\n"
     "they include the credential).\n"
     "  --local  run the checks here even if the agent runs\n"
     "Exit 14 when a check failed."},
    {"logs", "logs [--lines N] [--follow]", "the agent's recent log lines",
     "Prints the last N (default 50) log lines the agent keeps in memory (log_buffer_lines).\n"
     "  --follow  then keep printing new lines as the agent logs them, until Ctrl-C"},
    {"enroll", "enroll [--code CODE] [--name NAME] [--force]", "enroll this PC with the cloud",
     "Generates the store key pair and registers this agent with the one-time code the\n"
     "shopkeeper made (printrelay shop enroll-code), taken from PRINTRELAY_ENROLL_CODE or the\n"
     "file PRINTRELAY_ENROLL_CODE_FILE names (--code works but warns). Same as\n"
     "printrelay-agent enroll; needs write access to the state directory, so run it as root\n"
     "or the service user. Stop the agent first (exit 12 while it runs) and start it\n"
     "afterwards."},
    {"key rotate", "key rotate", "replace the store key pair",
     "Generates a new store key pair, registers it with the cloud (POST /api/v1/agent/keys) and\n"
     "switches to it; the old key is kept for documents sealed before."},
};

using agent::ArgumentReader;
using agent::UsageError;

const CommandSpec* findCommand(std::string_view name) {
  for (const auto& spec : kCommandTable) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

std::string usage() {
  std::string out(kUsageHead);
  for (const auto& spec : kCommandTable) {
    std::string line = "  " + std::string(spec.synopsis);
    line += line.size() < 46 ? std::string(46 - line.size(), ' ') : "\n" + std::string(46, ' ');
    out += line + std::string(spec.summary) + "\n";
  }
  return out + "\noptions (anywhere on the line):\n" + renderOptionHelp(kOptionTable, 21) +
         std::string(kUsageTail);
}

std::string commandHelp(const CommandSpec& spec) {
  return "usage: printrelayctl [OPTIONS] " + std::string(spec.synopsis) + "\n\n" +
         std::string(spec.summary) + ".\n\n" + std::string(spec.details) +
         "\n\nOPTIONS: --socket PATH, --config FILE, --json, --timeout SECONDS (printrelayctl "
         "--help).\n";
}

int parseCount(const std::string& option, const std::string& value, int min, int max) {
  int n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max) {
    throw UsageError(option + " needs a number from " + std::to_string(min) + " to " +
                     std::to_string(max) + " (got '" + value + "')");
  }
  return n;
}

/// Options of one invocation.
struct Invocation {
  std::optional<std::string> socket;
  std::optional<std::string> config;
  bool json = false;
  std::optional<int> timeout;
  bool help = false;
  bool wide = false;
  std::vector<std::string> words; ///< the command and its own arguments
};

Invocation parseGlobal(const std::vector<std::string>& args) {
  Invocation inv;
  for (ArgumentReader reader(args); !reader.done();) {
    if (auto socket = reader.value("--socket")) {
      inv.socket = *socket;
    } else if (auto config = reader.value("--config")) {
      inv.config = *config;
    } else if (reader.flag("--json")) {
      inv.json = true;
    } else if (auto timeout = reader.value("--timeout")) {
      inv.timeout = parseCount("--timeout", *timeout, 1, 3600);
    } else if (reader.flag("--wide")) {
      inv.wide = true;
    } else if (reader.flag("--help") || reader.flag("-h")) {
      inv.help = true;
    } else {
      inv.words.push_back(reader.take());
    }
  }
  return inv;
}

/// The control socket to use: --socket, else control_socket from the configuration (and its
/// PRINTRELAY_AGENT_CONTROL_SOCKET override), else the default.
std::string socketFor(const Invocation& inv) {
  if (inv.socket) {
    return *inv.socket;
  }
  try {
    const agent::Settings settings = agent::settingsFrom(agent::loadConfig(inv.config));
    if (!settings.controlSocket.empty()) {
      return settings.controlSocket;
    }
  } catch (const Error& e) {
    if (inv.config) {
      throw; // an explicitly named configuration must be usable
    }
  }
  return agent::defaultControlSocket();
}

/// A pickup code as the customer may read it out ("482 913", "482-913") as its six digits;
/// anything else is refused here, before the cloud is asked.
std::string pickupCode(const std::string& typed) {
  std::string digits;
  for (const char c : typed) {
    if (c != ' ' && c != '-') {
      digits += c;
    }
  }
  if (digits.size() != 6 || digits.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("code_not_six_digits",
                "'" + typed +
                    "' is not a pickup code: a pickup code is six digits, as the "
                    "customer's order shows it. Nothing was sent to the cloud");
  }
  return digits;
}

/// The request for a command's arguments; throws UsageError.
control::Request buildRequest(const std::string& name, const std::vector<std::string>& rest) {
  control::Request request;
  request.id = 1;
  request.command = name == "key rotate" ? "key-rotate" : name;
  std::vector<std::string> positional;
  for (ArgumentReader reader(rest); !reader.done();) {
    const bool jobs = name == "jobs";
    if (auto state = jobs ? reader.value("--state") : std::nullopt) {
      if (!agent::parseJobState(*state)) {
        throw UsageError("--state must be leased, submitting, printing, printed, failed, "
                         "cancelled or outcome_unknown (got '" +
                         *state + "')");
      }
      request.args["state"] = *state;
    } else if (auto limit = jobs ? reader.value("--limit") : std::nullopt) {
      request.args["limit"] = parseCount("--limit", *limit, 1, 10000);
    } else if (auto lines = name == "logs" ? reader.value("--lines") : std::nullopt) {
      request.args["lines"] = parseCount("--lines", *lines, 1, 100000);
    } else if (name == "logs" && reader.flag("--follow")) {
      request.args["follow"] = true;
    } else if (name == "resolve" &&
               (reader.current() == "--printed" || reader.current() == "--not-printed")) {
      const bool printed = reader.take() == "--printed";
      if (request.args.contains("printed") && request.args["printed"] != printed) {
        throw UsageError("resolve: give either --printed or --not-printed, not both");
      }
      request.args["printed"] = printed;
    } else if (reader.current().starts_with("-") && reader.current() != "-") {
      throw UsageError(name + ": unknown option '" + reader.current() + "'");
    } else {
      positional.push_back(reader.take());
    }
  }
  static const std::map<std::string, std::string> kPositional{
      {"job", "id"},       {"reprint", "id"},    {"cancel", "id"},
      {"release", "code"}, {"resolve", "order"}, {"test-page", "printer"}};
  if (const auto it = kPositional.find(name); it != kPositional.end()) {
    if (positional.size() != 1) {
      throw UsageError(name + " needs exactly one " +
                       (it->second == "id"      ? std::string("job ID")
                        : it->second == "order" ? std::string("order ID")
                                                : "argument (" + it->second + ")"));
    }
    request.args[it->second] =
        name == "release" ? pickupCode(positional.front()) : positional.front();
  } else if (!positional.empty()) {
    throw UsageError(name + " takes no argument '" + positional.front() + "'");
  }
  if (name == "resolve" && !request.args.contains("printed")) {
    throw UsageError("resolve needs --printed or --not-printed (look in the printer's tray)");
  }
  return request;
}

/// Sends one request and waits for its response.
control::Response ask(const std::string& socket, const control::Request& request,
                      std::chrono::seconds timeout) {
  auto connection = control::connectControl(socket, timeout);
  connection->write(control::encodeRequest(request));
  const auto line = connection->readLine(timeout, control::kMaxResponseBytes);
  if (!line) {
    throw Error("control_unavailable", "the agent closed the connection without answering");
  }
  return control::parseResponse(*line);
}

/// `logs --follow`: the last lines, then every second the lines logged since, until the
/// program is stopped (Ctrl-C) or the agent stops answering.
[[noreturn]] void followLogs(const Invocation& inv, const std::string& socket,
                             control::Request request, std::chrono::seconds timeout,
                             std::ostream& out) {
  for (;;) {
    const control::Response response = ask(socket, request, timeout);
    if (!response.ok) {
      throw Error(response.failure.code, response.failure.message);
    }
    out << (inv.json ? response.result.dump() + "\n" : renderLogs(response.result)) << std::flush;
    request.args["since"] = response.result.value("total", std::int64_t{0});
    std::this_thread::sleep_for(1s);
  }
}

/// Prints an error the way the output mode wants; returns its exit status.
int reportError(const Invocation& inv, const std::string& code, const std::string& message,
                std::optional<int> cloudStatus, std::ostream& out, std::ostream& err) {
  const int status = exitCodeFor(code, cloudStatus);
  err << wrapped("printrelayctl: " + message + " [" + code + "]") << "\n";
  if (code == "control_unavailable") {
    err << "Is the agent running? systemctl status printrelay-agent\n";
  }
  if (inv.json) {
    out << renderJsonError(code, message, status);
  }
  return status;
}

int render(const Invocation& inv, const std::string& command, const json& result,
           std::ostream& out) {
  if (inv.json) {
    out << renderJson(result);
  } else {
    const std::int64_t now = agent::unixNow();
    if (command == "status") {
      out << renderStatus(result, now);
    } else if (command == "printers") {
      out << renderPrinters(result);
    } else if (command == "jobs") {
      out << renderJobs(result, now, inv.wide);
    } else if (command == "job") {
      out << renderJob(result, now);
    } else if (command == "diagnose") {
      out << renderDiagnose(result);
    } else if (command == "logs") {
      out << renderLogs(result);
    } else {
      out << renderAction(command, result);
    }
  }
  return command == "diagnose" ? diagnoseExitCode(result) : kExitOk;
}

/// diagnose without the agent: the same checks from the configuration and state files this
/// user can read, after a check that says the agent is not running.
json localDiagnose(const Invocation& inv, const std::string& socket, const std::string& why) {
  const agent::Settings settings = agent::settingsFrom(agent::loadConfig(inv.config));
  agent::DiagnoseInput input;
  input.settings = settings;
  try {
    input.credential = agent::loadEnrollment(agent::StatePaths(settings.stateDir)).credential;
  } catch (const std::exception& e) {
    input.credentialProblem = e.what();
  }
  auto backend = agent::makePrintBackend(settings);
  input.backend = backend.get();
  std::vector<control::Check> checks;
  checks.push_back(
      why.empty()
          ? control::Check{"agent_running", "Agent running", control::CheckStatus::Skip,
                           "--local: checked from printrelayctl, not by the agent", ""}
          : control::Check{"agent_running", "Agent running", control::CheckStatus::Fail,
                           "the agent does not answer on " + socket + ": " + why,
                           "systemctl start printrelay-agent; see why it stopped: journalctl -u "
                           "printrelay-agent"});
  for (auto& check : agent::runDiagnostics(input)) {
    checks.push_back(std::move(check));
  }
  return control::diagnoseResult(checks);
}

/// `printrelayctl enroll …`: the agent's own enrollment, run here. It is refused while the
/// agent runs (it holds the state directory); that is "not possible now" here, since
/// printrelayctl's 9 means the agent does not answer.
int enrollHere(const Invocation& inv, const std::vector<std::string>& rest, std::ostream& out,
               std::ostream& err) {
  std::vector<std::string> args;
  if (inv.config) {
    args.insert(args.end(), {"--config", *inv.config});
  }
  args.emplace_back("enroll");
  args.insert(args.end(), rest.begin(), rest.end());
  const int status = agent::runCli(args, out, err);
  return status == agent::kExitStateLocked ? kExitConflict : status;
}

} // namespace

const std::vector<CommandSpec>& commandTable() {
  return kCommandTable;
}

const std::vector<OptionHelp>& optionTable() {
  return kOptionTable;
}

const std::vector<OptionHelp>& commandOptionTable() {
  return kCommandOptionTable;
}

int runCtl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Invocation inv;
  try {
    inv = parseGlobal(args);
    if (!inv.words.empty() && inv.words.front() == "--version") {
      out << "printrelayctl " << version() << "\n";
      return kExitOk;
    }
    if (!inv.words.empty() && inv.words.front() == "help") {
      inv.help = true;
      inv.words.erase(inv.words.begin());
    }
    if (inv.words.empty()) {
      if (inv.help) {
        out << usage();
        return kExitOk;
      }
      throw UsageError("no command given");
    }
    std::string name = inv.words.front();
    std::vector<std::string> rest(inv.words.begin() + 1, inv.words.end());
    if (name == "key") {
      if (rest.empty() || rest.front() != "rotate") {
        if (inv.help) {
          out << commandHelp(*findCommand("key rotate"));
          return kExitOk;
        }
        throw UsageError("key needs a subcommand: key rotate");
      }
      name = "key rotate";
      rest.erase(rest.begin());
    }
    const CommandSpec* spec = findCommand(name);
    if (spec == nullptr) {
      throw UsageError("unknown command '" + name + "'");
    }
    if (inv.help) {
      out << commandHelp(*spec);
      return kExitOk;
    }
    // Quiet library logs (CUPS, the local checks) unless something is wrong.
    log::setLevel(log::Level::Warning);
    if (name == "enroll") {
      return enrollHere(inv, rest, out, err);
    }
    const std::string socket = socketFor(inv);
    bool local = false;
    if (name == "diagnose") {
      for (auto it = rest.begin(); it != rest.end();) {
        if (*it == "--local") {
          local = true;
          it = rest.erase(it);
        } else {
          ++it;
        }
      }
    }
    control::Request request = buildRequest(name, rest);
    const bool follow = request.args.value("follow", false);
    request.args.erase("follow");
    const auto timeout = std::chrono::seconds(inv.timeout.value_or(name == "diagnose" ? 90 : 30));
    if (follow) {
      followLogs(inv, socket, request, timeout, out);
    }
    if (local) {
      return render(inv, "diagnose", localDiagnose(inv, socket, ""), out);
    }
    control::Response response;
    try {
      response = ask(socket, request, timeout);
    } catch (const Error& e) {
      if (name == "diagnose" && e.code() == "control_unavailable") {
        return render(inv, "diagnose", localDiagnose(inv, socket, e.what()), out);
      }
      throw;
    }
    if (!response.ok) {
      return reportError(inv, response.failure.code, response.failure.message,
                         response.failure.cloudStatus, out, err);
    }
    return render(inv, request.command, response.result, out);
  } catch (const UsageError& e) {
    err << "printrelayctl: " << e.what() << "\n\n";
    const std::string name = inv.words.empty() ? "" : inv.words.front();
    if (const CommandSpec* spec = findCommand(name); spec != nullptr) {
      err << commandHelp(*spec);
    } else {
      err << usage();
    }
    if (inv.json) {
      out << renderJsonError("usage", e.what(), kExitUsage);
    }
    return kExitUsage;
  } catch (const Error& e) {
    return reportError(inv, e.code(), e.what(), std::nullopt, out, err);
  } catch (const std::exception& e) {
    return reportError(inv, "internal_error", e.what(), std::nullopt, out, err);
  }
}

} // namespace printrelay::ctl
