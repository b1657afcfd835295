#pragma once

#include "cloud/mail/order_mail.h"
#include "cloud/storage/store.h"

#include <cstdint>
#include <string>

namespace printrelay::cloud {

/// Queues a plain-text mail to `to` in the outbox inside `tx`: it is sent (and retried) by the
/// background worker once the transaction commits. The one way the cloud composes a mail record.
void queueMail(StoreTransaction& tx, const std::string& to, const std::string& subject,
               const std::string& body, std::int64_t now);
/// The same for a mail with plain-text and HTML parts.
void queueMail(StoreTransaction& tx, const std::string& to, const MailContent& mail,
               std::int64_t now);

} // namespace printrelay::cloud
