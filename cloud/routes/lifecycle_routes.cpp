// Routes of the order lifecycle: cancel, reprint, release by pickup code, the stores' lifecycle
// settings, and the paged order lists of customers and shops.
#include "cloud/accounts/token_service.h"
#include "cloud/orders/lifecycle.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/log.h"

#include <algorithm>
#include <limits>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

/// An optional "reason" (free text for the history) of an action's body.
std::string reasonOf(const json& body) {
  rejectUnknownFields(body, {"reason"});
  return optionalString(body, "reason", 500);
}

std::string withReason(std::string note, const std::string& reason) {
  return reason.empty() ? note : note + ": " + reason;
}

/// Who a cursor is for and what it says: the list it belongs to (a customer's or a store's)
/// and the sort, so a cursor works only where it was handed out.
struct CursorContext {
  std::string_view secret; ///< the key of its MAC (the operator's admin token)
  std::string scope;       ///< "customer:<id>" or "store:<id>"
  bool oldestFirst = false;
};

std::string cursorMac(const CursorContext& c, const std::string& payload) {
  return hs256Signature(asBytes(c.secret), "printrelay order-list cursor v1\n" + c.scope + "\n" +
                                               (c.oldestFirst ? "asc" : "desc") + "\n" + payload);
}

/// The opaque cursor: base64url of "<created_at>:<order id>" (the last order of the page), a
/// dot, and an HMAC-SHA256 over it and its context, so a cursor cannot be edited or moved to
/// another list or sort.
std::string encodeCursor(const CursorContext& c, const OrderRecord& last) {
  const std::string payload = std::to_string(last.createdAt) + ":" + last.id;
  return base64UrlEncode(asBytes(payload)) + "." + cursorMac(c, payload);
}

std::pair<std::int64_t, std::string> decodeCursor(const CursorContext& c,
                                                  const std::string& cursor) {
  const auto invalid = [] {
    return ApiError(400, "invalid_cursor",
                    "the cursor is not one this list handed out (pass next_cursor as it came, "
                    "with the same sort)");
  };
  const auto dot = cursor.find('.');
  if (cursor.size() > 200 || dot == std::string::npos) {
    throw invalid();
  }
  const auto bytes = base64UrlDecode(std::string_view(cursor).substr(0, dot));
  if (!bytes) {
    throw invalid();
  }
  const std::string payload(bytes->begin(), bytes->end());
  if (!constantTimeEquals(cursor.substr(dot + 1), cursorMac(c, payload))) {
    throw invalid();
  }
  const auto colon = payload.find(':');
  if (colon == std::string::npos) {
    throw invalid();
  }
  const std::string createdAt = payload.substr(0, colon);
  const std::string id = payload.substr(colon + 1);
  if (createdAt.empty() || createdAt.size() > 18 ||
      createdAt.find_first_not_of("0123456789") != std::string::npos || !isWellFormedId(id)) {
    throw invalid();
  }
  return {std::stoll(createdAt), id};
}

/// The "status" filter: a comma-separated list of order states.
std::vector<OrderState> statesParam(const std::string& text) {
  std::vector<OrderState> states;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const std::string name = text.substr(start, comma - start);
    const auto state = parseOrderState(name);
    if (!state) {
      throw ApiError(400, "invalid_request",
                     "query parameter 'status' lists an unknown state '" + name.substr(0, 40) +
                         "' (awaiting_upload, awaiting_payment, held, queued, dispatched, "
                         "printing, printed, failed, cancelled, expired)");
    }
    if (std::find(states.begin(), states.end(), *state) == states.end()) {
      states.push_back(*state);
    }
    if (comma == std::string::npos) {
      return states;
    }
    start = comma + 1;
  }
}

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

void Api::deleteCancelledDocument(const std::string& orderId) {
  try {
    deleteDocumentIfDue(store_, documents_, orderId, now());
  } catch (const std::exception& e) {
    // The order is cancelled; the background sweep deletes the file later.
    log::warning("order " + orderId + ": ciphertext not deleted yet: " + e.what());
  }
}

json Api::cancelAndRead(std::unique_ptr<StoreTransaction> tx, OrderRecord order,
                        const std::string& note, const std::string& by) {
  OrderService orders = orderService(*tx);
  orders.expireLeases(order.storeId);
  order = *tx->findOrder(order.id);
  orders.cancel(order, note);
  orders.commit();
  log::info("order " + order.id + " cancelled by " + by);
  deleteCancelledDocument(order.id);
  auto read = store_.beginRead();
  return orderJson(*read, *read->findOrder(order.id), true);
}

void Api::cancelOwnOrder(RequestContext& ctx) {
  const std::string reason = reasonOf(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
  auto tx = store_.begin();
  const OrderRecord order = ownedOrder(*tx, ctx, ctx.pathParam(0));
  replyJson(ctx.response, 200,
            cancelAndRead(std::move(tx), order, withReason("cancelled by the customer", reason),
                          "its customer"));
}

void Api::cancelStoreOrder(RequestContext& ctx) {
  const std::string reason = reasonOf(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
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
  const std::string reason = reasonOf(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
  auto tx = store_.begin();
  OrderRecord order = managedOrder(*tx, ctx, ctx.pathParam(0));
  OrderService orders = orderService(*tx);
  orders.reprint(order, documents_,
                 withReason("reprint asked by the shop (" + ctx.principal.subject + ")", reason));
  json reply = orderJson(*tx, order, true);
  reply["customer_id"] = order.customerId;
  orders.commit();
  log::info("order " + order.id + " queued again for a reprint by " + ctx.principal.subject);
  replyJson(ctx.response, 200, reply);
}

void Api::reprintJob(RequestContext& ctx) {
  const std::string reason = reasonOf(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
  auto tx = store_.begin();
  const JobRecord job = agentJob(*tx, ctx, ctx.pathParam(0));
  OrderRecord order = *tx->findOrder(job.orderId);
  OrderService orders = orderService(*tx);
  orders.reprint(order, documents_,
                 withReason("reprint asked by agent " + ctx.principal.subject, reason));
  json reply = orderJson(*tx, order, true);
  reply["order_id"] = order.id;
  orders.commit();
  log::job(log::Level::Info, job.id,
           "reprint asked by agent " + ctx.principal.subject + "; order " + order.id +
               " queued again as job " + reply["job_id"].get<std::string>());
  replyJson(ctx.response, 200, reply);
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
    ctx.response.set_header("Retry-After", std::to_string(std::max<std::int64_t>(
                                               1, pickupFailuresByStore_.retryAfter(key))));
    throw ApiError(429, "too_many_attempts",
                   "too many wrong pickup codes for this store; try again later");
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
  json reply = orderJson(*tx, order, true);
  reply["customer_id"] = order.customerId;
  replyJson(ctx.response, 200, reply);
}

void Api::releaseOrderByAgent(RequestContext& ctx) {
  const OrderRecord order =
      releaseWithCode(ctx, ctx.principal.storeId, "agent " + ctx.principal.subject);
  auto tx = store_.begin();
  json reply = orderJson(*tx, order, true);
  reply["order_id"] = order.id;
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

void Api::replyOrderPage(RequestContext& ctx, const std::string& storeId, bool forShop) {
  const auto& request = ctx.request;
  for (const auto& [name, value] : request.params) {
    static const std::vector<std::string> kKnown = {
        "limit", "cursor", "status", "store_id", "created_after", "created_before", "sort"};
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end() ||
        (forShop && name == "store_id")) {
      throw ApiError(400, "invalid_request",
                     "unknown query parameter '" + name.substr(0, 40) + "'");
    }
  }
  OrderListQuery query;
  if (forShop) {
    query.storeId = storeId;
  } else {
    query.customerId = ctx.principal.subject;
    if (const auto store = queryParam(request, "store_id"); store) {
      if (!isWellFormedId(*store)) {
        throw ApiError(400, "invalid_request", "query parameter 'store_id' is not a store id");
      }
      query.storeId = *store;
    }
  }
  query.limit = kDefaultPageSize;
  if (const auto limit = queryParam(request, "limit"); limit) {
    query.limit = static_cast<int>(wholeNumberParam("limit", *limit, 1, kMaxPageSize));
  }
  if (const auto sort = queryParam(request, "sort"); sort) {
    if (*sort != "created_at" && *sort != "-created_at") {
      throw ApiError(400, "invalid_request",
                     "query parameter 'sort' must be created_at (oldest first) or -created_at "
                     "(newest first)");
    }
    query.oldestFirst = *sort == "created_at";
  }
  if (const auto status = queryParam(request, "status"); status) {
    query.states = statesParam(*status);
  }
  constexpr std::int64_t kMaxTime = 999'999'999'999;
  if (const auto after = queryParam(request, "created_after"); after) {
    query.createdAfter = wholeNumberParam("created_after", *after, 0, kMaxTime);
  }
  if (const auto before = queryParam(request, "created_before"); before) {
    query.createdBefore = wholeNumberParam("created_before", *before, 0, kMaxTime);
  }
  const CursorContext cursorContext{
      settings_.adminToken, forShop ? "store:" + storeId : "customer:" + ctx.principal.subject,
      query.oldestFirst};
  if (const auto cursor = queryParam(request, "cursor"); cursor) {
    query.after = decodeCursor(cursorContext, *cursor);
  }
  const int wanted = query.limit;
  query.limit = wanted + 1; // one more tells whether there is a next page

  // A shop's list first expires the store's leases, which writes; a customer's only reads.
  auto tx = forShop ? store_.begin() : store_.beginRead();
  std::optional<OrderService> service;
  if (forShop) {
    service.emplace(orderService(*tx));
    service->expireLeases(storeId);
  }
  auto views = tx->listOrderViews(query);
  const bool more = static_cast<int>(views.size()) > wanted;
  if (more) {
    views.resize(static_cast<std::size_t>(wanted));
  }
  json list = json::array();
  for (const auto& view : views) {
    json j = orderJson(view, false);
    if (forShop) {
      j["customer_id"] = view.order.customerId;
    }
    list.push_back(std::move(j));
  }
  if (service) {
    service->commit();
  } else {
    tx->commit();
  }
  json reply{{"orders", std::move(list)},
             {"next_cursor",
              more ? json(encodeCursor(cursorContext, views.back().order)) : json(nullptr)}};
  if (forShop) {
    reply["store_id"] = storeId;
  }
  replyJson(ctx.response, 200, reply);
}

} // namespace printrelay::cloud
