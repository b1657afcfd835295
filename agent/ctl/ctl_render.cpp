#include "agent/ctl/ctl_render.h"

#include "agent/daemon/cli.h"
#include "agent/daemon/daemon_state.h"
#include "common/util/text.h"

#include <algorithm>
#include <ctime>

namespace printrelay::ctl {
namespace {

using nlohmann::json;

/// Characters (UTF-8 code points) in `text`, for column widths.
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string str(const json& j, const char* key, std::string fallback = {}) {
  if (!j.is_object()) {
    return fallback;
  }
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return fallback;
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  return it->dump();
}

std::int64_t integer(const json& j, const char* key) {
  if (!j.is_object()) {
    return 0;
  }
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool flag(const json& j, const char* key) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

/// The strings of a JSON array joined by ", " (anything else in it is left out).
std::string joined(const json& list) {
  std::vector<std::string> items;
  if (list.is_array()) {
    for (const auto& item : list) {
      if (item.is_string()) {
        items.push_back(item.get<std::string>());
      }
    }
  }
  return joinedNonEmpty(items);
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

/// A "label  value" block with aligned values.
std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t w = 0;
  for (const auto& [label, value] : fields) {
    w = std::max(w, width(label));
  }
  std::string out;
  for (const auto& [label, value] : fields) {
    out += label + std::string(w - width(label) + 2, ' ') + value + "\n";
  }
  return out;
}

} // namespace

int exitCodeFor(std::string_view code, std::optional<int> cloudStatus) {
  if (code == "route_not_found" || code == "method_not_allowed") {
    return kExitCloudUnsupported;
  }
  if (code.ends_with("_not_found")) {
    return kExitNotFound;
  }
  if (code == "code_not_six_digits") {
    return kExitBadPickupCode;
  }
  if (cloudStatus) {
    if (*cloudStatus == 0) {
      return kExitCloudUnreachable;
    }
    if (*cloudStatus == 409) {
      return kExitConflict;
    }
    return kExitCloudRefused;
  }
  if (code == "control_unavailable" || code == "control_timeout") {
    return kExitAgentUnreachable;
  }
  if (code == "control_forbidden") {
    return kExitPermission;
  }
  if (code == "cloud_unreachable") {
    return kExitCloudUnreachable;
  }
  if (code == "job_not_cancellable" || code == "job_not_reprintable" || code == "agent_busy" ||
      code == "outcome_known" || code == "server_busy" || code == "illegal_transition" ||
      code.ends_with("_conflict")) {
    return kExitConflict;
  }
  if (code == "invalid_argument" || code == "usage") {
    return kExitUsage;
  }
  // The agent's own failures keep the statuses printrelay-agent gives them.
  static_assert(int{kExitConfig} == int{agent::kExitConfig} &&
                int{kExitAlreadyEnrolled} == int{agent::kExitAlreadyEnrolled} &&
                int{kExitNotEnrolled} == int{agent::kExitNotEnrolled} &&
                int{kExitSpooler} == int{agent::kExitSpooler});
  switch (const int status = agent::exitStatusFor(code)) {
  case kExitConfig:
  case kExitAlreadyEnrolled:
  case kExitNotEnrolled:
  case kExitSpooler:
    return status;
  default:
    break;
  }
  if (code.starts_with("credential_") || code == "unauthorized" || code == "forbidden" ||
      code == "invalid_credentials") {
    return kExitCloudRefused;
  }
  return kExitFailure;
}

std::string renderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(headers.size(), 0);
  const auto measure = [&widths](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], width(row[i]));
    }
  };
  measure(headers);
  for (const auto& row : rows) {
    measure(row);
  }
  const auto line = [&widths](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : std::string();
      out += cell;
      if (i + 1 < widths.size()) {
        out += std::string(widths[i] - width(cell) + 2, ' ');
      }
    }
    while (!out.empty() && out.back() == ' ') {
      out.pop_back();
    }
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) {
    out += line(row);
  }
  return out;
}

std::string renderTime(const json& unixSeconds, std::int64_t now) {
  if (!unixSeconds.is_number_integer() || unixSeconds.get<std::int64_t>() <= 0) {
    return "never";
  }
  const std::int64_t t = unixSeconds.get<std::int64_t>();
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(text) + " (" + renderAge(unixSeconds, now) + ")";
}

std::string renderStatus(const json& r, std::int64_t now) {
  const json cloud = r.value("cloud", json::object());
  const std::string link = str(cloud, "state", "unknown");
  std::string linkText;
  if (link == "online") {
    linkText = "online since " + renderTime(cloud.value("since", json()), now);
  } else if (link == "offline") {
    linkText = "OFFLINE since " + renderTime(cloud.value("since", json()), now) + ": " +
               str(cloud, "last_error");
  } else if (link == "refused") {
    linkText = "REFUSED (credential not accepted) since " +
               renderTime(cloud.value("since", json()), now) + ": " + str(cloud, "last_error");
  } else {
    linkText = link + " (started " + renderTime(r.value("started_at", json()), now) + ")";
  }
  const json queue = r.value("queue", json::object());
  const std::string storeName = str(r, "store_name");
  const std::string storeId = str(r, "store_id");
  std::vector<std::pair<std::string, std::string>> fields{
      {"Agent", "printrelay-agent " + str(r, "version") + ", up since " +
                    renderTime(r.value("started_at", json()), now)},
      {"Store", storeName.empty() ? storeId : storeName + " (" + storeId + ")"},
      {"Cloud", str(r, "cloud_url") + " — " + linkText},
      {"Last contact", renderTime(cloud.value("last_contact", json()), now)},
      {"Intake", flag(r, "paused")
                     ? "PAUSED since " + renderTime(r.value("paused_since", json()), now) +
                           (str(r, "paused_by").empty() ? "" : " by " + str(r, "paused_by")) +
                           " — printrelayctl resume"
                     : "taking new jobs"},
      {"Queue", std::to_string(integer(queue, "in_flight")) + " job(s) in flight, " +
                    std::to_string(integer(queue, "outbox")) +
                    " status event(s) waiting to be sent"},
      {"Printer", str(r, "printer").empty() ? "(CUPS default destination)" : str(r, "printer")},
  };
  if (!str(r, "current_job").empty()) {
    fields.emplace_back("Printing now", "job " + str(r, "current_job"));
  }
  if (link == "refused") {
    fields.emplace_back("To fix", "this agent's credential was revoked or replaced. Get a new "
                                  "enrollment code for the store, then: sudo systemctl stop "
                                  "printrelay-agent; sudo PRINTRELAY_ENROLL_CODE=CODE "
                                  "printrelayctl enroll --force; sudo systemctl start "
                                  "printrelay-agent");
  }
  return renderFields(fields);
}

std::string renderPrinters(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r.value("printers", json::array())) {
    std::string name = str(p, "name");
    if (flag(p, "agent_printer")) {
      name += " *";
    }
    std::string problems = joined(p.value("problems", json::array()));
    rows.push_back({name, str(p, "state"), flag(p, "accepting") ? "yes" : "NO",
                    problems.empty() ? "-" : problems, str(p, "make_and_model")});
  }
  if (rows.empty()) {
    return "No printers. Add one to CUPS (lpadmin) and set 'printer' in the agent "
           "configuration.\n";
  }
  std::string out = renderTable({"PRINTER", "STATE", "ACCEPTING", "PROBLEMS", "MODEL"}, rows);
  out += "* the printer the agent prints on";
  if (!str(r, "agent_printer_problem").empty()) {
    out += "\nwarning: " + str(r, "agent_printer_problem");
  }
  return out + "\n";
}

std::string fitted(std::string_view text, std::size_t maxWidth) {
  if (width(text) <= maxWidth) {
    return std::string(text);
  }
  std::string out;
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && ++n > maxWidth - 1) {
      break;
    }
    out += c;
  }
  return out + "…";
}

std::string wrapped(std::string_view text, std::size_t maxWidth, std::size_t indent) {
  std::string out;
  std::size_t lineWidth = 0;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (lineWidth > 0 && lineWidth + 1 + width(word) > maxWidth) {
      out += "\n" + std::string(indent, ' ');
      lineWidth = indent;
    } else if (lineWidth > 0) {
      out += ' ';
      ++lineWidth;
    }
    out += word;
    lineWidth += width(word);
  }
  return out;
}

std::string shortId(std::string_view id) {
  const auto underscore = id.find('_');
  const std::size_t keep = underscore == std::string_view::npos ? 8 : underscore + 1 + 8;
  return std::string(id.substr(0, keep));
}

std::string renderAge(const json& unixSeconds, std::int64_t now) {
  if (!unixSeconds.is_number_integer() || unixSeconds.get<std::int64_t>() <= 0) {
    return "never";
  }
  const std::int64_t delta = now - unixSeconds.get<std::int64_t>();
  return delta >= 0 ? humanDuration(delta) + " ago" : "in " + humanDuration(-delta);
}

/// For a job in outcome_unknown: what the agent saw before the spooler forgot it, and what to
/// do; empty for any other job.
std::string evidenceNote(const json& j, std::int64_t now) {
  const json evidence = j.value("evidence", json());
  if (!evidence.is_object()) {
    return {};
  }
  const std::string state = str(evidence, "last_spooler_state");
  const std::string bytes = str(evidence, "bytes_sent");
  return "may have printed: CUPS last said " + (state.empty() ? "nothing" : state) +
         (evidence.value("last_seen_at", json()).is_number()
              ? " " + renderAge(evidence["last_seen_at"], now)
              : std::string()) +
         (bytes.empty() ? std::string() : ", " + bytes + " bytes sent") +
         "; check the tray, then printrelayctl resolve " + str(j, "order_id") +
         " --printed|--not-printed";
}

std::string renderJobs(const json& r, std::int64_t now, bool wide) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  for (const auto& j : r.value("jobs", json::array())) {
    const std::string spooler = str(j, "spooler_job_id");
    const std::string evidence = evidenceNote(j, now);
    const std::string note = evidence.empty() ? str(j, "last_error") : evidence;
    if (wide) {
      rows.push_back({str(j, "job_id"), str(j, "state"), str(j, "printer", "-"),
                      spooler.empty() ? "-" : spooler, str(j, "document_name"),
                      renderTime(j.value("updated_at", json()), now), note});
    } else {
      rows.push_back({shortId(str(j, "job_id")), str(j, "state"),
                      fitted(str(j, "printer", "-"), 14), spooler.empty() ? "-" : spooler,
                      fitted(str(j, "document_name"), 20),
                      renderAge(j.value("updated_at", json()), now)});
      notes.push_back(note);
    }
  }
  if (rows.empty()) {
    return "No jobs.\n";
  }
  if (wide) {
    return renderTable({"JOB", "STATE", "PRINTER", "CUPS", "DOCUMENT", "UPDATED", "NOTE"}, rows);
  }
  // In 80 columns a job's note goes on a line of its own below it.
  const std::string table =
      renderTable({"JOB", "STATE", "PRINTER", "CUPS", "DOCUMENT", "UPDATED"}, rows);
  std::string out;
  std::size_t row = 0;
  std::size_t start = 0;
  for (std::size_t end = table.find('\n'); end != std::string::npos;
       start = end + 1, end = table.find('\n', start)) {
    out += table.substr(start, end - start + 1);
    if (start > 0 && row < notes.size() && !notes[row++].empty()) {
      out += "  └ " + fitted(notes[row - 1], kTableWidth - 4) + "\n";
    }
  }
  return out;
}

std::string renderJob(const json& r, std::int64_t now) {
  const json job = r.value("job", json::object());
  const std::string spoolerId = str(job, "spooler_job_id");
  std::vector<std::pair<std::string, std::string>> fields{
      {"Job", str(job, "job_id")},           {"Order", str(job, "order_id")},
      {"State", str(job, "state")},          {"Document", str(job, "document_name")},
      {"Printer", str(job, "printer", "-")}, {"CUPS job", spoolerId.empty() ? "-" : spoolerId},
  };
  if (!str(job, "last_error").empty()) {
    fields.emplace_back("Note", str(job, "last_error"));
  }
  if (const std::string evidence = evidenceNote(job, now); !evidence.empty()) {
    fields.emplace_back("Outcome", evidence);
  }
  const json spooler = r.value("spooler", json());
  if (spooler.is_object()) {
    fields.emplace_back(
        "CUPS says",
        spooler.contains("error")
            ? str(spooler, "error")
            : str(spooler, "state") +
                  (joined(spooler.value("reasons", json::array())).empty()
                       ? ""
                       : " (" + joined(spooler.value("reasons", json::array())) + ")"));
  }
  std::string out = renderFields(fields) + "\nTimeline:\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r.value("timeline", json::array())) {
    rows.push_back({renderTime(e.value("at", json()), now), str(e, "event"),
                    str(e, "delivery").empty() ? "-" : str(e, "delivery"), str(e, "detail")});
  }
  return out + renderTable({"WHEN", "EVENT", "TO THE CLOUD", "DETAIL"}, rows);
}

std::string renderDiagnose(const json& r) {
  std::string out;
  for (const auto& c : r.value("checks", json::array())) {
    out += upper(str(c, "status")) +
           std::string(6 - std::min<std::size_t>(4, str(c, "status").size()), ' ') +
           str(c, "title") + (str(c, "detail").empty() ? "" : " — " + str(c, "detail")) + "\n";
    if (!str(c, "hint").empty() && str(c, "status") != "pass") {
      out += "      hint: " + str(c, "hint") + "\n";
    }
  }
  const json s = r.value("summary", json::object());
  out +=
      "\n" + std::to_string(integer(s, "pass")) + " passed, " + std::to_string(integer(s, "warn")) +
      " warning(s), " + std::to_string(integer(s, "fail")) + " failed" +
      (integer(s, "skip") > 0 ? ", " + std::to_string(integer(s, "skip")) + " skipped" : "") + "\n";
  return out;
}

std::string renderLogs(const json& r) {
  std::string out;
  for (const auto& line : r.value("lines", json::array())) {
    if (line.is_string()) {
      out += line.get<std::string>() + "\n";
    }
  }
  return out;
}

std::string renderAction(std::string_view command, const json& r) {
  if (command == "pause") {
    return flag(r, "changed") ? "Paused: the agent takes no new jobs until printrelayctl resume. "
                                "Jobs already at the printer carry on.\n"
                              : "Already paused.\n";
  }
  if (command == "resume") {
    return flag(r, "changed") ? "Resumed: the agent takes new jobs again.\n"
                              : "Not paused; the agent takes new jobs.\n";
  }
  if (command == "cancel") {
    const json job = r.value("job", json::object());
    return "Cancelled job " + str(job, "job_id") +
           (str(job, "spooler_job_id").empty() ? std::string()
                                               : " (CUPS job " + str(job, "spooler_job_id") + ")") +
           "; the cloud " + (flag(r, "reported") ? "knows" : "will be told when it is reachable") +
           ".\n";
  }
  if (command == "reprint") {
    const json cloud = r.value("cloud", json::object());
    return "Reprint of job " + str(r, "job_id") + " requested" +
           (str(cloud, "job_id").empty() ? "" : " (new job " + str(cloud, "job_id") + ")") +
           "; it arrives like any other job.\n";
  }
  if (command == "release") {
    const json cloud = r.value("cloud", json::object());
    return wrapped("Released" +
                   (str(cloud, "order_id").empty() ? "" : " order " + str(cloud, "order_id")) +
                   ": it prints as soon as the agent receives it.") +
           "\n";
  }
  if (command == "resolve") {
    return wrapped("Order " + str(r, "order_id") + " resolved as " +
                   (flag(r, "printed") ? "printed: the customer is told it is ready."
                                       : "not printed: it is failed (a paid order is refunded); "
                                         "reprint it if you like.")) +
           "\n";
  }
  if (command == "test-page") {
    return "Test page sent to " + str(r, "printer") + " (CUPS job " + str(r, "spooler_job_id") +
           ", " + str(r, "bytes") + " bytes).\n";
  }
  if (command == "key-rotate") {
    return "Store key rotated: " + str(r, "old_key_id") + " -> " + str(r, "new_key_id") +
           ". Documents sealed to the old key still print.\n";
  }
  return renderJson(r);
}

std::string renderJson(const json& result) {
  return result.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string renderJsonError(std::string_view code, std::string_view message, int exitCode) {
  return json{{"error", {{"code", code}, {"message", message}, {"exit_code", exitCode}}}}.dump(
             2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

int diagnoseExitCode(const json& result) {
  const json s = result.value("summary", json::object());
  return integer(s, "fail") > 0 ? kExitDiagnoseFailed : kExitOk;
}

} // namespace printrelay::ctl
