#include "cloud/orders/payments.h"

#include "cloud/orders/pricing.h"
#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/wire/protocol.h"

#include <array>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <vector>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

protocol::PrintOptions orderOptions(const OrderRecord& order) {
  const json j = json::parse(order.optionsJson, nullptr, false);
  if (j.is_discarded()) {
    throw Error("store_corrupt", "order " + order.id + " has unreadable options");
  }
  return j.get<protocol::PrintOptions>();
}

PriceList storedPriceList(const std::string& text, const std::string& what) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    throw Error("store_corrupt", what + " holds an unreadable price list");
  }
  return priceListFromJson(j);
}

Quote price(const PriceList& list, const OrderRecord& order, int pages) {
  return priceQuote(list, orderOptions(order), pages);
}

/// A charge priced on a count, and the quote it was priced with.
struct PricedCharge {
  OrderChargeRecord charge;
  Quote quote;
};

/// `charge` priced on `pages` with its own copy of the price list or, before the first quote,
/// a new charge with the store's current list (its quoted total is this first price); nullopt
/// when the store has no price list.
std::optional<PricedCharge> priceCharge(StoreTransaction& tx, const OrderRecord& order,
                                        std::optional<OrderChargeRecord> charge, int pages) {
  PriceList list;
  if (charge) {
    list = storedPriceList(charge->priceListJson, "the charge of order " + order.id);
  } else {
    const auto prices = tx.findStorePrices(order.storeId);
    if (!prices) {
      return std::nullopt;
    }
    list = storedPriceList(prices->priceListJson, "store " + order.storeId);
    charge.emplace();
    charge->orderId = order.id;
    charge->priceListJson = prices->priceListJson;
    charge->createdAt = order.updatedAt;
  }
  const Quote quote = price(list, order, pages);
  if (charge->breakdownJson.empty()) {
    charge->quotedTotalMinor = quote.totalMinor;
  }
  charge->breakdownJson = quoteJson(quote).dump(-1, ' ', false, json::error_handler_t::replace);
  charge->totalMinor = quote.totalMinor;
  charge->currency = quote.currency;
  return PricedCharge{std::move(*charge), quote};
}

/// Makes `pages` from `source` the order's quoted count, the one its charge reads.
void recordQuotedCount(StoreTransaction& tx, const std::string& orderId, int pages,
                       std::string_view source) {
  OrderPagesRecord record = tx.findOrderPages(orderId).value_or(OrderPagesRecord{});
  if (record.quotedPages == pages && record.source == source) {
    return;
  }
  record.orderId = orderId;
  record.quotedPages = pages;
  record.source = std::string(source);
  tx.putOrderPages(record);
}

/// Records `agentPages` as the agent's count where the order's counts would give its final
/// charge another one (the agent's count is there already when it counted; one that could not
/// count printed on the quoted count).
void recordFinalCount(StoreTransaction& tx, const std::string& orderId, int agentPages) {
  OrderPagesRecord record = tx.findOrderPages(orderId).value_or(OrderPagesRecord{});
  if ((record.agentPages ? record.agentPages : record.quotedPages) == agentPages) {
    return;
  }
  record.orderId = orderId;
  record.agentPages = agentPages;
  tx.putOrderPages(record);
}

std::array<std::uint8_t, 32> hmacSha256(std::string_view secret, std::string_view message) {
  std::array<std::uint8_t, 32> mac{};
  std::size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
                mac.size(), &length) == nullptr ||
      length != mac.size()) {
    throw Error("crypto_failed", "HMAC-SHA256 failed");
  }
  return mac;
}

[[noreturn]] void badSignature(const std::string& why) {
  throw Error("bad_signature", "the Stripe-Signature header " + why);
}

} // namespace

void fixQuote(StoreTransaction& tx, const OrderRecord& order, int pages, std::string_view source) {
  recordQuotedCount(tx, order.id, pages, source);
  auto charge = tx.findOrderCharge(order.id);
  if (charge && charge->paymentState == "refunded") {
    return; // the order ended with its money returned: nothing more to price
  }
  auto priced = priceCharge(tx, order, std::move(charge), pages);
  if (!priced) {
    return;
  }
  priced->charge.updatedAt = order.updatedAt;
  tx.putOrderCharge(priced->charge);
}

bool paymentDueBeforePrinting(StoreTransaction& tx, const OrderRecord& order) {
  const auto prices = tx.findStorePrices(order.storeId);
  if (!prices || prices->paymentPolicy != kPayFirst) {
    return false;
  }
  const auto charge = tx.findOrderCharge(order.id);
  return charge && charge->paymentState == "unpaid" && charge->totalMinor > 0;
}

void finalizeCharge(StoreTransaction& tx, const OrderRecord& order, int agentPages) {
  try {
    const auto quoted = tx.findOrderCharge(order.id);
    auto priced = priceCharge(tx, order, quoted, agentPages);
    if (!priced) {
      return; // the store has no price list
    }
    if (quoted && priced->quote.totalMinor != quoted->totalMinor) {
      log::notice("order " + order.id + ": final price " +
                  formatMinor(priced->quote.totalMinor, priced->quote.currencyExponent) + " " +
                  priced->quote.currency + " on the agent's " + std::to_string(agentPages) +
                  " pages (quoted " +
                  formatMinor(quoted->totalMinor, priced->quote.currencyExponent) + ")");
    }
    priced->charge.finalizedAt = order.updatedAt;
    priced->charge.updatedAt = order.updatedAt;
    recordFinalCount(tx, order.id, agentPages);
    tx.putOrderCharge(priced->charge);
  } catch (const Error& e) {
    log::warning("order " + order.id + ": the agent's count of " + std::to_string(agentPages) +
                 " pages cannot be priced (" + e.what() + "); the quote stands");
  }
}

void refundIfPaid(StoreTransaction& tx, const OrderRecord& order, std::string_view reason,
                  std::int64_t now) {
  auto charge = tx.findOrderCharge(order.id);
  if (!charge || charge->paymentState != "paid") {
    return;
  }
  charge->paymentState = "refunded";
  charge->refundedMinor = charge->paidMinor;
  charge->refundedAt = now;
  charge->refundReason = std::string(reason).substr(0, 500);
  charge->updatedAt = now;
  tx.putOrderCharge(*charge);
  log::notice("order " + order.id + ": refund of " + std::to_string(charge->refundedMinor) +
              " minor units of " + charge->currency + " recorded (" + charge->refundReason + ")");
}

json chargeJson(const std::optional<OrderChargeRecord>& charge) {
  if (!charge) {
    return nullptr;
  }
  json breakdown = json::parse(charge->breakdownJson, nullptr, false);
  if (breakdown.is_discarded()) {
    breakdown = nullptr;
  }
  const auto optional = [](const std::optional<std::int64_t>& v) {
    return v ? json(*v) : json(nullptr);
  };
  json j{{"pages", charge->pages},
         {"pages_source", charge->pagesSource},
         {"quote", std::move(breakdown)},
         {"total_minor", charge->totalMinor},
         {"currency", charge->currency},
         {"currency_exponent", currencyExponent(charge->currency).value_or(2)},
         {"quoted_total_minor", charge->quotedTotalMinor},
         {"final", charge->finalizedAt.has_value()},
         {"finalized_at", optional(charge->finalizedAt)},
         {"payment_state", charge->paymentState},
         {"payment_method",
          charge->paymentMethod.empty() ? json(nullptr) : json(charge->paymentMethod)},
         {"paid_minor", charge->paidMinor},
         {"paid_at", optional(charge->paidAt)},
         {"balance_due_minor", charge->paymentState == "unpaid" ? charge->totalMinor
                               : charge->paymentState == "paid"
                                   ? charge->totalMinor - charge->paidMinor
                                   : 0}};
  j["refund"] = charge->paymentState == "refunded" ? json{{"amount_minor", charge->refundedMinor},
                                                          {"at", optional(charge->refundedAt)},
                                                          {"reason", charge->refundReason}}
                                                   : json(nullptr);
  return j;
}

void recordPayment(StoreTransaction& tx, OrderChargeRecord& charge, std::string_view method,
                   std::string_view reference, std::int64_t now) {
  charge.paymentState = "paid";
  charge.paymentMethod = std::string(method);
  charge.paidMinor = charge.totalMinor;
  charge.paidAt = now;
  charge.paymentReference = std::string(reference);
  charge.updatedAt = now;
  tx.putOrderCharge(charge);
  log::notice("order " + charge.orderId + ": paid " +
              formatMinor(charge.paidMinor, currencyExponent(charge.currency).value_or(2)) + " " +
              charge.currency + " (" + std::string(method) + ")");
}

void verifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            std::int64_t now) {
  if (header.empty()) {
    badSignature("is missing");
  }
  if (header.size() > 4096) {
    badSignature("is too long");
  }
  std::string_view timestamp;
  std::vector<std::string_view> signatures;
  std::size_t start = 0;
  while (start <= header.size()) {
    const std::size_t comma = std::min(header.find(',', start), header.size());
    std::string_view item = header.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      badSignature("is not a list of key=value items");
    }
    const std::string_view key = item.substr(0, equals);
    const std::string_view value = item.substr(equals + 1);
    if (key == "t") {
      if (!timestamp.empty()) {
        badSignature("has two timestamps");
      }
      timestamp = value;
    } else if (key == "v1") {
      signatures.push_back(value);
    } // other schemes (v0 of test mode) are not ours to check
    start = comma + 1;
  }
  if (timestamp.empty() || timestamp.size() > 12 ||
      timestamp.find_first_not_of("0123456789") != std::string_view::npos) {
    badSignature("has no valid timestamp (t=<unix seconds>)");
  }
  if (signatures.empty() || signatures.size() > 16) {
    badSignature("has no v1 signature");
  }
  std::string signedPayload;
  signedPayload.reserve(timestamp.size() + 1 + body.size());
  signedPayload.append(timestamp).append(".").append(body);
  const auto expected = hmacSha256(secret, signedPayload);
  bool matched = false;
  for (const auto candidate : signatures) {
    if (candidate.size() != expected.size() * 2) {
      continue;
    }
    Bytes given;
    try {
      given = hexDecode(candidate);
    } catch (const Error&) {
      continue;
    }
    // Every candidate is compared in full, in constant time.
    matched = (CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0) || matched;
  }
  if (!matched) {
    badSignature("does not match the body");
  }
  const std::int64_t t = std::stoll(std::string(timestamp));
  if (t < now - kWebhookToleranceSeconds || t > now + kWebhookToleranceSeconds) {
    throw Error("signature_expired",
                "the webhook's timestamp is more than " + std::to_string(kWebhookToleranceSeconds) +
                    " seconds from the server's clock (a replay, or a clock off)");
  }
}

std::string webhookSignatureHeader(std::string_view secret, std::int64_t t, std::string_view body) {
  const std::string stamp = std::to_string(t);
  const auto mac = hmacSha256(secret, stamp + "." + std::string(body));
  return "t=" + stamp + ",v1=" + hexEncode(mac);
}

} // namespace printrelay::cloud
