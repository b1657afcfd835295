// The cloud's configuration table, its checks, and the generated admin token.
#include "cloud/config/cloud_config.h"
#include "cloud/server/cloud_server.h"
#include "common/util/error.h"
#include "tests/support/error_code.h"
#include "tests/support/temp_dir.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace printrelay::cloud::testing {
namespace {

Config freshConfig() {
  return Config(cloudConfigTable(), std::string(kCloudEnvPrefix));
}

using test_support::errorCode;

TEST(CloudConfigTest, DefaultsAreTheDocumentedOnes) {
  Config config = freshConfig();
  completeCloudConfig(config);
  const CloudSettings s = settingsFromConfig(config);
  EXPECT_EQ(s.listenHost, "127.0.0.1");
  EXPECT_EQ(s.listenPort, 8443);
  EXPECT_EQ(s.maxUploadBytes, 200ull * 1024 * 1024);
  EXPECT_EQ(s.leaseSeconds, 120);
  EXPECT_EQ(s.longPollMaxSeconds, 60);
  EXPECT_EQ(s.enrollmentCodeTtlSeconds, 86400);
  EXPECT_EQ(s.httpThreads, 64);
  EXPECT_FALSE(s.allowPlainHttp);
  EXPECT_EQ(s.database, "sqlite:" + (s.dataDir / "cloud.db").string());
  EXPECT_EQ(s.logLevel, log::Level::Info);
}

TEST(CloudConfigTest, FileThenEnvironment) {
  printrelay::testing::TempDir dir;
  const auto file = dir.writeFile("cloud.conf", "listen = 127.0.0.1:0\n"
                                                "data_dir = /srv/printrelay\n"
                                                "lease_seconds = 30\n");
  ::setenv("PRINTRELAY_CLOUD_LEASE_SECONDS", "45", 1);
  Config config = freshConfig();
  config.loadFile(file.string(), true);
  config.loadEnvironment();
  ::unsetenv("PRINTRELAY_CLOUD_LEASE_SECONDS");
  completeCloudConfig(config);
  const CloudSettings s = settingsFromConfig(config);
  EXPECT_EQ(s.listenPort, 0);
  EXPECT_EQ(s.leaseSeconds, 45);
  EXPECT_EQ(s.databaseUrl(), "sqlite:/srv/printrelay/cloud.db");
}

TEST(CloudConfigTest, PrintedConfigurationHidesTheAdminToken) {
  Config config = freshConfig();
  config.set("admin_token", "super-secret-admin-token");
  const std::string dump = config.dumpRedacted();
  EXPECT_EQ(dump.find("super-secret-admin-token"), std::string::npos);
  EXPECT_NE(dump.find("admin_token = <redacted>"), std::string::npos);
  // Every key is documented in the template.
  const std::string tmpl = config.renderTemplate();
  for (const auto& key : cloudConfigTable()) {
    EXPECT_NE(tmpl.find(key.name), std::string::npos) << key.name;
    EXPECT_FALSE(key.help.empty()) << key.name;
  }
}

TEST(CloudConfigTest, BadValuesAreRefused) {
  const auto with = [](const std::string& key, const std::string& value) {
    return errorCode([&] {
      Config config = freshConfig();
      config.set(key, value);
      completeCloudConfig(config);
      settingsFromConfig(config);
    });
  };
  EXPECT_EQ(with("listen", "127.0.0.1"), "config_invalid");
  EXPECT_EQ(with("listen", "127.0.0.1:99999"), "config_invalid");
  EXPECT_EQ(with("listen", ":8443"), "config_invalid");
  EXPECT_EQ(with("lease_seconds", "0"), "config_invalid");
  EXPECT_EQ(with("drain_seconds", "-1"), "config_invalid");
  EXPECT_EQ(with("drain_seconds", "3601"), "config_invalid");
  EXPECT_EQ(with("http_threads", "1"), "config_invalid");
  EXPECT_EQ(with("max_upload_bytes", "lots"), "config_invalid");
  EXPECT_EQ(with("log_level", "chatty"), "config_invalid");
  EXPECT_EQ(with("tls_cert", "/etc/cert.pem"), "config_invalid"); // without tls_key
  EXPECT_EQ(with("listen", "[::1]:8443"), "no error");
}

TEST(CloudConfigTest, PlainHttpOnlyOnLoopbackUnlessAllowed) {
  Config config = freshConfig();
  config.set("listen", "0.0.0.0:8080");
  EXPECT_EQ(errorCode([&] { settingsFromConfig(config); }), "config_invalid");
  config.set("allow_plain_http", "true");
  EXPECT_EQ(errorCode([&] { settingsFromConfig(config); }), "no error");
  Config tls = freshConfig();
  tls.set("listen", "0.0.0.0:8443");
  tls.set("tls_cert", "/c.pem");
  tls.set("tls_key", "/k.pem");
  EXPECT_EQ(errorCode([&] { settingsFromConfig(tls); }), "no error");
}

TEST(CloudConfigTest, PaymentWebhookSecretComesFromTheEnvironmentAndIsRedacted) {
  Config config = freshConfig();
  completeCloudConfig(config);
  EXPECT_EQ(settingsFromConfig(config).paymentWebhookSecret, "");
  EXPECT_EQ(settingsFromConfig(config).quotesPerAddressPerHour, 600u);
  ::setenv("PRINTRELAY_CLOUD_PAYMENT_WEBHOOK_SECRET", "whsec_from_the_environment", 1);
  config.loadEnvironment();
  ::unsetenv("PRINTRELAY_CLOUD_PAYMENT_WEBHOOK_SECRET");
  EXPECT_EQ(settingsFromConfig(config).paymentWebhookSecret, "whsec_from_the_environment");
  EXPECT_EQ(config.dumpRedacted().find("whsec_from_the_environment"), std::string::npos);
  EXPECT_NE(config.dumpRedacted().find("payment_webhook_secret = <redacted>"), std::string::npos);
  EXPECT_NE(config.renderTemplate().find("payment_webhook_secret"), std::string::npos);
  config.set("payment_webhook_secret", "short");
  EXPECT_EQ(errorCode([&] { settingsFromConfig(config); }), "config_invalid");
  config.set("payment_webhook_secret", "");
  config.set("quotes_per_address_per_hour", "0");
  EXPECT_EQ(errorCode([&] { settingsFromConfig(config); }), "config_invalid");
}

TEST(CloudConfigTest, AdminTokenIsGeneratedOnceWithMode0600) {
  printrelay::testing::TempDir dir;
  bool created = false;
  const std::string token = loadOrCreateAdminToken(dir.path(), created);
  EXPECT_TRUE(created);
  EXPECT_GE(token.size(), 40u);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(loadOrCreateAdminToken(dir.path(), created), token);
  EXPECT_FALSE(created);
}

TEST(CloudConfigTest, ServerWithoutAdminTokenGeneratesOneAndAcceptsIt) {
  printrelay::testing::TempDir dir;
  CloudSettings settings;
  settings.listenPort = 0;
  settings.dataDir = dir.path() / "data";
  CloudServer server(settings);
  const std::string token = server.adminToken();
  EXPECT_EQ(printrelay::testing::readFile(dir.path() / "data" / "admin.token"), token + "\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(CloudConfigTest, BrokenTlsFilesAreRefusedAtStart) {
  printrelay::testing::TempDir dir;
  CloudSettings settings;
  settings.listenPort = 0;
  settings.dataDir = dir.path() / "data";
  settings.tlsCert = dir.writeFile("cert.pem", "not a certificate").string();
  settings.tlsKey = dir.writeFile("key.pem", "not a key").string();
  EXPECT_EQ(errorCode([&] { CloudServer server(settings); }), "config_invalid");
}

} // namespace
} // namespace printrelay::cloud::testing
