#pragma once

#include "cloud/accounts/password_hasher.h"
#include "cloud/mail/mailer.h"
#include "common/util/clock.h"
#include "common/util/command_help.h"
#include "common/util/config.h"
#include "common/util/log.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::cloud {

/// Environment variables PRINTRELAY_CLOUD_<KEY> override the configuration file.
inline constexpr std::string_view kCloudEnvPrefix = "PRINTRELAY_CLOUD_";
/// Where the generated admin token is kept when `admin_token` is not configured.
inline constexpr std::string_view kAdminTokenFile = "admin.token";

/// The cloud's configuration table (key, type, default, help): the single source for parsing
/// the file, environment overrides, --print-config and the documented template.
std::vector<ConfigKey> cloudConfigTable();

/// The options of printrelay-cloud's command line: the source for its --help and man page.
const std::vector<OptionHelp>& cloudOptionTable();

/// Fills values derived from other keys: `database` defaults to "sqlite:<data_dir>/cloud.db".
void completeCloudConfig(Config& config);

/// The checked, typed form of the configuration that the server runs with.
struct CloudSettings {
  std::string listenHost = "127.0.0.1";
  int listenPort = 8443; ///< 0 picks any free port
  std::filesystem::path dataDir = "/var/lib/printrelay-cloud";
  std::string database; ///< "sqlite:<path>"; empty means "sqlite:<data_dir>/cloud.db"
  std::string tlsCert;
  std::string tlsKey;
  std::string adminToken; ///< empty: read or generate <data_dir>/admin.token
  bool allowPlainHttp = false;
  std::uint64_t maxUploadBytes = 200ull * 1024 * 1024;
  std::int64_t leaseSeconds = 120;
  std::int64_t offerAckSeconds = 10; ///< an offer not acknowledged by then is queued again
  std::int64_t longPollMaxSeconds = 60;
  std::int64_t enrollmentCodeTtlSeconds = 86400;
  int httpThreads = 64;
  std::int64_t drainSeconds = 20; ///< on stop, how long requests in flight may finish
  /// Between heartbeat comments on an idle event stream. Not configurable: tests shorten it.
  std::chrono::milliseconds streamHeartbeat{std::chrono::seconds(15)};
  log::Level logLevel = log::Level::Info;

  // Accounts and tokens
  std::string publicUrl; ///< base of links in mail and the tokens' iss; empty: from listen
  std::string webOrigin; ///< the one origin CORS admits; empty: none
  std::int64_t accessTokenTtlSeconds = 600;
  std::int64_t refreshTokenTtlSeconds = 14 * 86400;
  std::int64_t sessionMaxSeconds = 30 * 86400;
  std::int64_t signingKeyRotationSeconds = 30 * 86400;
  std::int64_t verificationTokenTtlSeconds = 86400;
  std::int64_t resetTokenTtlSeconds = 1800;
  Argon2Params argon2;
  /// Not configurable: lets tests that do not test hashing use a cheaper Argon2 cost.
  bool allowWeakPasswordHashing = false;

  // Abuse limits (per node)
  std::uint32_t loginFailuresPerAccount = 5;
  std::uint32_t loginFailuresPerAddress = 20;
  std::int64_t loginThrottleWindowSeconds = 900;
  std::uint32_t accountRequestsPerAddressPerHour = 30;
  std::uint32_t ordersPerHour = 60;
  std::uint32_t uploadsPerHour = 60;
  std::uint32_t quotesPerAddressPerHour = 600;

  // Payments
  /// The payment provider's webhook signing secret (Stripe's "whsec_…"); empty: the webhook
  /// answers 503 payments_not_configured.
  std::string paymentWebhookSecret;

  // E-mail
  SmtpSettings smtp;
  std::string mailFrom = "PrintRelay <printrelay@localhost>";
  std::filesystem::path mailDir; ///< empty: <data_dir>/mail (used when no SMTP host is set)

  /// Not configurable: tests replace it to move time forward.
  Clock clock = systemNow;

  bool tlsEnabled() const { return !tlsCert.empty() && !tlsKey.empty(); }
  /// The database URL after defaults.
  std::string databaseUrl() const;
  /// publicUrl, or "https://<listen host>:<port>" (http without TLS) when unset.
  std::string effectivePublicUrl(int boundPort) const;
  /// mailDir, or <data_dir>/mail.
  std::filesystem::path effectiveMailDir() const;
};

/// Converts and checks a loaded configuration; throws Error{"config_invalid"} explaining what is
/// wrong (bad listen address, a certificate without its key, plain HTTP on a non-loopback
/// address without allow_plain_http, out-of-range numbers, …).
CloudSettings settingsFromConfig(const Config& config);

/// Checks settings built in code (tests) the same way settingsFromConfig does.
void validateSettings(const CloudSettings& settings);

/// Splits "host:port" or "[v6]:port"; throws Error{"config_invalid"}.
std::pair<std::string, int> parseListenAddress(const std::string& listen);

/// True for 127.0.0.0/8, ::1 and localhost.
bool isLoopbackHost(std::string_view host);

/// Returns the admin token kept in `<dataDir>/admin.token`, creating the file (mode 0600, a new
/// random 256-bit token) when it does not exist yet. `created` tells which happened.
std::string loadOrCreateAdminToken(const std::filesystem::path& dataDir, bool& created);

} // namespace printrelay::cloud
