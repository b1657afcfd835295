// Routes under /shop for shopkeepers (their assigned stores) and admins. Store-level: the
// order queue, enrollment codes, print defaults, prices, lifecycle settings, release by pickup
// code. Order-level: one order with its customer, approving a page count, payment at the
// counter, cancel, reprint.
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/orders/pricing.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "common/util/encoding.h"
#include "common/util/log.h"

#include <algorithm>
#include <limits>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxPrinterName = 127;

/// A whole number of seconds in [min, max] from a settings body; absent keeps `current`.
std::int64_t secondsField(const json& body, const std::string& field, std::int64_t current,
                          std::int64_t min, std::int64_t max) {
  const auto it = body.find(field);
  if (it == body.end()) {
    return current;
  }
  const std::string problem = "field '" + field + "' must be a whole number of seconds from " +
                              std::to_string(min) + " to " + std::to_string(max);
  if (!it->is_number_integer()) {
    throw ApiError(400, "invalid_request", problem);
  }
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw ApiError(400, "invalid_request", problem);
  }
  const auto value = it->get<std::int64_t>();
  if (value < min || value > max) {
    throw ApiError(400, "invalid_request", problem);
  }
  return value;
}

} // namespace

void Api::listStoreOrders(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  requireManagedStore(*store_.beginRead(), ctx, storeId);
  replyOrderPage(ctx, storeId, true);
}

void Api::getStoreOrder(RequestContext& ctx) {
  auto tx = store_.begin();
  OrderRecord order = managedOrder(*tx, ctx, ctx.pathParam(0));
  OrderService orders = orderService(*tx);
  orders.expireLeases(order.storeId);
  json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  addCustomerJson(*tx, order.customerId, reply);
  orders.commit();
  replyJson(ctx.response, 200, reply);
}

void Api::createEnrollmentCode(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  auto tx = store_.begin();
  requireManagedStore(*tx, ctx, storeId);
  // 120 random bits, URL-safe: short enough to type, far too many to guess.
  const std::string code = randomToken(15);
  EnrollmentCodeRecord record;
  record.codeHash = sha256Hex(code);
  record.storeId = storeId;
  record.createdAt = now();
  record.expiresAt = record.createdAt + settings_.enrollmentCodeTtlSeconds;
  tx->insertEnrollmentCode(record);
  tx->commit();
  replyJson(ctx.response, 201,
            {{"code", code}, {"store_id", storeId}, {"expires_at", record.expiresAt}});
}

void Api::getPrintDefaults(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  auto tx = store_.beginRead();
  requireManagedStore(*tx, ctx, storeId);
  const json reply = render::printDefaultsJson(storeId, tx->findStorePrintDefaults(storeId),
                                               reportedPrinters(*tx, storeId));
  tx->commit();
  replyJson(ctx.response, 200, reply);
}

void Api::setPrintDefaults(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"printer", "options"});
  const std::string printer =
      nameField(body, "printer", kMaxPrinterName, NameRule::Refuse, /*required=*/false);
  json options = json::object();
  if (const auto it = body.find("options"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      throw ApiError(400, "invalid_request", "field 'options' must be an object");
    }
    for (const auto& [key, value] : it->items()) {
      if (!value.is_null()) {
        options[key] = value;
      }
    }
    if (options.contains("page-ranges")) {
      throw ApiError(400, "invalid_request",
                     "page-ranges depend on each document and cannot be a shop default");
    }
    options.get<protocol::PrintOptions>(); // unknown options and bad values: 400
  }

  auto tx = store_.begin();
  requireManagedStore(*tx, ctx, storeId);
  const auto printers = reportedPrinters(*tx, storeId);
  if (!printer.empty()) {
    const auto& list = printers.value_or(std::vector<ReportedPrinter>{});
    if (std::none_of(list.begin(), list.end(),
                     [&](const ReportedPrinter& p) { return p.name == printer; })) {
      std::string names;
      for (const auto& p : list) {
        names += (names.empty() ? "" : ", ") + p.name;
      }
      throw ApiError(422, "unknown_printer",
                     "the store's agent has not reported a printer named '" + printer +
                         "' (it reported: " + (names.empty() ? "none" : names) + ")");
    }
  }
  StorePrintDefaultsRecord record;
  record.storeId = storeId;
  record.printer = printer;
  record.optionsJson = dumpJson(options);
  record.updatedAt = now();
  tx->putStorePrintDefaults(record);
  const json reply = render::printDefaultsJson(storeId, record, printers);
  tx->commit();
  log::info("store " + storeId + ": print defaults set by " + ctx.principal.subject +
            " (printer '" + printer + "', options " + record.optionsJson + ")");
  replyJson(ctx.response, 200, reply);
}

void Api::getShopPrices(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  auto tx = store_.beginRead();
  requireManagedStore(*tx, ctx, storeId);
  json prices = render::storePricesJson(tx->findStorePrices(storeId));
  tx->commit();
  if (prices.is_null()) {
    throw ApiError(404, "prices_not_set",
                   "this store has no price list yet; PUT one to this address");
  }
  prices["store_id"] = storeId;
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
  json reply = render::storePricesJson(tx->findStorePrices(store.id));
  reply["store_id"] = store.id;
  tx->commit();
  log::notice("store " + store.id + ": prices set in " + list.currency + " (" + policy + ") by " +
              ctx.principal.subject);
  replyJson(ctx.response, 200, reply);
}

void Api::getStoreSettings(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  auto tx = store_.beginRead();
  requireManagedStore(*tx, ctx, storeId);
  replyJson(ctx.response, 200, storeLifecycleJson(storeLifecycle(*tx, storeId)));
}

void Api::updateStoreSettings(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  auto tx = store_.begin();
  requireManagedStore(*tx, ctx, storeId);
  rejectUnknownFields(body, {"hold_by_default", "upload_window_seconds", "payment_window_seconds",
                             "release_window_seconds", "retention_seconds"});
  StoreLifecycleRecord settings = storeLifecycle(*tx, storeId);
  if (const auto it = body.find("hold_by_default"); it != body.end()) {
    if (!it->is_boolean()) {
      throw ApiError(400, "invalid_request", "field 'hold_by_default' must be true or false");
    }
    settings.holdByDefault = it->get<bool>();
  }
  constexpr std::int64_t kMinute = 60;
  constexpr std::int64_t kDay = 86400;
  settings.uploadWindowSeconds = secondsField(body, "upload_window_seconds",
                                              settings.uploadWindowSeconds, 5 * kMinute, 30 * kDay);
  settings.paymentWindowSeconds = secondsField(
      body, "payment_window_seconds", settings.paymentWindowSeconds, 5 * kMinute, 30 * kDay);
  settings.releaseWindowSeconds = secondsField(
      body, "release_window_seconds", settings.releaseWindowSeconds, 60 * kMinute, 90 * kDay);
  settings.retentionSeconds =
      secondsField(body, "retention_seconds", settings.retentionSeconds, 0, 30 * kDay);
  settings.updatedAt = now();
  tx->putStoreLifecycle(settings);
  tx->commit();
  log::notice("store " + storeId + ": lifecycle settings changed by " + ctx.principal.subject);
  replyJson(ctx.response, 200, storeLifecycleJson(settings));
}

OrderRecord Api::releaseWithCode(RequestContext& ctx, const std::string& storeId,
                                 const std::string& who) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"pickup_code"});
  const auto it = body.find("pickup_code");
  if (it == body.end() || !it->is_string() || !isPickupCode(it->get_ref<const std::string&>())) {
    throw ApiError(400, "invalid_request", "field 'pickup_code' must be the order's six digits");
  }
  const std::string code = it->get<std::string>();
  // Six digits are a million codes: a store gets a few wrong guesses per window, no more.
  const std::string key = "store:" + storeId;
  if (pickupFailuresByStore_.exhausted(key)) {
    throw ApiError::throttled("too_many_attempts", "too many wrong pickup codes for this store",
                              pickupFailuresByStore_.retryAfter(key));
  }
  auto tx = store_.begin();
  OrderService orders = orderService(*tx);
  OrderRecord order;
  try {
    order = orders.releaseByPickupCode(storeId, code, who);
  } catch (const Error& e) {
    if (e.code() == "pickup_code_not_found") {
      pickupFailuresByStore_.record(key);
      log::notice("store " + storeId + ": wrong pickup code from " + who);
    }
    throw;
  }
  orders.commit();
  log::info("order " + order.id + " released with its pickup code by " + who);
  return order;
}

void Api::releaseStoreOrder(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  requireManagedStore(*store_.begin(), ctx, storeId);
  const OrderRecord order =
      releaseWithCode(ctx, storeId, "the shop (" + ctx.principal.subject + ")");
  auto tx = store_.begin();
  json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  addCustomerJson(*tx, order.customerId, reply);
  replyJson(ctx.response, 200, reply);
}

void Api::approvePages(RequestContext& ctx) {
  const std::string orderId = ctx.pathParam(0);
  // Nothing to send: the count approved is the agent's, never one from the request.
  rejectUnknownFields(parseJsonObject(ctx.body.readAll(kMaxJsonBody)), {});
  auto tx = store_.begin();
  OrderRecord order = managedOrder(*tx, ctx, orderId);
  OrderService orders = orderService(*tx);
  orders.approvePages(order, ctx.principal.subject);
  const json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  orders.commit();
  log::info("order " + order.id + ": page count approved by " + ctx.principal.subject +
            "; queued again");
  replyJson(ctx.response, 200, reply);
}

bool Api::printedField(const json& body) {
  rejectUnknownFields(body, {"printed"});
  const auto printed = body.find("printed");
  if (printed == body.end() || !printed->is_boolean()) {
    throw ApiError(400, "invalid_request", "field 'printed' must be true or false");
  }
  return printed->get<bool>();
}

json Api::resolveOutcome(StoreTransaction& tx, OrderRecord& order, bool printed,
                         const std::string& who) {
  OrderService orders = orderService(tx);
  orders.resolveOutcome(order, printed, who);
  json reply = render::orderJson(existingOrderView(tx, order.id), true);
  orders.commit();
  log::info("order " + order.id + ": outcome resolved by " + who + " as " +
            std::string(toString(order.state)));
  return reply;
}

void Api::resolveStoreOrder(RequestContext& ctx) {
  // Read before the transaction, judged after the access check (another shop's order is 404).
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  auto tx = store_.begin();
  OrderRecord order = managedOrder(*tx, ctx, ctx.pathParam(0));
  const bool printed = printedField(body);
  json reply = resolveOutcome(*tx, order, printed, "shopkeeper " + ctx.principal.subject);
  reply["customer_id"] = order.customerId;
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
  const json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  orders.commit();
  replyJson(ctx.response, 200, reply);
}

void Api::cancelStoreOrder(RequestContext& ctx) {
  const std::string reason = reasonField(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
  auto tx = store_.begin();
  const OrderRecord order = managedOrder(*tx, ctx, ctx.pathParam(0));
  json reply =
      cancelAndRead(std::move(tx), order,
                    withReason("cancelled by the shop (" + ctx.principal.subject + ")", reason),
                    ctx.principal.subject);
  reply["customer_id"] = order.customerId;
  replyJson(ctx.response, 200, reply);
}

void Api::reprintStoreOrder(RequestContext& ctx) {
  const std::string reason = reasonField(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
  auto tx = store_.begin();
  OrderRecord order = managedOrder(*tx, ctx, ctx.pathParam(0));
  OrderService orders = orderService(*tx);
  orders.reprint(order, documents_,
                 withReason("reprint asked by the shop (" + ctx.principal.subject + ")", reason));
  json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  addCustomerJson(*tx, order.customerId, reply);
  orders.commit();
  log::info("order " + order.id + " queued again for a reprint by " + ctx.principal.subject);
  replyJson(ctx.response, 200, reply);
}

} // namespace printrelay::cloud
