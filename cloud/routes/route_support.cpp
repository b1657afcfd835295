#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/storage/ids.h"
#include "common/util/log.h"
#include "common/wire/protocol.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// The HTTP status of every code the domain (orders/, accounts/, storage/, common/) raises as a
/// plain Error; any other code is the server's fault (500, logged, never shown).
constexpr std::array<std::pair<std::string_view, int>, 43> kErrorStatuses{{
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
    {"pickup_code_not_found", 404},
    {"pickup_codes_exhausted", 503},
    {"document_gone", 410},
    {"duplicate_event", 409},
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

int statusForErrorCode(const std::string& code) {
  for (const auto& [name, status] : kErrorStatuses) {
    if (name == code) {
      return status;
    }
  }
  return 500;
}

/// A query parameter given at most once; nullopt when absent.
std::optional<std::string> queryParam(const httplib::Request& request, const std::string& name) {
  const auto count = request.get_param_value_count(name);
  if (count == 0) {
    return std::nullopt;
  }
  if (count > 1) {
    throw ApiError(400, "invalid_request", "query parameter '" + name + "' is given twice");
  }
  return request.get_param_value(name);
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
  if (index + 1 >= request.matches.size()) {
    throw ApiError(500, "internal_error", "route has no path parameter " + std::to_string(index));
  }
  return request.matches[static_cast<int>(index) + 1].str();
}

void replyJson(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(dumpJson(body), "application/json");
}

bool isSupportedDocumentType(const std::string& mediaType) {
  return isCountableDocumentType(mediaType);
}

Api::Api(const CloudSettings& settings, Store& store, DispatchHub& hub,
         DocumentDirectory& documents, AccountServices accounts)
    : settings_(settings), store_(store), hub_(hub), documents_(documents),
      accounts_(std::move(accounts)), orderHooks_{settings.leaseSeconds,
                                                  [&hub](const std::string& storeId) {
                                                    hub.notify(storeId);
                                                  },
                                                  accounts_.mailQueued},
      loginFailuresByAccount_(settings.loginThrottleWindowSeconds, settings.loginFailuresPerAccount,
                              settings.clock),
      loginFailuresByAddress_(settings.loginThrottleWindowSeconds, settings.loginFailuresPerAddress,
                              settings.clock),
      accountRequestsByAddress_(3600, settings.accountRequestsPerAddressPerHour, settings.clock),
      ordersByUser_(3600, settings.ordersPerHour, settings.clock),
      uploadsByUser_(3600, settings.uploadsPerHour, settings.clock),
      quotesByAddress_(3600, settings.quotesPerAddressPerHour, settings.clock) {}

void Api::takeOrRefuse(RateLimiter& limiter, const std::string& key, RequestContext& ctx,
                       const std::string& code, const std::string& message) {
  if (!limiter.tryAcquire(key)) {
    ctx.response.set_header("Retry-After",
                            std::to_string(std::max<std::int64_t>(1, limiter.retryAfter(key))));
    throw ApiError(429, code, message);
  }
}

bool Api::isOnline(StoreTransaction& tx, const std::string& storeId) {
  const auto seen = tx.lastAgentContact(storeId);
  return seen && *seen >= now() - kOnlineWindowSeconds;
}

json Api::storeJson(StoreTransaction& tx, const StoreRecord& store, bool withKey) {
  json j{{"id", store.id},
         {"name", store.name},
         {"address", store.address},
         {"latitude", store.latitude},
         {"longitude", store.longitude},
         {"online", isOnline(tx, store.id)},
         {"accepting_orders", !store.keyId.empty()},
         {"key_id", store.keyId.empty() ? json(nullptr) : json(store.keyId)},
         {"created_at", store.createdAt}};
  if (withKey) {
    j["public_key"] = store.publicKey.empty() ? json(nullptr) : json(store.publicKey);
    const auto seen = tx.lastAgentContact(store.id);
    j["last_seen_at"] = seen ? json(*seen) : json(nullptr);
    const auto printers = tx.storePrinters(store.id);
    j["printers"] = printers ? json::parse(printers->first, nullptr, false) : json::array();
    if (j["printers"].is_discarded()) {
      j["printers"] = json::array();
    }
    j["printers_reported_at"] = printers ? json(printers->second) : json(nullptr);
  }
  return j;
}

json Api::orderJson(StoreTransaction& tx, const OrderRecord& order, bool withHistory) {
  auto view = tx.findOrderView(order.id, withHistory);
  if (!view) {
    throw Error("store_not_found", "no order " + order.id);
  }
  view->order = order;
  return orderJson(*view, withHistory);
}

json Api::orderJson(const OrderView& view, bool withHistory) {
  const OrderRecord& order = view.order;
  json options = json::parse(order.optionsJson, nullptr, false);
  if (options.is_discarded()) {
    options = json::object();
  }
  json j{{"id", order.id},
         {"store_id", order.storeId},
         {"state", toString(order.state)},
         {"options", options},
         {"document",
          {{"name", order.documentName},
           {"content_type", order.contentType},
           {"size", order.documentSize ? json(*order.documentSize) : json(nullptr)},
           {"key_id", order.keyId.empty() ? json(nullptr) : json(order.keyId)}}},
         {"created_at", order.createdAt},
         {"updated_at", order.updatedAt}};
  const auto& job = view.job;
  j["job_id"] = job ? json(job->id) : json(nullptr);
  j["spooler_job_id"] = job && job->spoolerJobId ? json(*job->spoolerJobId) : json(nullptr);
  j["printer"] = job && !job->printer.empty() ? json(job->printer) : json(nullptr);
  addPagesToOrderJson(view.pages, j);
  j["charge"] = chargeJson(view.charge);
  addLifecycleJson(view, j);
  if (withHistory) {
    json history = json::array();
    for (const auto& change : view.history) {
      json entry{{"state", toString(change.state)}, {"at", change.at}};
      if (!change.note.empty()) {
        entry["note"] = change.note;
      }
      history.push_back(std::move(entry));
    }
    j["history"] = std::move(history);
  }
  return j;
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
  std::optional<OrderRecord> order;
  if (isWellFormedId(orderId)) {
    order = tx.findOrder(orderId);
  }
  if (!order) {
    throw ApiError(404, "order_not_found", "no such order");
  }
  if (!ctx.principal.managesStore(order->storeId)) {
    // Another shop's order looks like none at all (as on every /shop/orders/{id} route).
    throw ApiError(404, "order_not_found", "no such order in your stores");
  }
  return *order;
}

void Api::requireManagedStore(StoreTransaction& tx, const RequestContext& ctx,
                              const std::string& storeId) {
  if (!ctx.principal.managesStore(storeId)) {
    throw ApiError(403, "forbidden", "a shopkeeper manages only the stores they are assigned");
  }
  existingStore(tx, storeId);
}

StoreRecord existingStore(StoreTransaction& tx, const std::string& storeId) {
  std::optional<StoreRecord> store;
  if (isWellFormedId(storeId)) {
    store = tx.findStore(storeId);
  }
  if (!store) {
    throw ApiError(404, "store_not_found", "no such store");
  }
  return *store;
}

} // namespace printrelay::cloud
