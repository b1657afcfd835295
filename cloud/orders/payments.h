#pragma once

#include "cloud/storage/store.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay::cloud {

// The charge of an order and its payment state (docs/architecture.md, "Payment state machine"):
//
//   unpaid ──► paid ──► refunded
//
// fixQuote records the price when the document arrives; the shopkeeper (POST
// /shop/orders/{id}/paid) or the payment provider's signed webhook marks it paid; refundIfPaid
// records the refund owed when a paid order is cancelled, expires or fails. Every function here
// works inside the caller's transaction; none commits.

/// A store's payment policies.
inline constexpr std::string_view kPrintThenPay = "print_then_pay";
inline constexpr std::string_view kPayFirst = "pay_first";

/// How far a webhook's timestamp may be from the cloud's clock, in seconds.
inline constexpr std::int64_t kWebhookToleranceSeconds = 300;

/// Makes `pages` from `source` ("cloud", "client" or "agent") the order's quoted count (in its
/// page counts, where its charge reads it), prices the order (its options × `pages`) and records
/// the quote as its charge, unpaid, at the time of order.updatedAt. The store's current price
/// list is copied into the charge, and a later re-fix (an approved page count) prices with that
/// copy, keeping the payment state and what was paid. Without a price list no charge is
/// recorded (the shop prices at the counter); a refunded charge is not priced again. Throws
/// Error page_range_out_of_document / quote_too_large, invalid_request for pages out of range.
void fixQuote(StoreTransaction& tx, const OrderRecord& order, int pages, std::string_view source);

/// Whether the order must be paid before it may print: its store is pay_first and its charge is
/// unpaid with a total above zero.
bool paymentDueBeforePrinting(StoreTransaction& tx, const OrderRecord& order);

/// Prices the order again on the agent's count (with the charge's copy of the price list) and
/// marks the charge final, so that it reads its pages from the agent's count (recorded here when
/// the order's counts give another); what the customer owes, or paid, is compared with this
/// total (chargeJson's balance_due_minor). Never throws: a count that cannot be priced keeps
/// the quote and is logged.
void finalizeCharge(StoreTransaction& tx, const OrderRecord& order, int agentPages);

/// When the order's charge is paid, records its refund (what was paid) with `reason` and makes
/// the payment state "refunded"; otherwise does nothing.
void refundIfPaid(StoreTransaction& tx, const OrderRecord& order, std::string_view reason,
                  std::int64_t now);

/// The order's charge for the order JSON; null when no quote was fixed.
nlohmann::json chargeJson(const std::optional<OrderChargeRecord>& charge);

/// Records a payment of the charge's current total by `method` ("cash", "card", "online").
void recordPayment(StoreTransaction& tx, OrderChargeRecord& charge, std::string_view method,
                   std::string_view reference, std::int64_t now);

/// Checks a `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` header: HMAC-SHA256(secret,
/// t + "." + body) must equal one of the v1 values (compared in constant time), and t must be
/// within kWebhookToleranceSeconds of `now`. Throws Error bad_signature (missing,
/// garbled or no match) or signature_expired (a valid signature, too old or too new).
void verifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            std::int64_t now);

/// The header verifyWebhookSignature accepts for `body` at time `t` (tests and tools).
std::string webhookSignatureHeader(std::string_view secret, std::int64_t t, std::string_view body);

} // namespace printrelay::cloud
