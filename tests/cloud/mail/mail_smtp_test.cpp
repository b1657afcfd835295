// Mail through a real SMTP server (Debian's python3-aiosmtpd): the outbox is sent by the
// background worker, over STARTTLS when the server offers it, retried with backoff while the
// server is down, and the link in the received mail verifies the account.
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/smtp_server.h"
#include "tests/support/test_pki.h"

#include <regex>

namespace printrelay::cloud::testing {
namespace {

using printrelay::testing::SmtpServer;
using namespace std::chrono_literals;

class MailSmtpTest : public CloudFixture {
protected:
  void SetUp() override {
    if (!SmtpServer::available()) {
      GTEST_SKIP() << "python3-aiosmtpd is not installed (scripts/test-deps.sh installs it)";
    }
    pkiDir_ = std::make_unique<printrelay::testing::TempDir>("printrelay-smtp-pki");
    pki_ = printrelay::testing::generateTestPki(pkiDir_->path());
    smtpPort_ = SmtpServer::freePort();
    CloudFixture::SetUp();
  }

  void configure(CloudSettings& settings) override {
    settings.smtp.host = "127.0.0.1";
    settings.smtp.port = smtpPort_;
    settings.smtp.caFile = pki_.caCert.string();
    settings.smtp.timeout = std::chrono::seconds(10);
    settings.mailFrom = "PrintRelay <noreply@print.example>";
    configureSmtp(settings.smtp);
  }
  virtual void configureSmtp(SmtpSettings&) {}

  std::unique_ptr<SmtpServer> startSmtp(bool tls) {
    SmtpServer::Options options;
    options.port = smtpPort_;
    if (tls) {
      options.tlsCert = pki_.serverCert;
      options.tlsKey = pki_.serverKey;
    }
    return std::make_unique<SmtpServer>(options);
  }

  HttpReply registerAccount(const std::string& email) {
    return request("POST", "/api/v1/accounts", "",
                   json{{"email", email}, {"password", kPassword}}.dump());
  }

  /// Waits (real time) until the outbox's only mail satisfies `done`.
  MailRecord waitForOutbox(const std::function<bool(const MailRecord&)>& done) {
    for (int i = 0; i < 200; ++i) {
      auto tx = server_->store().begin();
      const auto mails = tx->listMails();
      tx.reset();
      if (!mails.empty() && done(mails.back())) {
        return mails.back();
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "the outbox never reached the expected state";
    return {};
  }

  /// Follows the verification link of a received mail.
  void followLink(const std::string& message) {
    const std::string body = printrelay::testing::mailBody(message);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        body, m, std::regex(R"((https?://\S+/api/v1/accounts/verify\?token=[A-Za-z0-9_-]+))")))
        << body;
    const std::string link = m[1].str();
    ASSERT_EQ(link.rfind(baseUrl_, 0), 0u) << link;
    const auto reply = request("GET", link.substr(baseUrl_.size()));
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.asJson()["status"], "verified");
  }

  std::unique_ptr<printrelay::testing::TempDir> pkiDir_;
  printrelay::testing::TestPki pki_;
  int smtpPort_ = 0;
};

TEST_F(MailSmtpTest, VerificationMailArrivesAndItsLinkVerifiesTheAccount) {
  auto smtp = startSmtp(false);
  ASSERT_EQ(registerAccount("erin@example.com").status, 202);
  const auto messages = smtp->waitForMessages(1, 20s);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(printrelay::testing::mailHeader(messages[0], "To").find("erin@example.com"),
            std::string::npos);
  EXPECT_NE(printrelay::testing::mailHeader(messages[0], "From").find("noreply@print.example"),
            std::string::npos);
  followLink(messages[0]);
  const auto me = request("GET", "/api/v1/me", accessToken("erin@example.com"));
  EXPECT_EQ(me.asJson()["email_verified"], true);
  EXPECT_TRUE(waitForOutbox([](const MailRecord& m) { return m.sentAt.has_value(); }).sentAt);
}

TEST_F(MailSmtpTest, StartTlsIsUsedWhenTheServerOffersIt) {
  // This server refuses mail until STARTTLS: a mail that arrives went over TLS.
  auto smtp = startSmtp(true);
  ASSERT_EQ(registerAccount("finn@example.com").status, 202);
  const auto messages = smtp->waitForMessages(1, 20s);
  ASSERT_EQ(messages.size(), 1u) << "outbox: "
                                 << waitForOutbox([](const MailRecord&) { return true; }).lastError;
  followLink(messages[0]);
}

TEST_F(MailSmtpTest, MailIsRetriedWithBackoffUntilTheServerIsUp) {
  ASSERT_EQ(registerAccount("gwen@example.com").status, 202);
  // Nothing listens yet: the first attempt fails and the next is scheduled 30 s later.
  const MailRecord failed = waitForOutbox([](const MailRecord& m) { return m.attempts >= 1; });
  EXPECT_EQ(failed.attempts, 1);
  EXPECT_FALSE(failed.sentAt);
  EXPECT_FALSE(failed.lastError.empty());
  EXPECT_EQ(failed.nextAttemptAt, clock_.now() + 30);
  EXPECT_EQ(BackgroundWorker::backoffSeconds(2), 60);
  EXPECT_EQ(BackgroundWorker::backoffSeconds(20), 3600);

  auto smtp = startSmtp(false);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(smtp->messages().empty()); // not due yet
  clock_.advance(30);
  server_->worker().wake();
  const auto messages = smtp->waitForMessages(1, 20s);
  ASSERT_EQ(messages.size(), 1u);
  followLink(messages[0]);
  EXPECT_EQ(waitForOutbox([](const MailRecord& m) { return m.sentAt.has_value(); }).attempts, 2);
}

class MailSmtpRequiredTlsTest : public MailSmtpTest {
protected:
  void configureSmtp(SmtpSettings& smtp) override { smtp.starttls = "required"; }
};

TEST_F(MailSmtpRequiredTlsTest, RequiredStartTlsIsNeverSkipped) {
  auto smtp = startSmtp(false); // offers no STARTTLS
  ASSERT_EQ(registerAccount("hugo@example.com").status, 202);
  const MailRecord failed = waitForOutbox([](const MailRecord& m) { return m.attempts >= 1; });
  EXPECT_FALSE(failed.sentAt);
  EXPECT_NE(failed.lastError.find("STARTTLS"), std::string::npos) << failed.lastError;
  EXPECT_TRUE(smtp->messages().empty());
}

} // namespace
} // namespace printrelay::cloud::testing
