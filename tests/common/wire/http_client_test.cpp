// The HTTPS client's failures in words (common/wire/http_client.h): what happened on the way to
// the cloud, what to do about it, and the stable words scripts match on.
#include "common/wire/http_client.h"

#include <gtest/gtest.h>

namespace printrelay {
namespace {

using httplib::Error;

CloudEndpoint endpoint(std::string url, std::string caFile = "") {
  CloudEndpoint e;
  e.baseUrl = std::move(url);
  e.caFile = std::move(caFile);
  return e;
}

TEST(TransportErrors, EachFailureHasAStableReason) {
  const auto https = endpoint("https://cloud.example:8443");
  const auto http = endpoint("http://127.0.0.1:8080");
  EXPECT_EQ(transportReason(Error::SSLServerVerification, https), "tls_verification_failed");
  EXPECT_EQ(transportReason(Error::SSLConnection, https), "tls_handshake_failed");
  EXPECT_EQ(transportReason(Error::SSLLoadingCerts, https), "ca_file_unreadable");
  EXPECT_EQ(transportReason(Error::Connection, https), "connection_refused");
  EXPECT_EQ(transportReason(Error::ConnectionTimeout, https), "timeout");
  EXPECT_EQ(transportReason(Error::Read, http), "wrong_scheme");
  EXPECT_EQ(transportReason(Error::Read, https), "connection_lost");
  EXPECT_EQ(transportReason(Error::Compression, https), "transport_error");
}

TEST(TransportErrors, TheWordsSayWhatHappenedAndWhatToDo) {
  const std::string noCa =
      explainTransportError(Error::SSLServerVerification, endpoint("https://c.example:8443"));
  EXPECT_EQ(noCa, "cannot verify the TLS certificate of the cloud at https://c.example:8443: the "
                  "system's CAs do not trust it. Give the CA that signed it with --ca-file FILE "
                  "(or PRINTRELAY_CA_FILE)");
  const std::string wrongCa = explainTransportError(
      Error::SSLServerVerification, endpoint("https://c.example:8443", "/etc/other-ca.pem"));
  EXPECT_NE(wrongCa.find("the CA in /etc/other-ca.pem did not sign it"), std::string::npos)
      << wrongCa;

  EXPECT_EQ(explainTransportError(Error::Connection, endpoint("https://127.0.0.1:9")),
            "cannot connect to the cloud at https://127.0.0.1:9 (connection refused or no "
            "route). Is the cloud running at that address and port?");
  EXPECT_EQ(explainTransportError(Error::Read, endpoint("http://127.0.0.1:8443")),
            "the cloud at http://127.0.0.1:8443 closed the connection without an answer: it "
            "probably serves https. Use https://127.0.0.1:8443");
  EXPECT_NE(explainTransportError(Error::SSLConnection, endpoint("https://127.0.0.1:8080"))
                .find("use http://127.0.0.1:8080"),
            std::string::npos);
  EXPECT_EQ(explainTransportError(Error::ConnectionTimeout, endpoint("https://c.example")),
            "no answer from the cloud at https://c.example within 10 s. Is the address right, "
            "and is a firewall in the way?");
}

TEST(TransportErrors, TheAgentNamesItsOwnCaSetting) {
  auto agent = endpoint("https://c.example");
  agent.caFileHint = "ca_file in agent.conf";
  EXPECT_TRUE(explainTransportError(Error::SSLServerVerification, agent)
                  .ends_with("Give the CA that signed it with ca_file in agent.conf"));
}

TEST(TransportErrors, AFailedExchangeKeepsItsCodeForScripts) {
  const httplib::Result refused(nullptr, Error::Connection);
  try {
    throwForResult(refused, "listing stores", endpoint("https://127.0.0.1:9"));
    FAIL() << "no throw";
  } catch (const CloudRequestError& e) {
    EXPECT_EQ(e.code(), "cloud_unreachable");
    EXPECT_EQ(e.reason(), "connection_refused");
    EXPECT_TRUE(std::string(e.what()).starts_with("listing stores: cannot connect to the cloud"))
        << e.what();
  }
}

TEST(TransportErrors, AThrottledAnswerSaysHowLongToWait) {
  auto response = std::make_unique<httplib::Response>();
  response->status = 429;
  response->set_header("Retry-After", "900");
  response->body = R"({"error":{"code":"too_many_attempts","message":"too many failed logins"}})";
  const httplib::Result throttled(std::move(response), Error::Success);
  try {
    throwForResult(throttled, "logging in");
    FAIL() << "no throw";
  } catch (const CloudRequestError& e) {
    EXPECT_EQ(e.code(), "too_many_attempts");
    EXPECT_EQ(std::string(e.what()), "logging in: too many failed logins (wait 15 min)");
    EXPECT_EQ(e.retryAfterSeconds(), 900);
    EXPECT_EQ(e.reason(), "");
  }
}

} // namespace
} // namespace printrelay
