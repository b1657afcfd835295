#include "cloud/cloud_config.h"

#include "common/encoding.h"
#include "common/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace printrelay::cloud {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error("config_invalid", message);
}

long long intInRange(const Config& config, const std::string& name, long long min, long long max) {
  const long long value = config.getInt(name);
  if (value < min || value > max) {
    invalid("'" + name + "' must be between " + std::to_string(min) + " and " +
            std::to_string(max) + " (got " + std::to_string(value) + ")");
  }
  return value;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

} // namespace

std::vector<ConfigKey> cloudConfigTable() {
  return {
      {"listen", ConfigType::String, "127.0.0.1:8443",
       "Address and port to listen on (host:port or [v6]:port); port 0 picks a free port."},
      {"data_dir", ConfigType::Path, "/var/lib/printrelay-cloud",
       "Directory for the database, the sealed documents and the generated admin token."},
      {"database", ConfigType::String, "",
       "Database URL; the scheme picks the backend. Default: sqlite:<data_dir>/cloud.db."},
      {"tls_cert", ConfigType::Path, "", "PEM certificate chain for HTTPS."},
      {"tls_key", ConfigType::Path, "", "PEM private key for HTTPS."},
      {"admin_token", ConfigType::Secret, "",
       "Bearer token for /api/v1/admin routes; when unset one is generated into "
       "<data_dir>/admin.token (mode 0600)."},
      {"allow_plain_http", ConfigType::Boolean, "false",
       "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)."},
      {"max_upload_bytes", ConfigType::Integer, "209715200",
       "Largest document upload accepted, in bytes (default 200 MiB)."},
      {"lease_seconds", ConfigType::Integer, "120",
       "How long an agent holds a job it was handed before it returns to the queue."},
      {"long_poll_max_seconds", ConfigType::Integer, "60",
       "Longest an agent's GET /api/v1/agent/jobs?wait=N is held open."},
      {"enrollment_code_ttl_seconds", ConfigType::Integer, "86400",
       "How long a one-time enrollment code stays valid."},
      {"http_threads", ConfigType::Integer, "64",
       "Worker threads serving requests (each waiting long-poll holds one)."},
      {"log_level", ConfigType::String, "info", "error, warning, notice, info or debug."},
  };
}

void completeCloudConfig(Config& config) {
  if (!config.isSet("database")) {
    config.set("database",
               "sqlite:" +
                   (std::filesystem::path(config.getString("data_dir")) / "cloud.db").string());
  }
}

std::string CloudSettings::databaseUrl() const {
  return database.empty() ? "sqlite:" + (dataDir / "cloud.db").string() : database;
}

bool isLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::pair<std::string, int> parseListenAddress(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      invalid("'listen' must be host:port or [v6]:port (got '" + listen + "')");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      invalid("'listen' must be host:port (got '" + listen + "')");
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    invalid("'listen' has an invalid port (got '" + listen + "')");
  }
  if (host.empty()) {
    invalid("'listen' needs a host (got '" + listen + "')");
  }
  return {host, std::stoi(port)};
}

void validateSettings(const CloudSettings& s) {
  if (s.tlsCert.empty() != s.tlsKey.empty()) {
    invalid("'tls_cert' and 'tls_key' must be set together");
  }
  if (!s.tlsEnabled() && !s.allowPlainHttp && !isLoopbackHost(s.listenHost)) {
    invalid("plain HTTP is served only on a loopback address; set tls_cert and tls_key, or "
            "allow_plain_http = true behind a TLS-terminating proxy");
  }
  if (s.listenPort < 0 || s.listenPort > 65535) {
    invalid("'listen' port out of range");
  }
  if (s.dataDir.empty()) {
    invalid("'data_dir' must be set");
  }
  if (s.maxUploadBytes == 0) {
    invalid("'max_upload_bytes' must be positive");
  }
  if (s.leaseSeconds < 1 || s.longPollMaxSeconds < 0 || s.enrollmentCodeTtlSeconds < 1 ||
      s.httpThreads < 2) {
    invalid("lease_seconds, enrollment_code_ttl_seconds must be positive, "
            "long_poll_max_seconds not negative and http_threads at least 2");
  }
}

CloudSettings settingsFromConfig(const Config& config) {
  CloudSettings s;
  std::tie(s.listenHost, s.listenPort) = parseListenAddress(config.getString("listen"));
  s.dataDir = config.getString("data_dir");
  s.database = config.getString("database");
  s.tlsCert = config.getString("tls_cert");
  s.tlsKey = config.getString("tls_key");
  s.adminToken = config.getString("admin_token");
  s.allowPlainHttp = config.getBool("allow_plain_http");
  s.maxUploadBytes = static_cast<std::uint64_t>(
      intInRange(config, "max_upload_bytes", 1, 1024ll * 1024 * 1024 * 1024));
  s.leaseSeconds = intInRange(config, "lease_seconds", 5, 86400);
  s.longPollMaxSeconds = intInRange(config, "long_poll_max_seconds", 0, 3600);
  s.enrollmentCodeTtlSeconds = intInRange(config, "enrollment_code_ttl_seconds", 60, 365ll * 86400);
  s.httpThreads = static_cast<int>(intInRange(config, "http_threads", 2, 4096));
  s.logLevel = log::parseLevel(config.getString("log_level"));
  validateSettings(s);
  return s;
}

std::string loadOrCreateAdminToken(const std::filesystem::path& dataDir, bool& created) {
  const auto path = dataDir / std::string(kAdminTokenFile);
  created = false;
  if (std::ifstream in(path); in) {
    std::string token;
    std::getline(in, token);
    token = trimmed(token);
    if (token.size() < 16) {
      invalid(path.string() + " holds no usable admin token (at least 16 characters)");
    }
    return token;
  }
  const std::string token = randomToken(32);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    invalid("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  const std::string line = token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    invalid("cannot write " + path.string());
  }
  created = true;
  return token;
}

} // namespace printrelay::cloud
