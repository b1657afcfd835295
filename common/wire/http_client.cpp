#include "common/wire/http_client.h"

#include "common/util/error.h"

#include <nlohmann/json.hpp>

namespace printrelay {
namespace {

bool isLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

} // namespace

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

void throwForResult(const httplib::Result& result, const std::string& what) {
  if (!result) {
    throw Error("cloud_unreachable", what + ": " + httplib::to_string(result.error()));
  }
  const auto& res = *result;
  const auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& err = body["error"];
    throw Error(err.value("code", "http_" + std::to_string(res.status)),
                what + ": " +
                    err.value("message", std::string("HTTP ") + std::to_string(res.status)));
  }
  throw Error("http_" + std::to_string(res.status), what + ": HTTP " + std::to_string(res.status));
}

} // namespace printrelay
