// HTTPS: a certificate from a CA made in the test; clients verify it, and one without the CA
// refuses to talk.
#include "cloud/server/cloud_server.h"
#include "common/wire/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <thread>

namespace printrelay::cloud::testing {
namespace {

class TlsTest : public ::testing::Test {
protected:
  void SetUp() override {
    pki_ = printrelay::testing::generateTestPki(dir_.makeDir("pki"));
    CloudSettings settings;
    settings.listenPort = 0;
    settings.dataDir = dir_.path() / "data";
    settings.adminToken = "tls-test-admin-token-0123456789";
    settings.tlsCert = pki_.serverCert.string();
    settings.tlsKey = pki_.serverKey.string();
    settings.httpThreads = 4;
    server_ = std::make_unique<CloudServer>(settings);
    server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  printrelay::testing::TempDir dir_{"printrelay-tls-test"};
  printrelay::testing::TestPki pki_;
  std::unique_ptr<CloudServer> server_;
  std::thread thread_;
};

TEST_F(TlsTest, ServesHttpsThatVerifiesWithTheTestCa) {
  EXPECT_EQ(server_->url().rfind("https://127.0.0.1:", 0), 0u) << server_->url();
  auto client = makeClient(CloudEndpoint{server_->url(), pki_.caCert.string()});
  auto result = client->Get("/api/v1/health");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(nlohmann::json::parse(result->body)["status"], "ok");
  // A whole exchange over TLS, with a body.
  auto login = client->Post("/api/v1/auth/login",
                            R"({"email":"nobody@example.com","password":"not the password"})",
                            "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 401);
}

TEST_F(TlsTest, ClientWithoutTheCaRefusesTheServer) {
  auto client = makeClient(CloudEndpoint{server_->url(), ""}); // the system CAs only
  auto result = client->Get("/api/v1/health");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::SSLServerVerification)
      << httplib::to_string(result.error());
}

TEST_F(TlsTest, ClientWithAnotherCaRefusesTheServer) {
  const auto other = printrelay::testing::generateTestPki(dir_.makeDir("other-pki"));
  auto client = makeClient(CloudEndpoint{server_->url(), other.caCert.string()});
  auto result = client->Get("/api/v1/health");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::SSLServerVerification);
}

TEST_F(TlsTest, PlainHttpToTheTlsPortGetsNoApiAnswer) {
  httplib::Client plain("127.0.0.1", server_->port());
  plain.set_read_timeout(std::chrono::seconds(5));
  auto result = plain.Get("/api/v1/health");
  EXPECT_TRUE(!result || result->status != 200);
}

} // namespace
} // namespace printrelay::cloud::testing
