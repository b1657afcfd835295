#pragma once

#include "cloud/accounts/auth.h"
#include "cloud/accounts/password_hasher.h"
#include "cloud/accounts/rate_limiter.h"
#include "cloud/accounts/token_service.h"
#include "cloud/config/cloud_config.h"
#include "cloud/orders/dispatch_hub.h"
#include "cloud/orders/event_feed.h"
#include "cloud/orders/order_service.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/http_exchange.h"
#include "cloud/routes/request_body.h"
#include "cloud/storage/document_directory.h"
#include "cloud/storage/ids.h"
#include "cloud/storage/store.h"
#include "common/util/text.h"
#include "common/wire/protocol.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace printrelay::cloud {

/// Everything a handler gets for one request.
struct RequestContext {
  const HttpRequest& request;
  HttpResponse& response;
  const Principal& principal;
  RequestBody& body;

  /// The n-th {placeholder} of the route's path (0-based), as the client sent it.
  std::string pathParam(std::size_t index) const;
};

/// What the account routes need besides the store: the token service, the password hasher and
/// a way to wake the mail sender after a transaction queued mail.
struct AccountServices {
  TokenService& tokens;
  PasswordHasher& hasher;
  std::function<void()> mailQueued;
};

/// What the event-stream routes need from the server: the feed that wakes the streams, and where
/// a stream's reads of the store run.
struct LiveEventServices {
  EventFeed* feed = nullptr;
  /// Runs a stream's read of the store on a worker thread; false when no worker can take it.
  std::function<bool(std::function<void()>)> post;
};

/// What one event stream shows: its feed topic and key, the events' filter, and whether its
/// orders are rendered with their history (as GET /orders/{id} does).
struct StreamTarget {
  EventFeed::Topic topic = EventFeed::Topic::Customer;
  std::string key;
  StreamEventFilter filter;
  bool withHistory = false;
};

/// The handlers of the HTTP API, one member function per route of the route table
/// (route_table.cpp). Handlers throw ApiError for anything the caller did wrong; the server's one
/// exception handler turns it into the JSON error response.
class Api {
public:
  Api(const CloudSettings& settings, Store& store, DispatchHub& hub, DocumentDirectory& documents,
      AccountServices accounts);

  // anyone: health, stores, prices, quotes
  void health(RequestContext& ctx);
  void listStores(RequestContext& ctx);
  void getStore(RequestContext& ctx);
  void getStorePrices(RequestContext& ctx);
  void createQuote(RequestContext& ctx);
  // accounts (anyone)
  void registerAccount(RequestContext& ctx);
  void verifyEmail(RequestContext& ctx);
  void requestPasswordReset(RequestContext& ctx);
  void resetPassword(RequestContext& ctx);
  void login(RequestContext& ctx);
  void refresh(RequestContext& ctx);
  // a signed-in user's own account
  void logout(RequestContext& ctx);
  void getMe(RequestContext& ctx);
  void changePassword(RequestContext& ctx);
  void deactivateAccount(RequestContext& ctx);
  // customer: their own orders (the receipt also for an admin)
  void createOrder(RequestContext& ctx);
  void listOrders(RequestContext& ctx);
  void getOrder(RequestContext& ctx);
  void uploadDocument(RequestContext& ctx);
  void cancelOwnOrder(RequestContext& ctx);
  void getOrderReceipt(RequestContext& ctx);
  // live event streams and their tickets (stream_routes.cpp)
  void customerOrderEvents(RequestContext& ctx);
  void orderEvents(RequestContext& ctx);
  void storeEvents(RequestContext& ctx);
  void createStreamTicket(RequestContext& ctx);
  /// The caller a `?ticket=` names for `request.path` (spent on first use); ApiError 401
  /// invalid_ticket or ticket_expired, Error for an account or session that ended.
  Principal redeemStreamTicket(const HttpRequest& request);
  // shop: shopkeeper (assigned stores), admin
  void listStoreOrders(RequestContext& ctx);
  void getStoreOrder(RequestContext& ctx);
  void createEnrollmentCode(RequestContext& ctx);
  void getPrintDefaults(RequestContext& ctx);
  void setPrintDefaults(RequestContext& ctx);
  void getShopPrices(RequestContext& ctx);
  void putStorePrices(RequestContext& ctx);
  void getStoreSettings(RequestContext& ctx);
  void updateStoreSettings(RequestContext& ctx);
  void releaseStoreOrder(RequestContext& ctx);
  void approvePages(RequestContext& ctx);
  void resolveStoreOrder(RequestContext& ctx);
  void markOrderPaid(RequestContext& ctx);
  void cancelStoreOrder(RequestContext& ctx);
  void reprintStoreOrder(RequestContext& ctx);
  // admin
  void listUsers(RequestContext& ctx);
  void createUser(RequestContext& ctx);
  void deactivateUser(RequestContext& ctx);
  void createStore(RequestContext& ctx);
  void updateStore(RequestContext& ctx);
  void assignShopkeeper(RequestContext& ctx);
  void unassignShopkeeper(RequestContext& ctx);
  void revokeAgent(RequestContext& ctx);
  // agent (enrollment with a one-time code, then its device credential)
  void enrollAgent(RequestContext& ctx);
  void agentMe(RequestContext& ctx);
  void reportPrinters(RequestContext& ctx);
  void registerStoreKey(RequestContext& ctx);
  void pollJobs(RequestContext& ctx);
  void getJobDocument(RequestContext& ctx);
  void ackJobOffer(RequestContext& ctx);
  void postJobEvent(RequestContext& ctx);
  void reprintJob(RequestContext& ctx);
  void releaseOrderByAgent(RequestContext& ctx);
  void resolveOrderByAgent(RequestContext& ctx);
  // the payment provider (signed)
  void paymentWebhook(RequestContext& ctx);
  // operations: liveness (never blocks), readiness (the database answers), metrics
  void liveness(RequestContext& ctx);
  void readiness(RequestContext& ctx);
  void metrics(RequestContext& ctx);

  /// Failed pickup-code releases a store may have in the window before it gets 429.
  static constexpr std::uint32_t kPickupFailuresPerStore = 10;
  static constexpr std::int64_t kPickupFailureWindowSeconds = 15 * 60;

  /// Largest JSON request body accepted.
  static constexpr std::size_t kMaxJsonBody = 64 * 1024;
  /// Largest printer report accepted: 64 printers with their abilities are more than other JSON.
  static constexpr std::size_t kMaxPrinterReport = 512 * 1024;
  /// An agent seen within this many seconds makes its store "online".
  static constexpr std::int64_t kOnlineWindowSeconds = 90;
  /// How long a stream ticket opens its stream.
  static constexpr std::int64_t kStreamTicketSeconds = 60;

  /// The cloud's public base URL (set by the server once the port is known).
  void setPublicUrl(std::string url) { publicUrl_ = std::move(url); }
  /// What GET /metrics answers: the server's counters in Prometheus text format.
  void setMetricsSource(std::function<std::string()> source) { metricsSource_ = std::move(source); }
  /// Serves the event streams (before serving; without it they answer 503).
  void setLiveEvents(LiveEventServices services);

private:
  std::int64_t now() const { return settings_.clock(); }
  /// The order service for a change in `tx`: its commit() wakes the agents and the mail sender.
  OrderService orderService(StoreTransaction& tx) const {
    return OrderService(tx, orderHooks_, now());
  }

  // Access and shared reads (route_support.cpp)
  /// Refuses (429, Retry-After) when `limiter` has no room for `key`, else counts one event.
  static void takeOrRefuse(RateLimiter& limiter, const std::string& key, RequestContext& ctx,
                           const std::string& code, const std::string& message);
  /// The order if it exists and belongs to the calling customer; ApiError 404 otherwise.
  OrderRecord ownedOrder(StoreTransaction& tx, const RequestContext& ctx,
                         const std::string& orderId);
  /// The job if it exists and belongs to the calling agent's store; ApiError 404 otherwise.
  JobRecord agentJob(StoreTransaction& tx, const RequestContext& ctx, const std::string& jobId);
  /// The order of a /shop/orders/{id} route: ApiError 404 order_not_found when it does not exist
  /// or the caller does not manage its store (another shop's order looks like none at all).
  static OrderRecord managedOrder(StoreTransaction& tx, const RequestContext& ctx,
                                  const std::string& orderId);
  /// The check of a /shop/stores/{id} route: ApiError 403 forbidden for a store the caller does
  /// not manage, 404 store_not_found for one that does not exist.
  static void requireManagedStore(StoreTransaction& tx, const RequestContext& ctx,
                                  const std::string& storeId);
  /// Whether an agent of the store called within kOnlineWindowSeconds.
  bool isOnline(StoreTransaction& tx, const std::string& storeId);
  /// The store with its key, its agent's last call and printers report (render::storeDetailJson).
  nlohmann::json storeDetail(StoreTransaction& tx, const StoreRecord& store);

  // Accounts and sessions (account_routes.cpp)
  /// A new session for `user` with its first refresh token, and the token response.
  nlohmann::json startSession(StoreTransaction& tx, const UserRecord& user);
  /// The token response for a session: a new access token and `refreshToken`.
  nlohmann::json tokenResponse(const UserRecord& user, const std::string& sessionId,
                               const std::string& refreshToken);
  /// A new single-use e-mailed token for `purpose`, valid `ttl` seconds.
  std::string newAccountToken(StoreTransaction& tx, const std::string& userId,
                              const std::string& purpose, std::int64_t ttl);
  /// The signed-in user's record; ApiError 400 for the operator token (no account).
  UserRecord callingUser(StoreTransaction& tx, const RequestContext& ctx);
  /// The link a verification mail carries.
  std::string verificationLink(const std::string& token) const;
  /// Changes the signed-in `user`'s account with `change` (given a fresh read of the record and
  /// the time), ends every session of theirs (`why`), revokes this request's token and mails
  /// them; the number of sessions ended.
  int changeOwnAccount(const RequestContext& ctx, const UserRecord& user,
                       const std::function<void(UserRecord&, std::int64_t)>& change,
                       const std::string& why, const std::string& mailSubject,
                       const std::string& mailText);
  /// Commits a transaction that queued mail, then wakes the mail sender.
  void commitAndWakeMail(StoreTransaction& tx);

  // Orders: the customer's and the shop's (order_routes.cpp, shop_routes.cpp)
  /// Answers one page of an order list read from the request's query parameters; `forShop`
  /// lists a store's queue (path store id), else the caller's own orders.
  void replyOrderPage(RequestContext& ctx, const std::string& storeId, bool forShop);
  /// Cancels `order` in `tx` (its store's leases expired first) with the history `note`, commits,
  /// deletes the ciphertext and reads the order back for the reply; `by` names who, for the log.
  /// The shop's cancel is mailed to the customer, the customer's own is not.
  nlohmann::json cancelAndRead(std::unique_ptr<StoreTransaction> tx, OrderRecord order,
                               const std::string& note, const std::string& by,
                               Canceller canceller = Canceller::Shop);
  /// Deletes a cancelled order's ciphertext once the cancel committed.
  void deleteCancelledDocument(const std::string& orderId);
  /// Releases the store's order held with the body's pickup code (rate-limited per store); the
  /// shop's and the agent's release.
  OrderRecord releaseWithCode(RequestContext& ctx, const std::string& storeId,
                              const std::string& who);

  // Event streams (stream_routes.cpp)
  /// What the stream at `path` shows to `principal`, checked as the matching reads check it
  /// (401/403/404 the same); ApiError 400 for a path that is no stream.
  StreamTarget authorizeStream(StoreTransaction& tx, const Principal& principal,
                               const std::string& path);
  /// Answers the request with its event stream (after Last-Event-ID when given).
  void openEventStream(RequestContext& ctx);
  /// Appends the store's "printers" agent event in `tx` (publishStore after committing).
  void recordPrintersEvent(StoreTransaction& tx, const std::string& storeId,
                           const std::string& printersJson);
  /// Wakes the store's event streams.
  void publishStore(const std::string& storeId);

  // Agents' jobs (agent_job_routes.cpp)
  /// Hands the next queued job of the store to `agentId` under a new lease, if there is one.
  std::optional<nlohmann::json> claimNextJob(const Principal& agent);
  /// When a parked poll of the store should look again without a notify: when the next lease
  /// of the store runs out (its job comes back), else never (time_point::max()).
  std::chrono::steady_clock::time_point nextLeaseCheck(const std::string& storeId);
  /// One look of a parked poll (on the hub's dispatcher thread): claims a job and answers
  /// `held` with it (nullopt: done), or says when to look again.
  std::optional<std::chrono::steady_clock::time_point> offerToParkedPoll(const Principal& agent,
                                                                         HeldRequest& held);
  /// An offer that did not reach its agent: its job goes back to the queue at once.
  void handBackOffer(const std::string& jobId, const std::string& leaseId);
  /// The shop's answer to an order in outcome_unknown ({"printed": true|false}), given by a
  /// shopkeeper or at the shop's agent: the order as it is afterwards.
  nlohmann::json resolveOutcome(StoreTransaction& tx, OrderRecord& order, bool printed,
                                const std::string& who);
  /// The "printed" of a resolve request's body: 400 unless it is exactly {"printed": bool}.
  static bool printedField(const nlohmann::json& body);
  /// The agent's "counted" event for `job`: records the count, holds the order when it is above
  /// the quote, records the event; the answer.
  nlohmann::json countedEvent(OrderService& orders, StoreTransaction& tx, OrderRecord& order,
                              JobRecord& job, const protocol::JobEvent& event,
                              const std::string& payload, std::int64_t at);

  const CloudSettings& settings_;
  Store& store_;
  DispatchHub& hub_;
  DocumentDirectory& documents_;
  AccountServices accounts_;
  OrderServiceHooks orderHooks_;
  RateLimiter loginFailuresByAccount_;
  RateLimiter loginFailuresByAddress_;
  RateLimiter accountRequestsByAddress_;
  RateLimiter ordersByUser_;
  RateLimiter uploadsByUser_;
  RateLimiter pickupFailuresByStore_{kPickupFailureWindowSeconds, kPickupFailuresPerStore,
                                     settings_.clock};
  RateLimiter quotesByAddress_;
  std::string publicUrl_;
  std::function<std::string()> metricsSource_;
  LiveEventServices live_;
  /// The schema version after the migrations at start (it does not change while serving).
  int schemaVersion_;
};

/// The "email" field: a lower-cased address local@domain.tld, safe in a mail header; ApiError
/// 400 otherwise.
std::string emailField(const nlohmann::json& body);

/// A new password field: 8..256 characters, any characters, never trimmed or truncated;
/// ApiError 400 "weak_password" otherwise.
std::string newPasswordField(const nlohmann::json& body, const std::string& field);

/// A query parameter given at most once; nullopt when absent. ApiError 400 when given twice.
std::optional<std::string> queryParam(const HttpRequest& request, const std::string& name);

/// A query parameter's whole number in [min, max], written as plain decimal digits; ApiError 400
/// naming the parameter otherwise.
std::int64_t wholeNumberParam(const std::string& name, const std::string& text, std::int64_t min,
                              std::int64_t max);

/// The order's view with its history, for the reply to a route that read or changed it; Error
/// "store_corrupt" when the order is missing (the caller found it in the same transaction).
OrderView existingOrderView(StoreTransaction& tx, const std::string& orderId);

/// Adds the order's customer for the shop: "customer_id", "customer_email" and "customer_name"
/// (null when the account has none, e.g. a guest of schema version 2, or is gone).
void addCustomerJson(StoreTransaction& tx, const std::string& customerId, nlohmann::json& order);

/// The user as the API shows it, with the stores a shopkeeper is assigned.
nlohmann::json userWithStores(StoreTransaction& tx, const UserRecord& user);

/// The optional "reason" of an action's body (free text for the order's history), the only
/// field allowed.
std::string reasonField(const nlohmann::json& body);

/// `note`, followed by ": reason" when a reason was given.
std::string withReason(std::string note, const std::string& reason);

/// The record `find(id)` gives; ApiError 404 `code` with `message` when there is none (or `id`
/// cannot be an id).
template <typename Find>
auto existingRecord(const std::string& id, Find find, const std::string& code,
                    const std::string& message) {
  decltype(find(id)) record;
  if (isWellFormedId(id)) {
    record = find(id);
  }
  if (!record) {
    throw ApiError(404, code, message);
  }
  return *std::move(record);
}

/// The store `storeId`; ApiError 404 store_not_found when it does not exist (or the id cannot
/// be one).
StoreRecord existingStore(StoreTransaction& tx, const std::string& storeId);

/// Sends a JSON response.
void replyJson(HttpResponse& response, int status, const nlohmann::json& body);

/// The plaintext document types the cloud accepts (and seals on arrival).
bool isSupportedDocumentType(const std::string& mediaType);

} // namespace printrelay::cloud
