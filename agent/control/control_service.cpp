#include "agent/control/control_service.h"

#include "agent/control/diagnose.h"
#include "agent/daemon/agent_daemon.h"
#include "agent/identity/key_rotation.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/version.h"

#include <algorithm>
#include <fstream>
#include <limits>

namespace printrelay::agent {
namespace {

using nlohmann::json;
namespace codes = control::codes;

std::filesystem::path pausePath(const Settings& settings) {
  return std::filesystem::path(settings.stateDir) / "paused.json";
}

json optionalTime(std::int64_t t) {
  return t > 0 ? json(t) : json();
}

/// The state an outbox event reported, and its message.
std::pair<std::string, std::string> eventContent(const OutboxEvent& event) {
  const json body = json::parse(event.body, nullptr, false);
  if (!body.is_object()) {
    return {"?", ""};
  }
  return {body.value("state", std::string("?")), body.value("message", std::string())};
}

std::string deliveryOf(const OutboxEvent& event) {
  if (event.sentAt) {
    return event.result == "delivered" ? "delivered" : event.result;
  }
  return event.attempts > 0
             ? "waiting (" + std::to_string(event.attempts) + " attempt(s): " + event.result + ")"
             : "waiting";
}

json printerJson(const PrinterInfo& printer, const std::string& agentsPrinter) {
  json problems = json::array();
  std::string severity = "none";
  for (const auto& reason : printer.reasons) {
    const std::string text = control::describePrinterReason(reason);
    if (text.empty()) {
      continue;
    }
    problems.push_back(text);
    const std::string s = control::reasonSeverity(reason);
    if (s == "error" || (s == "warning" && severity != "error") ||
        (s == "report" && severity == "none")) {
      severity = s;
    }
  }
  return json{{"name", printer.name},
              {"is_default", printer.isDefault},
              {"agent_printer", printer.name == agentsPrinter},
              {"state", printer.state},
              {"accepting", printer.accepting},
              {"reasons", printer.reasons},
              {"problems", problems},
              {"severity", severity},
              {"info", printer.info},
              {"location", printer.location},
              {"make_and_model", printer.makeAndModel}};
}

} // namespace

/// What the agent knew of a job the spooler forgot (outcome_unknown): for the shop's "did it
/// print?".
json evidenceJson(const JournalJob& job) {
  return json{{"last_spooler_state", job.spoolerState.empty() ? json() : json(job.spoolerState)},
              {"last_seen_at", job.spoolerSeenAt != 0 ? json(job.spoolerSeenAt) : json()},
              {"bytes_sent", job.bytesSent ? json(*job.bytesSent) : json()}};
}

json jobJson(const JournalJob& job) {
  return json{{"job_id", job.jobId},
              {"order_id", job.orderId},
              {"state", toString(job.state)},
              {"printer", job.printer},
              {"spooler_job_id", job.spoolerJobId ? json(*job.spoolerJobId) : json()},
              {"document_name", job.documentName},
              {"last_error", job.lastError},
              {"created_at", job.createdAt},
              {"updated_at", job.updatedAt},
              {"evidence", job.state == JobState::OutcomeUnknown ? evidenceJson(job) : json()}};
}

std::string testPageText(const std::string& printer, const std::string& storeName,
                         const std::string& version) {
  std::string text = "PrintRelay test page\n====================\n\n";
  text += "Printer:   " + printer + "\n";
  text += "Store:     " + (storeName.empty() ? std::string("(not named)") : storeName) + "\n";
  text += "Agent:     printrelay-agent " + version + "\n";
  text += "Printed:   " + isoTime(unixNow()) + "\n\n";
  text += "If you can read this, the agent reaches this printer through the spooler.\n\n";
  text += "Alignment ruler (10 characters per block):\n";
  for (int row = 0; row < 3; ++row) {
    text += "0123456789012345678901234567890123456789012345678901234567890123456789\n";
  }
  text += "\nABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789\n";
  return text;
}

AgentControl::AgentControl(Agent& agent, LogRing& logs, AgentControlOptions options)
    : agent_(agent), logs_(logs), options_(options),
      journal_(StatePaths(agent.settings().stateDir).journal().string()) {
  const Settings settings = agent_.settings();
  const StatePaths paths(settings.stateDir);
  // A pause outlives a restart: a technician who paused to fix a printer and rebooted the PC
  // must not find jobs printing on a half-fixed printer.
  std::ifstream in(pausePath(settings));
  if (in) {
    const json saved = json::parse(in, nullptr, false);
    const std::int64_t since = saved.is_object() ? saved.value("since", std::int64_t{0}) : 0;
    const std::string by = saved.is_object() ? saved.value("by", std::string()) : "";
    agent_.setPaused(true, by, since);
    log::warning("intake is paused since " + isoTime(since) +
                 " (restored from the last run); resume with: printrelayctl resume");
  }
  if (auto older = loadOlderKeys(paths); !older.empty()) {
    agent_.setOlderStoreKeys(std::move(older));
  }
}

AgentControl::~AgentControl() {
  stopListening();
}

void AgentControl::listen() {
  const std::string address = agent_.settings().controlSocket;
  if (address.empty()) {
    log::info("no control socket (control_socket is empty); printrelayctl cannot reach this "
              "agent");
    return;
  }
  try {
    server_ = std::make_unique<control::ControlServer>(
        control::listenControl(address),
        [this](const control::Request& request, const std::string& peer) {
          return handle(request, peer);
        });
    log::info("control socket listening on " + address);
  } catch (const std::exception& e) {
    log::error(std::string("control socket not available, printrelayctl cannot reach this "
                           "agent: ") +
               e.what());
  }
}

void AgentControl::stopListening() {
  if (server_) {
    server_->stop();
    server_.reset();
  }
}

std::unique_lock<std::timed_mutex> AgentControl::lockWork() {
  std::unique_lock lock(agent_.workLock(), std::defer_lock);
  if (!lock.try_lock_for(options_.workLockWait)) {
    throw Error(std::string(codes::kAgentBusy),
                "the agent is busy sending a document to the printer; try again in a moment");
  }
  return lock;
}

CloudRequests AgentControl::cloud() const {
  const Settings settings = agent_.settings();
  return CloudRequests(CloudEndpoint{.baseUrl = settings.cloudUrl, .caFile = settings.caFile},
                       agent_.credential());
}

json AgentControl::handle(const control::Request& request, const std::string& peer) {
  const std::string& cmd = request.command;
  const json& args = request.args;
  if (cmd == "status") {
    return status();
  }
  if (cmd == "printers") {
    return printers();
  }
  if (cmd == "jobs") {
    return jobs(args);
  }
  if (cmd == "job") {
    return job(args);
  }
  if (cmd == "diagnose") {
    return diagnose();
  }
  if (cmd == "logs") {
    return logs(args);
  }
  // The rest change something: say who asked.
  log::info("control: " + cmd + (args.empty() ? "" : " " + args.dump()) +
            (peer.empty() ? "" : " (requested by " + peer + ")"));
  if (cmd == "reprint") {
    return reprint(args, peer);
  }
  if (cmd == "cancel") {
    return cancel(args, peer);
  }
  if (cmd == "pause" || cmd == "resume") {
    return pause(cmd == "pause", peer);
  }
  if (cmd == "release") {
    return release(args, peer);
  }
  if (cmd == "test-page") {
    return testPage(args, peer);
  }
  if (cmd == "resolve") {
    return resolve(args, peer);
  }
  if (cmd == "key-rotate") {
    return rotateKey(peer);
  }
  throw Error(std::string(codes::kUnknownCommand), "the agent has no command '" + cmd + "'");
}

json AgentControl::status() {
  const DaemonSnapshot d = agent_.state().snapshot();
  const Settings settings = agent_.settings();
  const AgentIdentity identity = agent_.identity();
  std::size_t inFlight = 0;
  std::size_t outbox = 0;
  {
    std::lock_guard lock(journalMutex_);
    inFlight = journal_.unsettled().size();
    outbox = journal_.pendingCount();
  }
  return json{{"version", std::string(version())},
              {"protocol", control::kProtocolVersion},
              {"agent_id", identity.agentId},
              {"store_id", identity.storeId},
              {"store_name", identity.storeName},
              {"key_id", identity.keyId},
              {"cloud_url", settings.cloudUrl},
              {"printer", settings.printer},
              {"started_at", d.startedAt},
              {"now", unixNow()},
              {"cloud",
               {{"state", toString(d.link)},
                {"since", d.linkSince},
                {"last_contact", optionalTime(d.lastContact)},
                {"last_error", d.lastError}}},
              {"paused", d.paused},
              {"paused_since", optionalTime(d.pausedSince)},
              {"paused_by", d.pausedBy},
              {"current_job", d.currentJob},
              {"queue", {{"in_flight", inFlight}, {"outbox", outbox}}}};
}

json AgentControl::printers() {
  const Settings settings = agent_.settings();
  PrintBackend& backend = agent_.backend();
  const auto list = backend.listPrinters();
  std::string agentsPrinter;
  std::string problem;
  try {
    agentsPrinter = backend.resolvePrinter(settings.printer);
  } catch (const Error& e) {
    problem = e.what();
  }
  json out = json::array();
  for (const auto& printer : list) {
    out.push_back(printerJson(printer, agentsPrinter));
  }
  return json{{"printers", out},
              {"agent_printer", agentsPrinter},
              {"configured_printer", settings.printer},
              {"agent_printer_problem", problem}};
}

json AgentControl::jobs(const json& args) {
  const std::string state = control::optionalString(args, "state");
  if (!state.empty() && !parseJobState(state)) {
    throw Error(std::string(codes::kInvalidArgument),
                "'state' must be one of leased, submitting, printing, printed, failed, "
                "cancelled, outcome_unknown");
  }
  const auto limit = static_cast<std::size_t>(control::optionalInt(args, "limit", 20, 1, 10000));
  std::vector<JournalJob> found;
  {
    std::lock_guard lock(journalMutex_);
    // The journal keeps about a month of jobs; filtering a generous window is cheap.
    found = journal_.recent(state.empty() ? limit : 100000);
  }
  json out = json::array();
  for (const auto& j : found) {
    if (!state.empty() && toString(j.state) != state) {
      continue;
    }
    if (out.size() >= limit) {
      break;
    }
    out.push_back(jobJson(j));
  }
  return json{{"jobs", out}};
}

std::string AgentControl::resolveJobId(const std::string& typed) {
  std::lock_guard lock(journalMutex_);
  if (journal_.find(typed)) {
    return typed;
  }
  // A short id as the jobs table shows it ("job_1a2b3c4d"): the one job it starts.
  std::string match;
  for (const auto& j : journal_.recent(100000)) {
    if (j.jobId.rfind(typed, 0) == 0) {
      if (!match.empty()) {
        throw Error(std::string(codes::kInvalidArgument),
                    typed + " is the start of more than one job; give more of the id");
      }
      match = j.jobId;
    }
  }
  return match.empty() ? typed : match;
}

json AgentControl::job(const json& args) {
  const std::string id = resolveJobId(control::requireId(args, "id"));
  std::optional<JournalJob> found;
  std::vector<OutboxEvent> events;
  {
    std::lock_guard lock(journalMutex_);
    found = journal_.find(id);
    if (found) {
      events = journal_.eventsFor(id);
    }
  }
  if (!found) {
    throw Error(std::string(codes::kJobNotFound), "the journal has no job " + id);
  }
  json timeline = json::array();
  timeline.push_back(json{{"at", found->createdAt},
                          {"event", "leased"},
                          {"detail", "offered by the cloud (order " + found->orderId + ")"},
                          {"delivery", ""}});
  for (const auto& e : events) {
    const auto [state, message] = eventContent(e);
    timeline.push_back(json{{"at", e.createdAt},
                            {"event", state},
                            {"seq", e.seq},
                            {"detail", message},
                            {"delivery", deliveryOf(e)},
                            {"sent_at", e.sentAt ? json(*e.sentAt) : json()}});
  }
  json spooler;
  if (found->spoolerJobId && !isSettled(found->state)) {
    try {
      const auto status = agent_.backend().jobStatus(spoolerJobOf(*found));
      spooler = json{{"state", toString(status.state)},
                     {"reasons", status.reasons},
                     {"not_ours", status.foreign}};
    } catch (const Error& e) {
      spooler = json{{"error", e.what()}};
    }
  }
  return json{{"job", jobJson(*found)}, {"timeline", timeline}, {"spooler", spooler}};
}

json AgentControl::reprint(const json& args, const std::string& peer) {
  const std::string id = resolveJobId(control::requireId(args, "id"));
  std::optional<JournalJob> found;
  {
    std::lock_guard lock(journalMutex_);
    found = journal_.find(id);
  }
  if (!found) {
    throw Error(std::string(codes::kJobNotFound), "the journal has no job " + id);
  }
  if (found->state != JobState::Printed && found->state != JobState::Failed) {
    throw Error(std::string(codes::kJobNotReprintable),
                "job " + id + " is " + std::string(toString(found->state)) +
                    "; only a printed or failed job can be printed again");
  }
  const json answer = cloud().requestReprint(
      id, "reprint requested at the shop" + (peer.empty() ? std::string() : " by " + peer));
  return json{{"job_id", id}, {"requested", true}, {"cloud", answer}};
}

json AgentControl::cancel(const json& args, const std::string& peer) {
  const std::string id = resolveJobId(control::requireId(args, "id"));
  const std::string why = "cancelled_at_shop: cancelled at the shop" +
                          (peer.empty() ? std::string() : " by " + peer) +
                          " (printrelayctl cancel)";
  auto work = lockWork();
  const JournalJob job = agent_.processor().cancelAtShop(id, why);
  const FlushResult flushed = agent_.reporter().flush();
  return json{{"job", jobJson(job)}, {"reported", flushed == FlushResult::Done}};
}

json AgentControl::pause(bool paused, const std::string& peer) {
  const Settings settings = agent_.settings();
  const bool changed = agent_.setPaused(paused, peer);
  const DaemonSnapshot d = agent_.state().snapshot();
  if (paused && changed) {
    const json saved{{"since", d.pausedSince}, {"by", d.pausedBy}};
    try {
      writeFileAtomic(pausePath(settings), asBytes(saved.dump() + "\n"), 0600);
    } catch (const std::exception& e) {
      log::warning(std::string("the pause will not survive a restart: ") + e.what());
    }
  } else if (!paused) {
    std::error_code ec;
    std::filesystem::remove(pausePath(settings), ec);
  }
  return json{
      {"paused", d.paused}, {"changed", changed}, {"paused_since", optionalTime(d.pausedSince)}};
}

json AgentControl::release(const json& args, const std::string& /*peer*/) {
  const std::string code = control::requireId(args, "code");
  if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("code_not_six_digits", "a pickup code is six digits");
  }
  const json answer = cloud().releaseByPickupCode(code);
  return json{{"released", true}, {"cloud", answer}};
}

json AgentControl::resolve(const json& args, const std::string& peer) {
  const std::string typed = control::requireId(args, "order");
  const auto printed = args.find("printed");
  if (printed == args.end() || !printed->is_boolean()) {
    throw Error(std::string(codes::kInvalidArgument), "'printed' must be true or false");
  }
  // A job id (or the start of one) from the jobs table names its order; else it is the order.
  std::string orderId = typed;
  {
    const std::string jobId = resolveJobId(typed);
    std::lock_guard lock(journalMutex_);
    if (const auto job = journal_.find(jobId); job) {
      orderId = job->orderId;
    }
  }
  const json answer = cloud().resolveOutcome(orderId, printed->get<bool>());
  log::notice("order " + orderId + " resolved as " +
              (printed->get<bool>() ? "printed" : "not printed") + " by " + peer);
  return json{{"order_id", orderId},
              {"printed", printed->get<bool>()},
              {"state", answer.value("state", std::string())},
              {"cloud", answer}};
}

json AgentControl::testPage(const json& args, const std::string& /*peer*/) {
  const std::string wanted = control::requireString(args, "printer");
  PrintBackend& backend = agent_.backend();
  const std::string printer = backend.resolvePrinter(wanted);
  protocol::PrintOptions options;
  try {
    const auto caps = backend.capabilities(printer);
    if (!caps.defaultMedia.empty()) {
      options.media = caps.defaultMedia;
    } else if (!caps.media.empty() &&
               std::find(caps.media.begin(), caps.media.end(), options.media) == caps.media.end()) {
      options.media = caps.media.front();
    }
  } catch (const Error& e) {
    log::printer(log::Level::Debug, printer,
                 std::string("no capabilities for the test page: ") + e.what());
  }
  const std::string text =
      testPageText(printer, agent_.identity().storeName, std::string(version()));
  const std::string title = "PrintRelay test page";
  const CreatedJob created = backend.createJob(printer, title, options, "text/plain");
  const int spoolerJobId = created.id;
  try {
    auto writer =
        backend.startDocument(printer, spoolerJobId, "printrelay-test-page.txt", "text/plain");
    writer->write(asBytes(text));
    writer->finish();
  } catch (...) {
    try {
      backend.cancelJob(SpoolerJobRef{printer, spoolerJobId, title, created.uuid});
    } catch (const std::exception&) {
      // The job never got its document; it cannot print.
    }
    throw;
  }
  log::printer(log::Level::Notice, printer,
               "test page sent as spooler job " + std::to_string(spoolerJobId));
  return json{{"printer", printer}, {"spooler_job_id", spoolerJobId}, {"bytes", text.size()}};
}

json AgentControl::diagnose() {
  DiagnoseInput input;
  input.settings = agent_.settings();
  input.credential = agent_.credential();
  input.backend = &agent_.backend();
  input.daemon = agent_.state().snapshot();
  {
    std::lock_guard lock(journalMutex_);
    input.outboxPending = journal_.pendingCount();
  }
  return control::diagnoseResult(runDiagnostics(input));
}

json AgentControl::logs(const json& args) {
  auto lines = static_cast<std::size_t>(control::optionalInt(args, "lines", 50, 1, 100000));
  const bool follow = args.contains("since");
  const auto since = static_cast<std::size_t>(
      control::optionalInt(args, "since", 0, 0, std::numeric_limits<std::int64_t>::max()));
  // With `since` (the total a follower saw last): the lines logged after it. A line logged
  // between reading the total and the lines would be counted wrong, so read again then.
  for (int attempt = 0;; ++attempt) {
    const std::size_t total = logs_.total();
    if (follow) {
      lines = std::min(total > since ? total - since : 0, logs_.capacity());
    }
    std::vector<std::string> out = lines == 0 ? std::vector<std::string>{} : logs_.last(lines);
    if (logs_.total() == total || attempt == 3) {
      return json{{"lines", out}, {"kept", logs_.capacity()}, {"total", total}};
    }
  }
}

json AgentControl::rotateKey(const std::string& /*peer*/) {
  const StatePaths paths(agent_.settings().stateDir);
  CloudRequests client = cloud();
  auto work = lockWork();
  KeyRotation rotation =
      rotateStoreKey(paths, [&client](const std::string& publicKey, const std::string& keyId) {
        return client.registerKey(publicKey, keyId);
      });
  agent_.setStoreKey(rotation.key, rotation.older, rotation.newKeyId);
  return json{{"old_key_id", rotation.oldKeyId},
              {"new_key_id", rotation.newKeyId},
              {"cloud", rotation.cloudAnswer}};
}

} // namespace printrelay::agent
