#include "common/wire/http_client.h"

#include "common/util/error.h"
#include "common/util/text.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace printrelay {
namespace {

bool isLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

bool isHttps(const CloudEndpoint& endpoint) {
  return endpoint.baseUrl.rfind("https://", 0) == 0;
}

/// "the cloud at URL", or "the cloud" when the URL is not known.
std::string cloudAt(const CloudEndpoint& endpoint) {
  return endpoint.baseUrl.empty() ? "the cloud" : "the cloud at " + endpoint.baseUrl;
}

/// The URL with the other scheme: what to try after a wrong_scheme or tls_handshake_failed.
std::string otherScheme(const std::string& url) {
  if (url.rfind("https://", 0) == 0) {
    return "http://" + url.substr(8);
  }
  if (url.rfind("http://", 0) == 0) {
    return "https://" + url.substr(7);
  }
  return url;
}

/// The seconds of a Retry-After header (delta-seconds), if it has them.
std::optional<std::int64_t> retryAfterOf(const httplib::Response& res) {
  if (!res.has_header("Retry-After")) {
    return std::nullopt;
  }
  const std::string value = res.get_header_value("Retry-After");
  if (value.empty() || value.size() > 12 ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(value);
}

} // namespace

std::string transportReason(httplib::Error error, const CloudEndpoint& endpoint) {
  if (error == httplib::Error::Read || error == httplib::Error::Write) {
    // A plain-http request to a TLS port is answered with a closed connection.
    return isHttps(endpoint) ? "connection_lost" : "wrong_scheme";
  }
  static const std::map<httplib::Error, std::string> kReasons{
      {httplib::Error::SSLServerVerification, "tls_verification_failed"},
      {httplib::Error::SSLConnection, "tls_handshake_failed"},
      {httplib::Error::SSLLoadingCerts, "ca_file_unreadable"},
      {httplib::Error::Connection, "connection_refused"},
      {httplib::Error::ConnectionTimeout, "timeout"}};
  const auto it = kReasons.find(error);
  return it == kReasons.end() ? "transport_error" : it->second;
}

std::string explainTransportError(httplib::Error error, const CloudEndpoint& endpoint) {
  const std::string reason = transportReason(error, endpoint);
  const std::string cloud = cloudAt(endpoint);
  if (reason == "tls_verification_failed") {
    return "cannot verify the TLS certificate of " + cloud + ": " +
           (endpoint.caFile.empty()
                ? "the system's CAs do not trust it. Give the CA that signed it with " +
                      endpoint.caFileHint
                : "the CA in " + endpoint.caFile +
                      " did not sign it, or it is not made out to this host name. Give the CA "
                      "that signed it with " +
                      endpoint.caFileHint);
  }
  if (reason == "tls_handshake_failed") {
    return "the TLS handshake with " + cloud + " failed. If the cloud serves plain http, use " +
           otherScheme(endpoint.baseUrl);
  }
  if (reason == "ca_file_unreadable") {
    return "cannot load the CA file " + endpoint.caFile + " (a PEM CA bundle); check " +
           endpoint.caFileHint;
  }
  if (reason == "connection_refused") {
    return "cannot connect to " + cloud +
           " (connection refused or no route). Is the cloud running at that address and port?";
  }
  if (reason == "timeout") {
    return "no answer from " + cloud + " within " + humanDuration(endpoint.connectTimeout.count()) +
           ". Is the address right, and is a firewall in the way?";
  }
  if (reason == "wrong_scheme") {
    return cloud + " closed the connection without an answer: it probably serves https. Use " +
           otherScheme(endpoint.baseUrl);
  }
  if (reason == "connection_lost") {
    return "the connection to " + cloud + " broke off before the answer came; try again";
  }
  return "cannot talk to " + cloud + " (" + httplib::to_string(error) + ")";
}

void validateBaseUrl(const std::string& url, bool allowPlainHttp) {
  std::string rest;
  bool https = false;
  if (url.rfind("https://", 0) == 0) {
    https = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    throw Error("config_invalid", "cloud URL must start with https:// (got '" + url + "')");
  }
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) {
    throw Error("config_invalid",
                "cloud URL must be scheme://host[:port] with no path, query or user ('" + url +
                    "')");
  }
  std::string host = rest;
  if (host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    const std::string port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos) {
      throw Error("config_invalid", "cloud URL has an invalid port ('" + url + "')");
    }
  }
  if (!https && !allowPlainHttp && !isLoopbackHost(host)) {
    throw Error("config_invalid",
                "plain http is allowed only to a loopback address; use https:// for " + url);
  }
}

std::unique_ptr<httplib::Client> makeClient(const CloudEndpoint& endpoint) {
  auto client = std::make_unique<httplib::Client>(endpoint.baseUrl);
  if (!client->is_valid()) {
    throw Error("config_invalid", "cannot use cloud URL '" + endpoint.baseUrl + "'");
  }
  client->enable_server_certificate_verification(true);
  if (!endpoint.caFile.empty()) {
    client->set_ca_cert_path(endpoint.caFile.c_str());
  }
  client->set_connection_timeout(endpoint.connectTimeout);
  client->set_read_timeout(endpoint.readTimeout);
  client->set_write_timeout(endpoint.readTimeout);
  // cpp-httplib 0.11 reuses a kept-alive connection even after the server closed it (its idle
  // timeout), and the next request then fails with a write error. Each exchange here is either
  // a long-poll or a stream of megabytes, so a fresh connection per request costs little.
  client->set_keep_alive(false);
  return client;
}

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

void throwForResult(const httplib::Result& result, const std::string& what,
                    const CloudEndpoint& endpoint) {
  if (!result) {
    throw CloudRequestError("cloud_unreachable",
                            what + ": " + explainTransportError(result.error(), endpoint),
                            transportReason(result.error(), endpoint));
  }
  const auto& res = *result;
  const auto retryAfter = res.status == 429 ? retryAfterOf(res) : std::nullopt;
  const std::string wait =
      retryAfter ? " (wait " + humanDuration(std::max<std::int64_t>(1, *retryAfter)) + ")" : "";
  const auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& err = body["error"];
    throw CloudRequestError(
        err.value("code", "http_" + std::to_string(res.status)),
        what + ": " + err.value("message", std::string("HTTP ") + std::to_string(res.status)) +
            wait,
        "", retryAfter);
  }
  throw CloudRequestError("http_" + std::to_string(res.status),
                          what + ": HTTP " + std::to_string(res.status) + wait, "", retryAfter);
}

} // namespace printrelay
