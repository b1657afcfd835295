#include "cloud/mail/outbox.h"

namespace printrelay::cloud {

void queueMail(StoreTransaction& tx, const std::string& to, const std::string& subject,
               const std::string& body, std::int64_t now) {
  queueMail(tx, to, MailContent{subject, body, {}}, now);
}

void queueMail(StoreTransaction& tx, const std::string& to, const MailContent& content,
               std::int64_t now) {
  MailRecord mail;
  mail.recipient = to;
  mail.subject = content.subject;
  mail.body = content.text;
  mail.html = content.html;
  mail.createdAt = mail.nextAttemptAt = now;
  tx.enqueueMail(mail);
}

} // namespace printrelay::cloud
