#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay::cloud {

/// A mail ready to queue: a subject, a plain-text part and an HTML part (the same words).
struct MailContent {
  std::string subject;
  std::string text; ///< plain text, UTF-8
  std::string html; ///< an HTML document, UTF-8; empty: a plain-text mail
};

/// The moments an order's customer is told by mail.
enum class OrderMailKind : std::uint8_t {
  Held,            ///< waits for its customer: the pickup code
  AwaitingPayment, ///< a pay-first shop waits for the payment: the amount and how to pay
  Printed,         ///< ready for collection
  Failed,          ///< could not be printed: why, and what happens to the payment
  Expired,         ///< waited too long: what happens to the payment
  Refunded,        ///< the payment was refunded (on its own, not with one of the above)
  Cancelled,       ///< the shop cancelled it: why, and what happens to the payment
};

/// What happens to an order's payment when it ends unprinted.
enum class PaymentOutcome : std::uint8_t {
  NoCharge,    ///< nothing was priced (the shop prices at the counter): nothing to pay
  NotCharged,  ///< it was not paid, and now nothing is owed
  Refunded,    ///< what was paid is refunded (refundedAmount)
  StillCharged ///< printed: the charge stands
};

/// What an order mail says, gathered by the order service. Names come from users and are
/// escaped in the HTML part. Amounts are already formatted in the shop's currency ("EUR 1.20").
struct OrderMailFacts {
  std::string orderId;
  std::string documentName;
  std::string shopName;
  std::string shopAddress;
  std::string pickupCode;     ///< six digits, when the order waits (or waited) for pickup
  std::string amount;         ///< the order's total; empty when no quote was fixed
  bool paid = false;          ///< the total was paid
  std::string refundedAmount; ///< what was refunded, when a payment was
  PaymentOutcome payment = PaymentOutcome::NoCharge;
  std::string reason;           ///< why it failed or was cancelled, in the shop's or agent's words
  std::int64_t waitSeconds = 0; ///< how long a held or unpaid order waits before it expires
  bool onlinePayment = false;   ///< the cloud takes online payments (`printrelay pay`)
};

/// The short form of an order id people read and type ("ord_1a2b3c4d").
std::string shortOrderId(std::string_view orderId);

/// `text` with & < > " ' as HTML character references.
std::string htmlEscaped(std::string_view text);

/// The mail of `kind` for an order: subject, plain text and HTML, each with the shop's name and
/// address, the order's short id and document name. Built by one function per kind, chosen from
/// one table.
MailContent orderMail(OrderMailKind kind, const OrderMailFacts& facts);

} // namespace printrelay::cloud
