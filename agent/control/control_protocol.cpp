#include "agent/control/control_protocol.h"

#include "agent/control/control_transport.h"
#include "common/util/enum_names.h"
#include "common/util/error.h"

#include <algorithm>
#include <array>
#include <utility>

namespace printrelay::agent::control {
namespace {

using nlohmann::json;

/// Printer-state-reason keywords (RFC 8011 §5.4.12, PWG 5100.9) in the words of a print shop.
constexpr std::array<std::pair<std::string_view, std::string_view>, 34> kReasonText{{
    {"media-empty", "paper out"},
    {"media-needed", "load paper"},
    {"media-low", "paper low"},
    {"media-jam", "paper jam"},
    {"media-path-failure", "paper path problem"},
    {"input-tray-missing", "paper tray missing"},
    {"output-tray-missing", "output tray missing"},
    {"output-area-full", "output tray full"},
    {"output-area-almost-full", "output tray almost full"},
    {"toner-low", "toner low"},
    {"toner-empty", "toner empty"},
    {"marker-supply-low", "ink/toner low"},
    {"marker-supply-empty", "ink/toner empty"},
    {"marker-waste-almost-full", "waste toner almost full"},
    {"marker-waste-full", "waste toner full"},
    {"developer-low", "developer low"},
    {"developer-empty", "developer empty"},
    {"fuser-over-temp", "fuser too hot"},
    {"fuser-under-temp", "fuser warming up"},
    {"opc-near-eol", "drum near end of life"},
    {"opc-life-over", "drum worn out"},
    {"door-open", "door open"},
    {"cover-open", "cover open"},
    {"interlock-open", "interlock open"},
    {"offline", "offline"},
    {"shutdown", "shut down"},
    {"paused", "paused (cupsdisable)"},
    {"stopped-partly", "partly stopped"},
    {"stopping", "stopping"},
    {"connecting-to-device", "connecting to the printer"},
    {"timed-out", "not responding"},
    {"spool-area-full", "spool area full"},
    {"moving-to-paused", "pausing"},
    {"cups-missing-filter", "missing CUPS filter (driver)"},
}};

/// Reasons that stop printing when they carry no severity suffix.
constexpr std::array<std::string_view, 19> kBlocking{"media-empty",
                                                     "media-needed",
                                                     "media-jam",
                                                     "media-path-failure",
                                                     "input-tray-missing",
                                                     "output-area-full",
                                                     "toner-empty",
                                                     "marker-supply-empty",
                                                     "marker-waste-full",
                                                     "door-open",
                                                     "cover-open",
                                                     "interlock-open",
                                                     "offline",
                                                     "shutdown",
                                                     "paused",
                                                     "timed-out",
                                                     "spool-area-full",
                                                     "opc-life-over",
                                                     "cups-missing-filter"};

/// The keyword without its -error / -warning / -report suffix, and the suffix.
std::pair<std::string_view, std::string_view> splitSuffix(std::string_view reason) {
  for (std::string_view suffix : {"-error", "-warning", "-report"}) {
    if (reason.size() > suffix.size() && reason.ends_with(suffix)) {
      return {reason.substr(0, reason.size() - suffix.size()), suffix.substr(1)};
    }
  }
  return {reason, {}};
}

[[noreturn]] void invalid(const std::string& name, const std::string& what) {
  throw Error(std::string(codes::kInvalidArgument), "'" + name + "' " + what);
}

} // namespace

bool isKnownCommand(std::string_view name) {
  return std::find(std::begin(kCommands), std::end(kCommands), name) != std::end(kCommands);
}

Response Response::success(json id, json result) {
  Response r;
  r.id = std::move(id);
  r.ok = true;
  r.result = std::move(result);
  return r;
}

Response Response::error(json id, std::string code, std::string message,
                         std::optional<int> cloudStatus) {
  Response r;
  r.id = std::move(id);
  r.ok = false;
  r.result = json();
  r.failure = Failure{std::move(code), std::move(message), cloudStatus};
  return r;
}

std::string encodeRequest(const Request& request) {
  json j{{"v", kProtocolVersion}, {"cmd", request.command}, {"args", request.args}};
  if (!request.id.is_null()) {
    j["id"] = request.id;
  }
  // Invalid UTF-8 from a command line must not make the dump throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string encodeResponse(const Response& response) {
  json j{{"v", kProtocolVersion}, {"id", response.id}, {"ok", response.ok}};
  if (response.ok) {
    j["result"] = response.result;
  } else {
    j["error"] = {{"code", response.failure.code}, {"message", response.failure.message}};
    if (response.failure.cloudStatus) {
      j["error"]["cloud_status"] = *response.failure.cloudStatus;
    }
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

ParsedRequest parseRequest(std::string_view line) {
  ParsedRequest out;
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.failure = Failure{std::string(codes::kBadRequest), "a request is one JSON object per line",
                          std::nullopt};
    return out;
  }
  if (const auto it = j.find("id"); it != j.end()) {
    out.id = *it;
  }
  if (const auto it = j.find("v");
      it != j.end() && (!it->is_number_integer() || it->get<long long>() != kProtocolVersion)) {
    out.failure = Failure{std::string(codes::kUnsupportedVersion),
                          "this agent speaks control protocol version " +
                              std::to_string(kProtocolVersion) + "; update printrelayctl",
                          std::nullopt};
    return out;
  }
  const auto cmd = j.find("cmd");
  if (cmd == j.end() || !cmd->is_string() || cmd->get<std::string>().empty()) {
    out.failure =
        Failure{std::string(codes::kBadRequest), "the request has no \"cmd\"", std::nullopt};
    return out;
  }
  Request request;
  request.id = out.id;
  request.command = cmd->get<std::string>();
  if (const auto args = j.find("args"); args != j.end() && !args->is_null()) {
    if (!args->is_object()) {
      out.failure =
          Failure{std::string(codes::kBadRequest), "\"args\" must be an object", std::nullopt};
      return out;
    }
    request.args = *args;
  }
  if (!isKnownCommand(request.command)) {
    out.failure = Failure{std::string(codes::kUnknownCommand),
                          "the agent has no command '" + request.command + "'", std::nullopt};
    return out;
  }
  out.request = std::move(request);
  return out;
}

Response parseResponse(std::string_view line) {
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
    throw Error("bad_response", "the agent's answer is not a control response");
  }
  Response r;
  r.id = j.value("id", json());
  r.ok = j["ok"].get<bool>();
  if (r.ok) {
    r.result = j.value("result", json::object());
    return r;
  }
  const json err = j.value("error", json::object());
  r.failure.code = err.is_object() && err.contains("code") && err["code"].is_string()
                       ? err["code"].get<std::string>()
                       : std::string(codes::kInternal);
  r.failure.message = err.is_object() && err.contains("message") && err["message"].is_string()
                          ? err["message"].get<std::string>()
                          : "the agent reported an error";
  if (err.is_object() && err.contains("cloud_status") && err["cloud_status"].is_number_integer()) {
    r.failure.cloudStatus = err["cloud_status"].get<int>();
  }
  return r;
}

std::string requireString(const json& args, const std::string& name) {
  const auto it = args.find(name);
  if (it == args.end() || !it->is_string() || it->get<std::string>().empty()) {
    invalid(name, "is required");
  }
  return it->get<std::string>();
}

std::string optionalString(const json& args, const std::string& name) {
  const auto it = args.find(name);
  if (it == args.end() || it->is_null()) {
    return {};
  }
  if (!it->is_string()) {
    invalid(name, "must be a string");
  }
  return it->get<std::string>();
}

std::int64_t optionalInt(const json& args, const std::string& name, std::int64_t fallback,
                         std::int64_t min, std::int64_t max) {
  const auto it = args.find(name);
  if (it == args.end() || it->is_null()) {
    return fallback;
  }
  if (!it->is_number_integer()) {
    invalid(name, "must be an integer");
  }
  const auto value = it->get<std::int64_t>();
  if (value < min || value > max) {
    invalid(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

std::string requireId(const json& args, const std::string& name) {
  const std::string value = requireString(args, name);
  const bool wellFormed = value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                   (c >= '0' && c <= '9') || c == '-' || c == '_';
                          });
  if (!wellFormed) {
    invalid(name, "must be 1 to 64 letters, digits, '-' or '_'");
  }
  return value;
}

std::string describePrinterReason(std::string_view reason) {
  const auto [keyword, suffix] = splitSuffix(reason);
  if (keyword == "none" || keyword.empty()) {
    return {};
  }
  for (const auto& [name, text] : kReasonText) {
    if (name == keyword) {
      return std::string(text);
    }
  }
  return std::string(reason);
}

std::string reasonSeverity(std::string_view reason) {
  const auto [keyword, suffix] = splitSuffix(reason);
  if (!suffix.empty()) {
    return std::string(suffix);
  }
  return std::find(kBlocking.begin(), kBlocking.end(), keyword) != kBlocking.end() ? "error"
                                                                                   : "warning";
}

constexpr auto kCheckStatusNames = enumNames(CheckStatus::Skip, {"pass", "warn", "fail", "skip"});

std::string_view toString(CheckStatus status) {
  return kCheckStatusNames.name(status);
}

std::optional<CheckStatus> parseCheckStatus(std::string_view name) {
  return kCheckStatusNames.parse(name);
}

void to_json(json& j, const Check& check) {
  j = json{{"name", check.name},
           {"title", check.title},
           {"status", toString(check.status)},
           {"detail", check.detail},
           {"hint", check.hint}};
}

void from_json(const json& j, Check& check) {
  check.name = j.value("name", std::string());
  check.title = j.value("title", check.name);
  check.status = parseCheckStatus(j.value("status", std::string())).value_or(CheckStatus::Fail);
  check.detail = j.value("detail", std::string());
  check.hint = j.value("hint", std::string());
}

json diagnoseResult(const std::vector<Check>& checks) {
  json summary{{"pass", 0}, {"warn", 0}, {"fail", 0}, {"skip", 0}};
  for (const auto& check : checks) {
    auto& count = summary[std::string(toString(check.status))];
    count = count.get<int>() + 1;
  }
  return json{{"checks", checks}, {"summary", summary}};
}

} // namespace printrelay::agent::control
