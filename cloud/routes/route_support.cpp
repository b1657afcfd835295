#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "cloud/storage/ids.h"
#include "common/util/log.h"
#include "common/util/text.h"
#include "common/wire/protocol.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// The HTTP status of every code the domain (orders/, accounts/, storage/, common/) raises as a
/// plain Error; any other code is the server's fault (500, logged, never shown).
constexpr std::array<std::pair<std::string_view, int>, 45> kErrorStatuses{{
    // the request
    {"invalid_request", 400},
    {"unsupported_option", 400},
    {"invalid_base64", 400},
    {"invalid_hex", 400},
    {"envelope_malformed", 400},
    {"envelope_unsupported", 400},
    {"envelope_truncated", 400},
    {"envelope_trailing_data", 400},
    {"envelope_auth_failed", 400},
    {"envelope_wrong_key", 422},
    {"envelope_too_large", 413},
    // authentication (accounts/)
    {"unauthorized", 401},
    {"invalid_credentials", 401},
    {"invalid_token", 401},
    {"token_expired", 401},
    {"token_revoked", 401},
    {"credential_revoked", 401},
    {"account_deactivated", 401},
    {"forbidden", 403},
    // the order's state (orders/order_service.h)
    {"illegal_transition", 409},
    {"printing_started", 409},
    {"held_for_page_count", 409},
    {"no_page_count_hold", 409},
    {"outcome_known", 409},
    {"pickup_code_not_found", 404},
    {"pickup_codes_exhausted", 503},
    {"document_gone", 410},
    {"duplicate_event", 409},
    {"lease_expired", 409},
    {"invalid_id", 404},
    {"document_missing", 410},
    // documents and their pages (orders/order_documents.h, common/document)
    {"unsupported_document", 415},
    {"document_type_mismatch", 415},
    {"document_unreadable", 422},
    {"document_encrypted", 422},
    {"too_many_pages", 422},
    {"page_range_out_of_document", 422},
    {"options_not_supported", 422},
    {"no_printers", 409},
    // prices and payments (orders/pricing.h, orders/payments.h)
    {"quote_too_large", 422},
    {"bad_signature", 400},
    {"signature_expired", 400},
    // the server's own faults
    {"config_invalid", 500},
    {"io_failed", 500},
    {"store_corrupt", 500},
}};

} // namespace

ApiError ApiError::throttled(std::string code, const std::string& what, std::int64_t retryAfter) {
  const std::int64_t wait = std::max<std::int64_t>(1, retryAfter);
  ApiError error(429, std::move(code), what + "; try again in " + waitDuration(wait));
  error.retryAfter_ = wait;
  return error;
}

int statusForErrorCode(const std::string& code) {
  for (const auto& [name, status] : kErrorStatuses) {
    if (name == code) {
      return status;
    }
  }
  return 500;
}

/// A query parameter given at most once; nullopt when absent.
std::optional<std::string> queryParam(const HttpRequest& request, const std::string& name) {
  const auto values = request.queryValues(name);
  if (values.empty()) {
    return std::nullopt;
  }
  if (values.size() > 1) {
    throw ApiError(400, "invalid_request", "query parameter '" + name + "' is given twice");
  }
  return values.front();
}

/// A whole number in [min, max] written as plain decimal digits.
std::int64_t wholeNumberParam(const std::string& name, const std::string& text, std::int64_t min,
                              std::int64_t max) {
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    throw ApiError(400, "invalid_request",
                   "query parameter '" + name + "' must be a whole number from " +
                       std::to_string(min) + " to " + std::to_string(max));
  }
  const std::int64_t value = std::stoll(text);
  if (value < min || value > max) {
    throw ApiError(400, "invalid_request",
                   "query parameter '" + name + "' must be from " + std::to_string(min) + " to " +
                       std::to_string(max));
  }
  return value;
}

std::string RequestContext::pathParam(std::size_t index) const {
  if (index >= request.pathParams.size()) {
    throw ApiError(500, "internal_error", "route has no path parameter " + std::to_string(index));
  }
  return request.pathParams[index];
}

void replyJson(HttpResponse& response, int status, const json& body) {
  response.status = status;
  response.setBody(dumpJson(body), "application/json");
}

bool isSupportedDocumentType(const std::string& mediaType) {
  return isCountableDocumentType(mediaType);
}

Api::Api(const CloudSettings& settings, Store& store, DispatchHub& hub,
         DocumentDirectory& documents, AccountServices accounts)
    : settings_(settings), store_(store), hub_(hub), documents_(documents),
      accounts_(std::move(accounts)),
      orderHooks_{.leaseSeconds = settings.leaseSeconds,
                  .offerAckSeconds = settings.offerAckSeconds,
                  .jobQueued = [&hub](const std::string& storeId) { hub.notify(storeId); },
                  .mailQueued = accounts_.mailQueued,
                  .onlinePayment = !settings.paymentWebhookSecret.empty(),
                  .orderChanged = {}},
      loginFailuresByAccount_(settings.loginThrottleWindowSeconds, settings.loginFailuresPerAccount,
                              settings.clock),
      loginFailuresByAddress_(settings.loginThrottleWindowSeconds, settings.loginFailuresPerAddress,
                              settings.clock),
      accountRequestsByAddress_(3600, settings.accountRequestsPerAddressPerHour, settings.clock),
      ordersByUser_(3600, settings.ordersPerHour, settings.clock),
      uploadsByUser_(3600, settings.uploadsPerHour, settings.clock),
      quotesByAddress_(3600, settings.quotesPerAddressPerHour, settings.clock),
      schemaVersion_(store.schemaVersion()) {}

void Api::takeOrRefuse(RateLimiter& limiter, const std::string& key, RequestContext& ctx,
                       const std::string& code, const std::string& message) {
  (void)ctx;
  if (!limiter.tryAcquire(key)) {
    throw ApiError::throttled(code, message, limiter.retryAfter(key));
  }
}

bool Api::isOnline(StoreTransaction& tx, const std::string& storeId) {
  const auto seen = tx.lastAgentContact(storeId);
  return seen && *seen >= now() - kOnlineWindowSeconds;
}

json Api::storeDetail(StoreTransaction& tx, const StoreRecord& store) {
  return render::storeDetailJson(store, isOnline(tx, store.id), tx.lastAgentContact(store.id),
                                 tx.storePrinters(store.id));
}

void addCustomerJson(StoreTransaction& tx, const std::string& customerId, json& order) {
  const auto user = isWellFormedId(customerId) ? tx.findUser(customerId) : std::nullopt;
  order["customer_id"] = customerId;
  order["customer_email"] = user && !user->email.empty() ? json(user->email) : json(nullptr);
  order["customer_name"] = user && !user->name.empty() ? json(user->name) : json(nullptr);
}

json userWithStores(StoreTransaction& tx, const UserRecord& user) {
  return render::userJson(user, user.role == "shopkeeper" ? tx.storesOfUser(user.id)
                                                          : std::vector<std::string>{});
}

OrderRecord Api::ownedOrder(StoreTransaction& tx, const RequestContext& ctx,
                            const std::string& orderId) {
  if (isWellFormedId(orderId)) {
    if (auto order = tx.findOrder(orderId); order && (order->customerId == ctx.principal.subject ||
                                                      ctx.principal.role == Role::Admin)) {
      return *order;
    }
  }
  // Someone else's order looks exactly like one that does not exist.
  // (Admins may read any order; the order routes that change something admit customers only.)
  throw ApiError(404, "order_not_found", "no such order");
}

JobRecord Api::agentJob(StoreTransaction& tx, const RequestContext& ctx, const std::string& jobId) {
  if (isWellFormedId(jobId)) {
    if (auto job = tx.findJob(jobId); job && job->storeId == ctx.principal.storeId) {
      return *job;
    }
  }
  throw ApiError(404, "job_not_found", "no such job for this store");
}

OrderRecord Api::managedOrder(StoreTransaction& tx, const RequestContext& ctx,
                              const std::string& orderId) {
  OrderRecord order = existingRecord(
      orderId, [&](const std::string& id) { return tx.findOrder(id); }, "order_not_found",
      "no such order");
  if (!ctx.principal.managesStore(order.storeId)) {
    // Another shop's order looks like none at all (as on every /shop/orders/{id} route).
    throw ApiError(404, "order_not_found", "no such order in your stores");
  }
  return order;
}

void Api::requireManagedStore(StoreTransaction& tx, const RequestContext& ctx,
                              const std::string& storeId) {
  if (!ctx.principal.managesStore(storeId)) {
    throw ApiError(403, "forbidden", "a shopkeeper manages only the stores they are assigned");
  }
  existingStore(tx, storeId);
}

OrderView existingOrderView(StoreTransaction& tx, const std::string& orderId) {
  auto view = tx.findOrderView(orderId, true);
  if (!view) {
    throw Error("store_corrupt", "no order " + orderId);
  }
  return std::move(*view);
}

std::string reasonField(const json& body) {
  rejectUnknownFields(body, {"reason"});
  return optionalString(body, "reason", 500);
}

std::string withReason(std::string note, const std::string& reason) {
  return reason.empty() ? note : note + ": " + reason;
}

StoreRecord existingStore(StoreTransaction& tx, const std::string& storeId) {
  return existingRecord(
      storeId, [&](const std::string& id) { return tx.findStore(id); }, "store_not_found",
      "no such store");
}

} // namespace printrelay::cloud
