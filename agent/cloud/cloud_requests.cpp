#include "agent/cloud/cloud_requests.h"

#include "common/util/encoding.h"
#include "common/util/version.h"
#include "common/wire/protocol.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace printrelay::agent {
namespace {

using nlohmann::json;

std::string api(const std::string& tail) {
  return std::string(protocol::kApiPrefix) + tail;
}

httplib::Headers headersWith(const std::string& credential) {
  httplib::Headers headers = credential.empty() ? httplib::Headers{} : bearer(credential);
  headers.emplace("User-Agent", "printrelay-agent/" + std::string(version()));
  return headers;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

std::optional<std::int64_t> parseHttpDate(const std::string& text) {
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // IMF-fixdate only (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT", nothing after it.
  char weekday[4] = {};
  char month[4] = {};
  char zone[4] = {};
  int day = 0;
  int year = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", weekday,
                  &day, month, &year, &hour, &minute, &second, zone, &consumed) != 8 ||
      static_cast<std::size_t>(consumed) != text.size() || std::strcmp(zone, "GMT") != 0) {
    return std::nullopt;
  }
  unsigned monthNumber = 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (std::strcmp(month, kMonths[i]) == 0) {
      monthNumber = static_cast<unsigned>(i + 1);
    }
  }
  if (monthNumber == 0 || day < 1 || day > 31 || year < 1970 || hour > 23 || minute > 59 ||
      second > 60 || hour < 0 || minute < 0 || second < 0) {
    return std::nullopt;
  }
  return daysFromCivil(year, monthNumber, static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

CloudRequests::CloudRequests(CloudEndpoint endpoint, std::string credential)
    : endpoint_(withAgentCaHint(std::move(endpoint))), credential_(std::move(credential)) {}

CloudRequests::Health CloudRequests::health() {
  auto client = makeClient(endpoint_);
  const auto start = std::chrono::steady_clock::now();
  auto result = client->Get(api("/health"), headersWith({}));
  Health health;
  health.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (!result) {
    throw CloudError(0, "cloud_unreachable",
                     "GET /api/v1/health: " + explainTransportError(result.error(), endpoint_));
  }
  health.status = result->status;
  if (result->status != 200) {
    throw cloudErrorFor(result->status, result->body, "GET /api/v1/health");
  }
  if (result->has_header("Date")) {
    health.serverTime = parseHttpDate(result->get_header_value("Date"));
  }
  const auto body = json::parse(result->body, nullptr, false);
  if (body.is_object() && body.contains("version") && body["version"].is_string()) {
    health.version = body["version"].get<std::string>();
  }
  return health;
}

CloudRequests::CredentialProbe CloudRequests::probeCredential() {
  auto client = makeClient(endpoint_);
  CredentialProbe probe;
  probe.route = "GET /api/v1/agent/me";
  const auto result = client->Get(api("/agent/me"), headersWith(credential_));
  if (!result) {
    throw CloudError(0, "cloud_unreachable",
                     probe.route + ": " + explainTransportError(result.error(), endpoint_));
  }
  probe.status = result->status;
  if (result->status >= 200 && result->status < 300) {
    probe.accepted = true;
    return probe;
  }
  const CloudError error = cloudErrorFor(result->status, result->body, probe.route);
  probe.code = error.code();
  if (error.unauthorized()) {
    return probe;
  }
  throw error;
}

json CloudRequests::send(const std::string& method, const std::string& path, const json* body,
                         const std::string& what) {
  auto client = makeClient(endpoint_);
  const std::string payload = body != nullptr ? body->dump() : std::string();
  httplib::Result result =
      method == "PUT" ? client->Put(path, headersWith(credential_), payload, "application/json")
                      : client->Post(path, headersWith(credential_), payload, "application/json");
  if (!result) {
    throw CloudError(0, "cloud_unreachable",
                     what + ": " + explainTransportError(result.error(), endpoint_));
  }
  if (result->status < 200 || result->status >= 300) {
    throw cloudErrorFor(result->status, result->body, what);
  }
  const auto answer = json::parse(result->body, nullptr, false);
  return answer.is_discarded() ? json::object() : answer;
}

json CloudRequests::requestReprint(const std::string& jobId, const std::string& reason) {
  const json body{{"reason", reason}};
  return send("POST", api("/agent/jobs/" + percentEncode(jobId) + "/reprint"), &body,
              "reprint of job " + jobId);
}

json CloudRequests::releaseByPickupCode(const std::string& code) {
  const json body{{"pickup_code", code}};
  return send("POST", api("/agent/release"), &body, "release by pickup code");
}

json CloudRequests::resolveOutcome(const std::string& orderId, bool printed) {
  const json body{{"printed", printed}};
  return send("POST", api("/agent/orders/" + percentEncode(orderId) + "/resolve"), &body,
              "resolving order " + orderId);
}

json CloudRequests::registerKey(const std::string& publicKeyBase64, const std::string& keyId) {
  const json body{{"public_key", publicKeyBase64}, {"key_id", keyId}};
  return send("POST", api("/agent/keys"), &body, "key registration");
}

void CloudRequests::reportPrinters(const json& printers) {
  const json body{{"printers", printers}};
  send("PUT", api("/agent/printers"), &body, "printer report");
}

} // namespace printrelay::agent
