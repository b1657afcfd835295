#include "cloud/cli/cloud_session.h"

#include "common/util/encoding.h"
#include "common/util/version.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

namespace printrelay::cli {
namespace {

using nlohmann::json;

constexpr const char* kRefreshPath = "/api/v1/auth/refresh";

/// Whether the JWT's exp is less than `seconds` away (true for anything unreadable).
bool expiresWithin(const std::string& jwt, std::int64_t seconds) {
  const auto dot1 = jwt.find('.');
  const auto dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string::npos) {
    return true;
  }
  std::string part = jwt.substr(dot1 + 1, dot2 - dot1 - 1);
  std::replace(part.begin(), part.end(), '-', '+');
  std::replace(part.begin(), part.end(), '_', '/');
  while (part.size() % 4 != 0) {
    part += '=';
  }
  try {
    const Bytes bytes = base64Decode(part);
    const json claims = json::parse(bytes.begin(), bytes.end());
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return claims.value("exp", std::int64_t{0}) - now < seconds;
  } catch (const std::exception&) {
    return true;
  }
}

json loadCredentials() {
  std::ifstream in(CloudSession::credentialsFile());
  if (!in) {
    return json::object();
  }
  json all = json::parse(in, nullptr, false);
  return all.is_object() ? all : json::object();
}

void storeCredentials(const json& all) {
  writePrivateFile(CloudSession::credentialsFile(), all.dump(2) + "\n");
}

/// The first line of `file`, without its line end.
std::string firstLine(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    throw Error("file_unreadable", "cannot read a token from " + file);
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

/// A token from --OPTION (warned about: the command line is public), else $VARIABLE, else the
/// first line of the file $VARIABLE_FILE names; "" when none is given.
std::string secret(const Arguments& args, const std::string& option, const std::string& variable) {
  if (auto given = args.option(option)) {
    if (!given->empty()) {
      std::cerr << "printrelay: warning: --" << option
                << " puts the secret where any local user can read it (ps, /proc); set " << variable
                << " or " << variable << "_FILE instead\n";
    }
    return *given;
  }
  if (std::string value = envOr(variable.c_str(), ""); !value.empty()) {
    return value;
  }
  const std::string file = envOr((variable + "_FILE").c_str(), "");
  return file.empty() ? "" : firstLine(file);
}

} // namespace

CloudSession::CloudSession(const Arguments& args) {
  endpoint_.baseUrl =
      args.option("cloud").value_or(envOr("PRINTRELAY_CLOUD", "https://127.0.0.1:8443"));
  while (!endpoint_.baseUrl.empty() && endpoint_.baseUrl.back() == '/') {
    endpoint_.baseUrl.pop_back();
  }
  endpoint_.caFile = args.option("ca-file").value_or(envOr("PRINTRELAY_CA_FILE", ""));
  endpoint_.readTimeout = std::chrono::seconds(120);
  validateBaseUrl(endpoint_.baseUrl, false);
  client_ = makeClient(endpoint_);
  token_ = secret(args, "token", "PRINTRELAY_TOKEN");
  adminToken_ = secret(args, "admin-token", "PRINTRELAY_ADMIN_TOKEN");
  if (token_.empty()) {
    const json stored = loadCredentials().value(endpoint_.baseUrl, json::object());
    token_ = stored.value("access_token", "");
    refreshToken_ = stored.value("refresh_token", "");
  }
}

const std::string& CloudSession::token() {
  if (!refreshToken_.empty() && expiresWithin(token_, 60)) {
    refreshSession();
  }
  return token_;
}

void CloudSession::refreshSession() {
  auto result = client_->Post(kRefreshPath, headers(""),
                              json{{"refresh_token", refreshToken_}}.dump(), "application/json");
  const json pair = expectJson(result, "refreshing the session (log in again)", endpoint_);
  saveSession(pair);
}

void CloudSession::saveSession(const json& tokens) {
  token_ = tokens.value("access_token", "");
  refreshToken_ = tokens.value("refresh_token", "");
  json all = loadCredentials();
  all[endpoint_.baseUrl] = {{"access_token", token_}, {"refresh_token", refreshToken_}};
  storeCredentials(all);
}

void CloudSession::forgetSession() {
  json all = loadCredentials();
  all.erase(endpoint_.baseUrl);
  storeCredentials(all);
  token_.clear();
  refreshToken_.clear();
}

std::filesystem::path CloudSession::credentialsFile() {
  return configDir() / "credentials.json";
}

json CloudSession::get(const std::string& path, const std::string& token, const std::string& what) {
  auto result = client_->Get(path, headers(token));
  if (shouldRefresh(result, token)) {
    refreshSession();
    result = client_->Get(path, headers(token_));
  }
  return expectJson(result, what, endpoint_);
}

json CloudSession::post(const std::string& path, const std::string& token, const json& body,
                        const std::string& what) {
  auto result = client_->Post(path, headers(token), body.dump(), "application/json");
  if (shouldRefresh(result, token)) {
    refreshSession();
    result = client_->Post(path, headers(token_), body.dump(), "application/json");
  }
  return expectJson(result, what, endpoint_);
}

json CloudSession::put(const std::string& path, const std::string& token, const json& body,
                       const std::string& what) {
  auto result = client_->Put(path, headers(token), body.dump(), "application/json");
  if (shouldRefresh(result, token)) {
    refreshSession();
    result = client_->Put(path, headers(token_), body.dump(), "application/json");
  }
  return expectJson(result, what, endpoint_);
}

json CloudSession::expectJson(const httplib::Result& result, const std::string& what,
                              const CloudEndpoint& endpoint) {
  if (!result || result->status < 200 || result->status >= 300) {
    throwForResult(result, what, endpoint);
  }
  json body = json::parse(result->body, nullptr, false);
  if (body.is_discarded()) {
    throw Error("bad_response", what + ": the cloud's answer is not JSON");
  }
  return body;
}

httplib::Headers CloudSession::headers(const std::string& token) {
  httplib::Headers h = token.empty() ? httplib::Headers{} : bearer(token);
  h.emplace("User-Agent", "printrelay/" + std::string(version()));
  return h;
}

bool CloudSession::shouldRefresh(const httplib::Result& result,
                                 const std::string& usedToken) const {
  if (!result || result->status != 401 || refreshToken_.empty() || usedToken != token_ ||
      usedToken.empty()) {
    return false;
  }
  const json body = json::parse(result->body, nullptr, false);
  return body.is_object() && body.contains("error") && body["error"].is_object() &&
         body["error"].value("code", "") == "token_expired";
}

} // namespace printrelay::cli
