#pragma once

#include "cloud/cli/cli_args.h"
#include "common/wire/http_client.h"
#include "common/wire/protocol.h"

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace printrelay::cli {

/// The API's path prefix ("/api/v1"), as a string to append paths to.
inline const std::string kApi(protocol::kApiPrefix);

/// The cloud connection and the credentials given: --cloud and --ca-file (or PRINTRELAY_CLOUD,
/// PRINTRELAY_CA_FILE); the tokens from PRINTRELAY_TOKEN / PRINTRELAY_ADMIN_TOKEN or the files
/// their *_FILE variables name (--token and --admin-token still work, with a warning), else the
/// session stored for this cloud in credentials.json, refreshed when its access token is about
/// to expire or has expired.
class CloudSession {
public:
  /// Connects to the cloud the arguments name; throws Error for a URL that is not allowed.
  explicit CloudSession(const Arguments& args);

  /// The user's access token, refreshed first when it is about to expire and a refresh token
  /// is stored.
  const std::string& token();

  /// Exchanges the stored refresh token for a new pair and stores it.
  void refreshSession();

  /// Stores a token response for this cloud.
  void saveSession(const nlohmann::json& tokens);

  /// Forgets this cloud's stored session.
  void forgetSession();

  /// $XDG_CONFIG_HOME/printrelay/credentials.json (default ~/.config/printrelay/…).
  static std::filesystem::path credentialsFile();

  const std::string& adminToken() const { return adminToken_; }
  httplib::Client& client() { return *client_; }

  /// GET path; returns the JSON body of a 2xx answer, throws Error otherwise.
  nlohmann::json get(const std::string& path, const std::string& token, const std::string& what);

  /// POST path with a JSON body.
  nlohmann::json post(const std::string& path, const std::string& token, const nlohmann::json& body,
                      const std::string& what);

  /// PUT path with a JSON body.
  nlohmann::json put(const std::string& path, const std::string& token, const nlohmann::json& body,
                     const std::string& what);

  /// The JSON body of a 2xx answer; throws CloudRequestError (the cloud's code, or
  /// cloud_unreachable explained for `endpoint`) or Error bad_response otherwise.
  static nlohmann::json expectJson(const httplib::Result& result, const std::string& what,
                                   const CloudEndpoint& endpoint = {});

  /// The cloud's URL and CA file, for explaining failures.
  const CloudEndpoint& endpoint() const { return endpoint_; }

  /// The bearer token (if any) and printrelay's User-Agent.
  static httplib::Headers headers(const std::string& token);

private:
  /// A 401 token_expired for the stored session's access token, with a refresh token at hand.
  bool shouldRefresh(const httplib::Result& result, const std::string& usedToken) const;

  CloudEndpoint endpoint_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  std::string refreshToken_;
  std::string adminToken_;
};

} // namespace printrelay::cli
