// TLS: the same server with a certificate from a CA made in the test; a verifying client talks
// to it, keep-alive included.
#include "cloud/http/parked_wait.h"
#include "cloud/http/server.h"
#include "tests/cloud/http/http_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <mutex>
#include <thread>

namespace printrelay::http::testing {
namespace {

/// Server options that serve TLS with the test PKI's server certificate.
ServerOptions tlsOptions(const printrelay::testing::TestPki& pki) {
  ServerOptions options;
  options.tls = TlsFiles{pki.serverCert.string(), pki.serverKey.string()};
  return options;
}

/// A client that verifies the server against the test PKI's CA and keeps its connection.
void trustTestCa(httplib::SSLClient& client, const printrelay::testing::TestPki& pki) {
  client.set_ca_cert_path(pki.caCert.string());
  client.enable_server_certificate_verification(true);
  client.set_keep_alive(true);
}

TEST(HttpTlsTest, VerifiedRoundTripWithKeepAlive) {
  printrelay::testing::TempDir dir{"printrelay-http-tls"};
  auto pki = printrelay::testing::generateTestPki(dir.makeDir("pki"));
  Router router;
  router.add("POST", "/echo", [](HttpRequest& req, RequestBody& body) -> Reply {
    return HttpResponse::text(200, req.method + " " + body.readAll(1 << 20));
  });
  TestServer s(std::move(router), tlsOptions(pki));

  httplib::SSLClient client("127.0.0.1", s.port());
  trustTestCa(client, pki);
  for (const char* body : {"first", "second"}) {
    auto r = client.Post("/echo", body, "text/plain");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::string("POST ") + body);
    EXPECT_EQ(r->get_header_value("X-Request-Id").size(), 16u);
  }
  EXPECT_EQ(s.server().metrics().openConnections, 1u);

  httplib::SSLClient stranger("127.0.0.1", s.port());
  stranger.enable_server_certificate_verification(true);
  EXPECT_FALSE(stranger.Post("/echo", "x", "text/plain"));
}

// A parked wait over TLS: the read that watches for a hang-up is cancelled when the wait
// completes, and the connection carries the next request.
TEST(HttpTlsTest, ParkedWaitCompletesOverTls) {
  printrelay::testing::TempDir dir{"printrelay-http-tls"};
  auto pki = printrelay::testing::generateTestPki(dir.makeDir("pki"));
  std::mutex mutex;
  std::shared_ptr<ParkedWait> parked;
  Router router;
  router.add("GET", "/poll", [&](HttpRequest&, RequestBody&) -> Reply {
    auto wait = ParkedWait::create({});
    std::lock_guard lock(mutex);
    parked = wait;
    return Reply::park(wait);
  });
  TestServer s(std::move(router), tlsOptions(pki));
  httplib::SSLClient client("127.0.0.1", s.port());
  trustTestCa(client, pki);
  for (int round = 0; round < 2; ++round) {
    std::thread producer([&] {
      std::shared_ptr<ParkedWait> wait;
      ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(mutex);
        wait = parked;
        return wait && wait->isOpen();
      }));
      EXPECT_TRUE(wait->complete(HttpResponse::text(200, "job " + std::to_string(round))));
    });
    auto r = client.Get("/poll");
    producer.join();
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->body, "job " + std::to_string(round));
  }
  EXPECT_EQ(s.server().metrics().openConnections, 1u);
}

} // namespace
} // namespace printrelay::http::testing
