#include "cloud/mail/outbox.h"

namespace printrelay::cloud {

void queueMail(StoreTransaction& tx, const std::string& to, const std::string& subject,
               const std::string& body, std::int64_t now) {
  MailRecord mail;
  mail.recipient = to;
  mail.subject = subject;
  mail.body = body;
  mail.createdAt = mail.nextAttemptAt = now;
  tx.enqueueMail(mail);
}

} // namespace printrelay::cloud
