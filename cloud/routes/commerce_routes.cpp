// Routes of the commerce side: price lists, quotes, payment at the shop and through the payment
// provider's webhook, receipts.
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/orders/pricing.h"
#include "cloud/orders/receipt.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/storage/ids.h"
#include "common/util/log.h"
#include "common/wire/protocol.h"

#include <algorithm>
#include <cctype>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// Largest webhook body accepted (Stripe's events are a few KiB).
constexpr std::size_t kMaxWebhookBody = 64 * 1024;

/// A required whole number in [min, max] (never a float, never a string).
std::int64_t requiredInteger(const json& object, const std::string& field, std::int64_t min,
                             std::int64_t max) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    throw ApiError(400, "invalid_request", "field '" + field + "' is required");
  }
  if (!it->is_number_integer() ||
      (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) ||
      (!it->is_number_unsigned() && (it->get<std::int64_t>() < min)) ||
      it->get<std::int64_t>() > max) {
    throw ApiError(400, "invalid_request",
                   "field '" + field + "' must be a whole number from " + std::to_string(min) +
                       " to " + std::to_string(max));
  }
  return it->get<std::int64_t>();
}

/// Pricing's errors as the API answers them.
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool isPaymentEvent(const std::string& type) {
  return type == "checkout.session.completed" ||
         type == "checkout.session.async_payment_succeeded" || type == "payment_intent.succeeded";
}

/// The amount of a provider object: amount_total (checkout sessions), amount_received or amount
/// (payment intents, charges).
std::int64_t eventAmount(const json& object) {
  for (const char* field : {"amount_total", "amount_received", "amount"}) {
    if (object.contains(field) && !object[field].is_null()) {
      return requiredInteger(object, field, 0, kMaxTotalMinor);
    }
  }
  throw ApiError(400, "invalid_request", "the event's object has no amount");
}

} // namespace

json Api::storePricesJson(StoreTransaction& tx, const std::string& storeId) {
  const auto prices = tx.findStorePrices(storeId);
  if (!prices) {
    return nullptr;
  }
  json j = json::parse(prices->priceListJson, nullptr, false);
  if (j.is_discarded()) {
    throw Error("store_corrupt", "store " + storeId + " holds an unreadable price list");
  }
  j = priceListJson(priceListFromJson(j));
  j["payment_policy"] = prices->paymentPolicy;
  j["updated_at"] = prices->updatedAt;
  return j;
}

void Api::getStorePrices(RequestContext& ctx) {
  auto tx = store_.beginRead();
  const StoreRecord store = existingStore(*tx, ctx.pathParam(0));
  json prices = storePricesJson(*tx, store.id);
  if (prices.is_null()) {
    throw ApiError(404, "prices_not_set", "this store has not published prices");
  }
  prices["store_id"] = store.id;
  replyJson(ctx.response, 200, prices);
}

void Api::putStorePrices(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  if (!ctx.principal.managesStore(storeId)) {
    throw ApiError(403, "forbidden", "a shopkeeper prices only the stores they are assigned");
  }
  std::string policy(kPrintThenPay);
  if (const auto it = body.find("payment_policy"); it != body.end()) {
    policy = it->is_string() ? it->get<std::string>() : "";
    if (policy != kPrintThenPay && policy != kPayFirst) {
      throw ApiError(400, "invalid_request",
                     "field 'payment_policy' must be print_then_pay or pay_first");
    }
    body.erase(it);
  }
  const PriceList list = priceListFromJson(body);
  auto tx = store_.begin();
  const StoreRecord store = existingStore(*tx, storeId);
  tx->putStorePrices({store.id, dumpJson(priceListJson(list)), policy, now()});
  json reply = storePricesJson(*tx, store.id);
  reply["store_id"] = store.id;
  tx->commit();
  log::notice("store " + store.id + ": prices set in " + list.currency + " (" + policy + ") by " +
              ctx.principal.subject);
  replyJson(ctx.response, 200, reply);
}

void Api::createQuote(RequestContext& ctx) {
  takeOrRefuse(quotesByAddress_, "addr:" + ctx.request.remote_addr, ctx, "too_many_requests",
               "too many quotes from this address in the last hour; try again later");
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"store_id", "options", "pages"});
  const std::string storeId = requiredString(body, "store_id", 64);
  const auto optionsIt = body.find("options");
  const json customerOptions =
      optionsIt == body.end() || optionsIt->is_null() ? json::object() : *optionsIt;
  const int pages = static_cast<int>(requiredInteger(body, "pages", 1, protocol::kMaxPageNumber));
  auto tx = store_.beginRead();
  const StoreRecord store = existingStore(*tx, storeId);
  // The options as POST /orders would take them: over the shop's defaults, and only what the
  // store's printers can do.
  const protocol::PrintOptions options = optionsWithDefaults(customerOptions, *tx, store.id);
  checkOptionsAgainstStore(*tx, store.id, options);
  const auto prices = tx->findStorePrices(store.id);
  if (!prices) {
    throw ApiError(404, "prices_not_set", "this store has not published prices");
  }
  const Quote quote =
      priceQuote(priceListFromJson(json::parse(prices->priceListJson)), options, pages);
  json reply = quoteJson(quote);
  reply["store_id"] = store.id;
  reply["payment_policy"] = prices->paymentPolicy;
  replyJson(ctx.response, 200, reply);
}

void Api::markOrderPaid(RequestContext& ctx) {
  const std::string orderId = ctx.pathParam(0);
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  auto tx = store_.begin();
  OrderRecord order = managedOrder(*tx, ctx, orderId);
  rejectUnknownFields(body, {"method"});
  const std::string method = requiredString(body, "method", 16);
  if (method != "cash" && method != "card") {
    throw ApiError(400, "invalid_request", "field 'method' must be cash or card");
  }
  auto charge = tx->findOrderCharge(order.id);
  if (!charge) {
    throw ApiError(409, "no_charge",
                   "this order has no price (its store had no price list when it was quoted)");
  }
  if (order.state == OrderState::Cancelled || order.state == OrderState::Expired ||
      order.state == OrderState::Failed) {
    throw ApiError(409, "order_not_payable",
                   "this order is " + std::string(toString(order.state)) + "; nothing is owed");
  }
  if (charge->paymentState != "unpaid") {
    throw ApiError(409, "already_" + charge->paymentState,
                   "this order's payment state is already " + charge->paymentState);
  }
  const std::int64_t t = now();
  recordPayment(*tx, *charge, method, "shopkeeper:" + ctx.principal.subject, t);
  OrderService orders = orderService(*tx);
  orders.paid(order, "paid at the shop (" + method + ")");
  const json reply = orderJson(*tx, order, true);
  orders.commit();
  replyJson(ctx.response, 200, reply);
}

void Api::paymentWebhook(RequestContext& ctx) {
  if (settings_.paymentWebhookSecret.empty()) {
    throw ApiError(503, "payments_not_configured",
                   "online payment is not configured on this server");
  }
  const std::string body = ctx.body.readAll(kMaxWebhookBody);
  verifyWebhookSignature(settings_.paymentWebhookSecret,
                         ctx.request.get_header_value("Stripe-Signature"), body, now());
  const json event = parseJsonObject(body);
  const std::string eventId = requiredString(event, "id", 255);
  const std::string type = requiredString(event, "type", 255);

  auto tx = store_.begin();
  if (tx->findPaymentEvent(eventId)) {
    tx->commit();
    replyJson(ctx.response, 200, {{"received", true}, {"duplicate", true}, {"event_id", eventId}});
    return;
  }
  const std::int64_t t = now();
  std::string outcome = "ignored";
  std::string orderId;
  std::optional<OrderRecord> order;
  OrderService orders = orderService(*tx);
  const bool refund = type == "charge.refunded";
  if (isPaymentEvent(type) || refund) {
    const auto data = event.find("data");
    if (data == event.end() || !data->is_object() || !data->contains("object") ||
        !(*data)["object"].is_object()) {
      throw ApiError(400, "invalid_request", "the event has no data.object");
    }
    const json& object = (*data)["object"];
    const auto metadata = object.find("metadata");
    if (metadata != object.end() && metadata->is_object() && metadata->contains("order_id")) {
      const json& named = (*metadata)["order_id"];
      if (named.is_string() && isWellFormedId(named.get<std::string>())) {
        order = tx->findOrder(named.get<std::string>());
      }
      if (!order) {
        throw ApiError(404, "order_not_found", "the event names no order of this server");
      }
      orderId = order->id;
    } // else: a payment of something else on the same provider account
  }
  if (order) {
    const json& object = event["data"]["object"];
    auto charge = tx->findOrderCharge(order->id);
    if (!charge) {
      throw ApiError(422, "amount_mismatch", "order " + order->id + " has no fixed quote to pay");
    }
    const std::string reference = optionalString(object, "id", 255);
    if (refund) {
      if (charge->paymentState == "paid") {
        refundIfPaid(*tx, *order, "refunded at the payment provider", t);
        outcome = "refunded";
      } else {
        outcome = charge->paymentState == "refunded" ? "already_refunded" : "ignored";
      }
    } else if (object.contains("payment_status") &&
               object.value("payment_status", std::string()) != "paid") {
      outcome = "ignored"; // a delayed payment method: its own succeeded event follows
    } else if (charge->paymentState != "unpaid") {
      outcome = "already_" + charge->paymentState;
      if (reference != charge->paymentReference) {
        log::warning("order " + order->id + ": another payment (" + reference +
                     ") arrived for an order already " + charge->paymentState);
      }
    } else {
      const std::int64_t amount = eventAmount(object);
      const std::string currency = upper(requiredString(object, "currency", 8));
      if (amount != charge->totalMinor || currency != charge->currency) {
        throw ApiError(422, "amount_mismatch",
                       "the payment of " + std::to_string(amount) + " " + currency +
                           " does not match the order's total of " +
                           std::to_string(charge->totalMinor) + " " + charge->currency);
      }
      recordPayment(*tx, *charge, "online", reference, t);
      if (order->state == OrderState::Cancelled || order->state == OrderState::Expired ||
          order->state == OrderState::Failed) {
        refundIfPaid(*tx, *order, "paid after the order was " + std::string(toString(order->state)),
                     t);
        outcome = "refunded_on_arrival";
      } else {
        orders.paid(*order, "paid online");
        outcome = "paid";
      }
    }
  }
  tx->insertPaymentEvent({eventId, type, orderId, outcome, t});
  orders.commit();
  log::info("payment event " + eventId + " (" + type + "): " + outcome +
            (orderId.empty() ? "" : " for order " + orderId));
  json reply{{"received", true}, {"event_id", eventId}, {"outcome", outcome}};
  reply["order_id"] = orderId.empty() ? json(nullptr) : json(orderId);
  replyJson(ctx.response, 200, reply);
}

void Api::getOrderReceipt(RequestContext& ctx) {
  auto tx = store_.beginRead();
  const OrderRecord order = ownedOrder(*tx, ctx, ctx.pathParam(0));
  const auto charge = tx->findOrderCharge(order.id);
  const bool paid =
      charge && (charge->paymentState == "paid" || charge->paymentState == "refunded");
  if (!charge || (!paid && order.state != OrderState::Printed)) {
    throw ApiError(409, "receipt_unavailable",
                   "a receipt exists once the order is paid or printed (and has a price)");
  }
  const auto store = tx->findStore(order.storeId);
  if (!store) {
    throw Error("store_corrupt", "order " + order.id + " has no store");
  }
  const std::string pdf = receiptPdf(*store, order, *charge, now());
  ctx.response.status = 200;
  ctx.response.set_header("Content-Disposition",
                          "inline; filename=\"receipt-" + order.id + ".pdf\"");
  ctx.response.set_content(pdf, "application/pdf");
}

} // namespace printrelay::cloud
