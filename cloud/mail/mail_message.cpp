#include "cloud/mail/mailer.h"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <algorithm>
#include <sstream>

namespace printrelay::cloud {

void fillPocoMessage(const OutgoingMail& mail, Poco::Net::MailMessage& message) {
  message.setSender(mail.from);
  message.addRecipient(
      Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, mail.to));
  message.setSubject(Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8"));
  message.setContentType("text/plain; charset=UTF-8");
  // Plain ASCII goes as is, so links stay on one line for people reading the raw .eml file.
  const bool ascii =
      std::all_of(mail.body.begin(), mail.body.end(), [](unsigned char c) { return c < 0x80; });
  message.setContent(mail.body, ascii ? Poco::Net::MailMessage::ENCODING_7BIT
                                      : Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
}

std::string renderMail(const OutgoingMail& mail) {
  std::ostringstream out;
  Poco::Net::MailMessage message;
  fillPocoMessage(mail, message);
  message.write(out);
  return out.str();
}

} // namespace printrelay::cloud
