#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent::control {

// The local control protocol between printrelayctl and the running agent: one JSON object per
// line (UTF-8, '\n'-terminated) in each direction, any number of requests per connection, one
// response per request, in order.
//
//   request:  {"v": 1, "id": 7, "cmd": "jobs", "args": {"state": "printing", "limit": 20}}
//   response: {"v": 1, "id": 7, "ok": true,  "result": {...}}
//             {"v": 1, "id": 7, "ok": false, "error": {"code": "job_not_found", "message": "…"}}
//
// "id" is echoed back (any JSON value; null when the request had none). Error codes are
// stable (printrelayctl maps them to exit statuses); messages are for people.

/// The protocol version this build speaks; a request with another "v" is refused.
inline constexpr int kProtocolVersion = 1;
/// Longest request line the agent reads; a longer one is answered with request_too_large and
/// the connection is closed.
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;
/// Longest response line a client accepts (logs and job lists can be long).
inline constexpr std::size_t kMaxResponseBytes = 16 * 1024 * 1024;

/// The commands the agent serves, as sent in "cmd".
inline constexpr std::string_view kCommands[] = {
    "status", "printers", "jobs",      "job",      "reprint", "cancel",     "pause",
    "resume", "release",  "test-page", "diagnose", "logs",    "key-rotate", "resolve"};

/// True when `name` is one of kCommands.
bool isKnownCommand(std::string_view name);

/// Stable error codes of the control protocol (besides the agent's own codes such as
/// printer_not_found, spooler_unavailable or the cloud's codes, which are passed through).
namespace codes {
inline constexpr std::string_view kBadRequest = "bad_request";            ///< not a valid request
inline constexpr std::string_view kRequestTooLarge = "request_too_large"; ///< line too long
inline constexpr std::string_view kUnsupportedVersion = "unsupported_version";
inline constexpr std::string_view kUnknownCommand = "unknown_command";
inline constexpr std::string_view kInvalidArgument = "invalid_argument";
inline constexpr std::string_view kJobNotFound = "job_not_found";
inline constexpr std::string_view kJobNotCancellable = "job_not_cancellable";
inline constexpr std::string_view kJobNotReprintable = "job_not_reprintable";
inline constexpr std::string_view kAgentBusy = "agent_busy";   ///< a job is streaming; try again
inline constexpr std::string_view kServerBusy = "server_busy"; ///< too many connections
inline constexpr std::string_view kInternal = "internal_error";
} // namespace codes

/// One request.
struct Request {
  nlohmann::json id; ///< echoed in the response
  std::string command;
  nlohmann::json args = nlohmann::json::object();
};

/// A failed request: code and message for the response's "error".
struct Failure {
  std::string code;
  std::string message;
  /// Set when the cloud answered the agent with this error: its HTTP status (0: the cloud could
  /// not be reached). Sent as "cloud_status".
  std::optional<int> cloudStatus;
};

/// One response: `result` when ok, `failure` otherwise.
struct Response {
  nlohmann::json id;
  bool ok = true;
  nlohmann::json result = nlohmann::json::object();
  Failure failure;

  static Response success(nlohmann::json id, nlohmann::json result);
  static Response error(nlohmann::json id, std::string code, std::string message,
                        std::optional<int> cloudStatus = std::nullopt);
};

/// Serializes a request as one line (with the trailing '\n').
std::string encodeRequest(const Request& request);
/// Serializes a response as one line (with the trailing '\n').
std::string encodeResponse(const Response& response);

/// Parses one request line (without its '\n'). On failure returns a Failure (bad_request,
/// unsupported_version or unknown_command) and sets `id` to the request's id when it could be
/// read.
struct ParsedRequest {
  std::optional<Request> request;
  Failure failure;
  nlohmann::json id; ///< the id, even when the request is refused
};
ParsedRequest parseRequest(std::string_view line);

/// Parses one response line; throws Error{"bad_response"} when it is not a response.
Response parseResponse(std::string_view line);

// --- argument helpers for handlers (throw Error{"invalid_argument"} naming the argument) ----

/// A required non-empty string argument.
std::string requireString(const nlohmann::json& args, const std::string& name);
/// An optional string argument ("" when absent).
std::string optionalString(const nlohmann::json& args, const std::string& name);
/// An optional integer argument within [min, max]; `fallback` when absent.
std::int64_t optionalInt(const nlohmann::json& args, const std::string& name, std::int64_t fallback,
                         std::int64_t min, std::int64_t max);
/// Checks an identifier from people (job id, pickup code): 1 to 64 of [A-Za-z0-9_-].
std::string requireId(const nlohmann::json& args, const std::string& name);

// --- shared vocabulary ------------------------------------------------------------------------

/// What a printer-state-reason means for people: "media-empty" → "paper out",
/// "toner-low-warning" → "toner low", "offline-report" → "offline"; unknown reasons are given
/// back as they are, "none" gives "".
std::string describePrinterReason(std::string_view reason);
/// How serious a reason is: "error" (the printer cannot print: paper out, jam, offline,
/// door open…), "warning" (toner low, …) or "report". A -error/-warning/-report suffix wins.
std::string reasonSeverity(std::string_view reason);

/// Outcome of one diagnose check.
enum class CheckStatus { Pass, Warn, Fail, Skip };
/// "pass", "warn", "fail", "skip".
std::string_view toString(CheckStatus status);
/// Parses the names above; nullopt otherwise.
std::optional<CheckStatus> parseCheckStatus(std::string_view name);

/// One diagnose check as it travels in the "diagnose" result.
struct Check {
  std::string name;  ///< stable id, e.g. "cloud_reachable", "printer:Front"
  std::string title; ///< for people, e.g. "Cloud reachable"
  CheckStatus status = CheckStatus::Pass;
  std::string detail; ///< what was found
  std::string hint;   ///< what to do about it (empty on pass)
};
void to_json(nlohmann::json& j, const Check& check);
void from_json(const nlohmann::json& j, Check& check);

/// {"checks": [...], "summary": {"pass": n, "warn": n, "fail": n, "skip": n}}
nlohmann::json diagnoseResult(const std::vector<Check>& checks);

} // namespace printrelay::agent::control
