// The payment provider's webhook: signed events that mark an order paid or refunded.
#include "cloud/orders/payments.h"
#include "cloud/orders/pricing.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "cloud/storage/ids.h"
#include "common/util/log.h"

#include <algorithm>
#include <cctype>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// Largest webhook body accepted (Stripe's events are a few KiB).
constexpr std::size_t kMaxWebhookBody = 64 * 1024;

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

void Api::paymentWebhook(RequestContext& ctx) {
  if (settings_.paymentWebhookSecret.empty()) {
    throw ApiError(503, "payments_not_configured",
                   "online payment is not configured on this server");
  }
  const std::string body = ctx.body.readAll(kMaxWebhookBody);
  verifyWebhookSignature(settings_.paymentWebhookSecret, ctx.request.header("Stripe-Signature"),
                         body, now());
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
      if (orders.refund(*order, "refunded at the payment provider")) {
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
        orders.refund(*order, "paid after the order was " + std::string(toString(order->state)));
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

} // namespace printrelay::cloud
