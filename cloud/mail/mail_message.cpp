#include "cloud/mail/mailer.h"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/StringPartSource.h>
#include <algorithm>
#include <sstream>

namespace printrelay::cloud {
namespace {

/// Plain ASCII goes as is, so links stay on one line for people reading the raw .eml file.
Poco::Net::MailMessage::ContentTransferEncoding encodingFor(const std::string& text) {
  const bool ascii =
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x80; });
  return ascii ? Poco::Net::MailMessage::ENCODING_7BIT
               : Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE;
}

} // namespace

void fillPocoMessage(const OutgoingMail& mail, Poco::Net::MailMessage& message) {
  message.setSender(mail.from);
  message.addRecipient(
      Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, mail.to));
  message.setSubject(Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8"));
  if (mail.html.empty()) {
    message.setContentType("text/plain; charset=UTF-8");
    message.setContent(mail.body, encodingFor(mail.body));
    return;
  }
  // Plain text first, HTML last: a client shows the last part it can render (RFC 2046 5.1.4).
  message.setContentType("multipart/alternative");
  message.addContent(new Poco::Net::StringPartSource(mail.body, "text/plain; charset=UTF-8"),
                     encodingFor(mail.body));
  message.addContent(new Poco::Net::StringPartSource(mail.html, "text/html; charset=UTF-8"),
                     Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
}

std::string renderMail(const OutgoingMail& mail) {
  std::ostringstream out;
  Poco::Net::MailMessage message;
  fillPocoMessage(mail, message);
  message.write(out);
  return out.str();
}

} // namespace printrelay::cloud
