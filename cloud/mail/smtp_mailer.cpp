// The SMTP mail backend on Poco::Net: EHLO, STARTTLS when offered (or required), AUTH only over
// TLS, then the message.
#include "cloud/mail/mailer.h"
#include "common/util/error.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureSMTPClientSession.h>

namespace printrelay::cloud {

/// Defined in mail_message.cpp.
void fillPocoMessage(const OutgoingMail& mail, Poco::Net::MailMessage& message);

namespace {

class SmtpMailer : public Mailer {
public:
  explicit SmtpMailer(SmtpSettings settings) : settings_(std::move(settings)) {
    Poco::Net::initializeSSL();
  }
  ~SmtpMailer() override { Poco::Net::uninitializeSSL(); }

  void send(const OutgoingMail& mail) override {
    try {
      const Poco::Timespan timeout(static_cast<long>(settings_.timeout.count()), 0);
      // Constructed from the host name, so STARTTLS checks the certificate against it.
      Poco::Net::SecureSMTPClientSession session(settings_.host,
                                                 static_cast<Poco::UInt16>(settings_.port));
      session.setTimeout(timeout);
      session.login("printrelay-cloud");
      bool secure = false;
      if (settings_.starttls != "never") {
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", settings_.caFile,
                                   Poco::Net::Context::VERIFY_RELAXED, 9, settings_.caFile.empty());
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        secure = session.startTLS(context);
        if (!secure && settings_.starttls == "required") {
          throw Error("mail_failed", "the SMTP server does not offer STARTTLS");
        }
      }
      if (!settings_.username.empty()) {
        if (!secure) {
          throw Error("mail_failed", "refusing to send SMTP credentials without TLS");
        }
        // EHLO again over TLS (RFC 3207), then AUTH.
        session.login("printrelay-cloud", Poco::Net::SMTPClientSession::AUTH_LOGIN,
                      settings_.username, settings_.password);
      } else if (secure) {
        session.login("printrelay-cloud"); // EHLO again over TLS (RFC 3207)
      }
      Poco::Net::MailMessage message;
      fillPocoMessage(mail, message);
      session.sendMessage(message);
      session.close();
    } catch (const Error&) {
      throw;
    } catch (const Poco::Exception& e) {
      throw Error("mail_failed", "SMTP " + describe() + ": " + e.displayText());
    } catch (const std::exception& e) {
      throw Error("mail_failed", "SMTP " + describe() + ": " + e.what());
    }
  }

  std::string describe() const override {
    return "smtp://" + settings_.host + ":" + std::to_string(settings_.port);
  }

private:
  SmtpSettings settings_;
};

} // namespace

std::unique_ptr<Mailer> makeSmtpMailer(const SmtpSettings& settings) {
  return std::make_unique<SmtpMailer>(settings);
}

} // namespace printrelay::cloud
