#include "cloud/config/cloud_config.h"

#include "common/util/encoding.h"
#include "common/util/error.h"

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

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

} // namespace

std::vector<ConfigKey> cloudConfigTable() {
  return {
      stringKey(
          "listen", "127.0.0.1:8443",
          "Address and port to listen on (host:port or [v6]:port); port 0 picks a free port."),
      pathKey("data_dir", "/var/lib/printrelay-cloud",
              "Directory for the database, the sealed documents and the generated admin token."),
      stringKey("database", "",
                "Database URL; the scheme picks the backend. Default: sqlite:<data_dir>/cloud.db."),
      pathKey("tls_cert", "", "PEM certificate chain for HTTPS."),
      pathKey("tls_key", "", "PEM private key for HTTPS."),
      secretKey("admin_token",
                "Bearer token for /api/v1/admin routes; when unset one is generated into "
                "<data_dir>/admin.token (mode 0600)."),
      booleanKey(
          "allow_plain_http", false,
          "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)."),
      integerKey("max_upload_bytes", 209715200,
                 "Largest document upload accepted, in bytes (default 200 MiB)."),
      integerKey("lease_seconds", 120,
                 "How long an agent holds a job it was handed before it returns to the queue."),
      integerKey("offer_ack_seconds", 10,
                 "How long an agent has to acknowledge a job offer (after journalling its lease) "
                 "before the job goes back to the queue, e.g. after the agent crashed (1-3600)."),
      integerKey("long_poll_max_seconds", 60,
                 "Longest an agent's GET /api/v1/agent/jobs?wait=N is held open."),
      integerKey("enrollment_code_ttl_seconds", 86400,
                 "How long a one-time enrollment code stays valid."),
      integerKey("http_threads", 64,
                 "Worker threads running the handlers (database, password hashing, documents); "
                 "I/O runs on one thread per core, and a waiting long-poll holds no thread."),
      integerKey("drain_seconds", 20,
                 "On SIGTERM, how long requests and uploads in flight may take to finish before "
                 "the cloud exits (parked long-polls are answered at once). Keep it below the "
                 "unit's TimeoutStopSec."),
      stringKey("log_level", "info", "error, warning, notice, info or debug."),
      stringKey(
          "public_url", "",
          "The cloud's public base URL, used in links sent by e-mail and as the tokens' issuer. "
          "Default: https://<listen>."),
      stringKey(
          "web_origin", "",
          "The web page's origin (scheme://host[:port]) allowed to call the API from a browser "
          "(CORS); empty: no cross-origin calls."),
      integerKey("access_token_ttl_seconds", 600, "Lifetime of a JWT access token (60 to 3600)."),
      integerKey("refresh_token_ttl_seconds", 1209600,
                 "How long an unused refresh token stays valid (each is usable once)."),
      integerKey("session_max_seconds", 2592000,
                 "Longest a login session lasts, however often it is refreshed."),
      integerKey("signing_key_rotation_days", 30,
                 "A new token signing key is made when the newest is this old."),
      integerKey("verification_token_ttl_seconds", 86400,
                 "How long an e-mail verification link stays valid."),
      integerKey("reset_token_ttl_seconds", 1800,
                 "How long a password reset token stays valid (900 to 3600)."),
      integerKey("argon2_memory_kib", 19456,
                 "Argon2id memory cost in KiB (at least 19456 = 19 MiB)."),
      integerKey("argon2_iterations", 2, "Argon2id time cost (at least 2)."),
      integerKey("argon2_parallelism", 1, "Argon2id lanes (at least 1)."),
      integerKey(
          "login_failures_per_account", 5,
          "Failed logins for one account within the throttle window before it is throttled."),
      integerKey("login_failures_per_address", 20,
                 "Failed logins from one client address within the throttle window before it is "
                 "throttled."),
      integerKey("login_throttle_window_seconds", 900, "The window login failures are counted in."),
      integerKey("account_requests_per_address_per_hour", 30,
                 "Registrations and password-reset requests per client address per hour."),
      integerKey("orders_per_hour", 60, "Orders one user may create per hour."),
      integerKey("uploads_per_hour", 60, "Document uploads one user may start per hour."),
      integerKey("quotes_per_address_per_hour", 600,
                 "Price quotes (POST /api/v1/quotes) per client address per hour."),
      secretKey("payment_webhook_secret",
                "The payment provider's webhook signing secret (Stripe: whsec_...); empty: online "
                "payment is off and the webhook answers 503."),
      stringKey("smtp_host", "",
                "SMTP server for outgoing mail; empty: mail is written as .eml files to mail_dir."),
      integerKey("smtp_port", 587, "SMTP server port."),
      stringKey("smtp_username", "", "SMTP user (sent only over TLS)."),
      secretKey("smtp_password", "SMTP password."),
      stringKey("smtp_starttls", "auto",
                "auto (STARTTLS when the server offers it), required, or never."),
      pathKey("smtp_ca_file", "",
              "PEM CA bundle to verify the SMTP server with; default: the system's CAs."),
      stringKey("mail_from", "PrintRelay <printrelay@localhost>",
                "The From address of outgoing mail."),
      pathKey("mail_dir", "",
              "Folder for .eml files when no SMTP host is set. Default: <data_dir>/mail."),
  };
}

const std::vector<OptionHelp>& cloudOptionTable() {
  static const std::vector<OptionHelp> kOptions{
      {"--config", "FILE", "configuration file to read (must exist)"},
      {"--print-config", "", "print the effective configuration (secrets redacted) and exit"},
      {"--config-template", "", "print every key with its help and default, and exit"},
      {"--help", "", "this text"},
  };
  return kOptions;
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

std::string CloudSettings::effectivePublicUrl(int boundPort) const {
  if (!publicUrl.empty()) {
    std::string url = publicUrl;
    while (!url.empty() && url.back() == '/') {
      url.pop_back();
    }
    return url;
  }
  const std::string host =
      listenHost.find(':') != std::string::npos ? "[" + listenHost + "]" : listenHost;
  return std::string(tlsEnabled() ? "https" : "http") + "://" + host + ":" +
         std::to_string(boundPort > 0 ? boundPort : listenPort);
}

std::filesystem::path CloudSettings::effectiveMailDir() const {
  return mailDir.empty() ? dataDir / "mail" : mailDir;
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
  if (!s.argon2.meetsFloor() && !s.allowWeakPasswordHashing) {
    invalid("Argon2id needs at least argon2_memory_kib = 19456, argon2_iterations = 2 and "
            "argon2_parallelism = 1");
  }
  if (s.smtp.starttls != "auto" && s.smtp.starttls != "required" && s.smtp.starttls != "never") {
    invalid("'smtp_starttls' must be auto, required or never");
  }
  if (!s.webOrigin.empty() &&
      (s.webOrigin.rfind("https://", 0) != 0 && s.webOrigin.rfind("http://", 0) != 0)) {
    invalid("'web_origin' must be scheme://host[:port]");
  }
  if (!s.webOrigin.empty() && s.webOrigin.back() == '/') {
    invalid("'web_origin' must not end with '/'");
  }
  if (s.accessTokenTtlSeconds < 1 || s.refreshTokenTtlSeconds < 1 || s.sessionMaxSeconds < 1 ||
      s.signingKeyRotationSeconds < 1 || s.verificationTokenTtlSeconds < 1 ||
      s.resetTokenTtlSeconds < 1 || s.loginThrottleWindowSeconds < 1) {
    invalid("token lifetimes and windows must be positive");
  }
  if (!s.paymentWebhookSecret.empty() && s.paymentWebhookSecret.size() < 16) {
    invalid("'payment_webhook_secret' must be at least 16 characters (the provider's signing "
            "secret), or empty");
  }
  if (s.leaseSeconds < 1 || s.offerAckSeconds < 1 || s.longPollMaxSeconds < 0 ||
      s.enrollmentCodeTtlSeconds < 1 || s.httpThreads < 2) {
    invalid("lease_seconds, offer_ack_seconds, enrollment_code_ttl_seconds must be positive, "
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
      config.getIntInRange("max_upload_bytes", 1, 1024ll * 1024 * 1024 * 1024));
  s.leaseSeconds = config.getIntInRange("lease_seconds", 5, 86400);
  s.offerAckSeconds = config.getIntInRange("offer_ack_seconds", 1, 3600);
  s.longPollMaxSeconds = config.getIntInRange("long_poll_max_seconds", 0, 3600);
  s.enrollmentCodeTtlSeconds =
      config.getIntInRange("enrollment_code_ttl_seconds", 60, 365ll * 86400);
  s.httpThreads = static_cast<int>(config.getIntInRange("http_threads", 2, 4096));
  s.drainSeconds = config.getIntInRange("drain_seconds", 0, 3600);
  s.logLevel = log::parseLevel(config.getString("log_level"));
  s.publicUrl = config.getString("public_url");
  s.webOrigin = config.getString("web_origin");
  s.accessTokenTtlSeconds = config.getIntInRange("access_token_ttl_seconds", 60, 3600);
  s.refreshTokenTtlSeconds = config.getIntInRange("refresh_token_ttl_seconds", 3600, 90ll * 86400);
  s.sessionMaxSeconds = config.getIntInRange("session_max_seconds", 3600, 365ll * 86400);
  s.signingKeyRotationSeconds = config.getIntInRange("signing_key_rotation_days", 1, 365) * 86400;
  s.verificationTokenTtlSeconds =
      config.getIntInRange("verification_token_ttl_seconds", 900, 7ll * 86400);
  s.resetTokenTtlSeconds = config.getIntInRange("reset_token_ttl_seconds", 900, 3600);
  // The floor holds here: nothing read from a file or the environment can weaken the hashing.
  s.argon2.memoryKiB =
      static_cast<std::uint32_t>(config.getIntInRange("argon2_memory_kib", 19456, 4ll << 20));
  s.argon2.iterations =
      static_cast<std::uint32_t>(config.getIntInRange("argon2_iterations", 2, 20));
  s.argon2.parallelism =
      static_cast<std::uint32_t>(config.getIntInRange("argon2_parallelism", 1, 16));
  s.loginFailuresPerAccount =
      static_cast<std::uint32_t>(config.getIntInRange("login_failures_per_account", 1, 1000));
  s.loginFailuresPerAddress =
      static_cast<std::uint32_t>(config.getIntInRange("login_failures_per_address", 1, 100000));
  s.loginThrottleWindowSeconds = config.getIntInRange("login_throttle_window_seconds", 60, 86400);
  s.accountRequestsPerAddressPerHour = static_cast<std::uint32_t>(
      config.getIntInRange("account_requests_per_address_per_hour", 1, 100000));
  s.ordersPerHour = static_cast<std::uint32_t>(config.getIntInRange("orders_per_hour", 1, 100000));
  s.uploadsPerHour =
      static_cast<std::uint32_t>(config.getIntInRange("uploads_per_hour", 1, 100000));
  s.quotesPerAddressPerHour =
      static_cast<std::uint32_t>(config.getIntInRange("quotes_per_address_per_hour", 1, 1000000));
  s.paymentWebhookSecret = config.getString("payment_webhook_secret");
  s.smtp.host = config.getString("smtp_host");
  s.smtp.port = static_cast<int>(config.getIntInRange("smtp_port", 1, 65535));
  s.smtp.username = config.getString("smtp_username");
  s.smtp.password = config.getString("smtp_password");
  s.smtp.starttls = config.getString("smtp_starttls");
  s.smtp.caFile = config.getString("smtp_ca_file");
  s.mailFrom = config.getString("mail_from");
  s.mailDir = config.getString("mail_dir");
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
