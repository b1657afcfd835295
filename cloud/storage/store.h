#pragma once

#include "common/wire/order_state.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace printrelay::cloud {

// The records the cloud keeps and the storage interface every backend implements. Backends are
// plain record stores: the rules (who may do what, which state changes are legal) live in the
// API layer, so each backend only has to store and find rows, and one conformance suite
// (tests/cloud/storage/store_*_test.cpp) holds them all to the same contract.
// Times are Unix seconds.

/// A print shop. `publicKey` (base64) and `keyId` are empty until an agent enrolled.
struct StoreRecord {
  std::string id;
  std::string name;
  std::string address;
  double latitude = 0;
  double longitude = 0;
  std::string publicKey;
  std::string keyId;
  std::int64_t createdAt = 0;
};

/// A one-time enrollment code, kept only as its SHA-256.
struct EnrollmentCodeRecord {
  std::string codeHash;
  std::string storeId;
  std::int64_t createdAt = 0;
  std::int64_t expiresAt = 0;
  std::optional<std::int64_t> usedAt;
  std::string usedByAgentId;
};

/// An enrolled shop agent; its device credential is kept only as its SHA-256.
struct AgentRecord {
  std::string id;
  std::string storeId;
  std::string name;
  std::string version;
  std::string publicKey; ///< base64 X25519 public key it enrolled with
  std::string keyId;
  std::string credentialHash;
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> revokedAt;
  std::optional<std::int64_t> lastSeenAt;
};

/// A person with an account: a customer, a shopkeeper or an admin.
struct UserRecord {
  std::string id;
  std::string email; ///< lower-cased; unique; empty only for guests of schema version 2
  std::string role;  ///< "customer", "shopkeeper" or "admin"
  std::string name;
  std::string passwordHash; ///< Argon2id, PHC encoded; empty: no password login
  std::optional<std::int64_t> emailVerifiedAt;
  std::optional<std::int64_t> deactivatedAt;
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;
};

/// One login session: the family of rotating refresh tokens it started.
struct SessionRecord {
  std::string id;
  std::string userId;
  std::int64_t createdAt = 0;
  std::int64_t expiresAt = 0; ///< absolute end: a new login is needed after it
  std::optional<std::int64_t> revokedAt;
  std::string revokedReason;
};

/// A refresh token, kept only as its SHA-256; usable once.
struct RefreshTokenRecord {
  std::string tokenHash;
  std::string sessionId;
  std::int64_t createdAt = 0;
  std::int64_t expiresAt = 0;
  std::optional<std::int64_t> usedAt;
};

/// A single-use token sent by e-mail (purpose "verify_email" or "reset_password"), kept only as
/// its SHA-256.
struct AccountTokenRecord {
  std::string tokenHash;
  std::string userId;
  std::string purpose;
  std::int64_t createdAt = 0;
  std::int64_t expiresAt = 0;
  std::optional<std::int64_t> usedAt;
};

/// An e-mail waiting in the outbox (written in the transaction of the change that causes it).
struct MailRecord {
  std::int64_t id = 0; ///< assigned by the store
  std::string recipient;
  std::string subject;
  std::string body; ///< plain text
  std::string html; ///< the HTML part; empty: a plain-text mail
  std::int64_t createdAt = 0;
  int attempts = 0;
  std::int64_t nextAttemptAt = 0;
  std::optional<std::int64_t> sentAt;
  std::optional<std::int64_t> failedAt; ///< gave up
  std::string lastError;
};

/// A customer's order for one document at one store.
struct OrderRecord {
  std::string id;
  std::string storeId;
  std::string customerId;
  OrderState state = OrderState::AwaitingUpload;
  std::string optionsJson; ///< protocol::PrintOptions as JSON
  std::string documentName;
  std::string contentType;                   ///< the plaintext's media type
  std::optional<std::uint64_t> documentSize; ///< ciphertext bytes once uploaded
  std::string keyId;                         ///< the store key the document is sealed to
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;
};

/// One entry of an order's history: the state it entered and when.
struct OrderStateChange {
  std::string orderId;
  OrderState state = OrderState::AwaitingUpload;
  std::int64_t at = 0;
  std::string note;
};

/// The dispatch side of an order: which lease holds it and what the agent reported.
/// `leaseId` is empty while no agent holds the job.
struct JobRecord {
  std::string id;
  std::string orderId;
  std::string storeId;
  std::string leaseId;
  std::int64_t leaseExpiresAt = 0;
  std::string agentId; ///< the agent holding (or last holding) the lease
  std::uint64_t lastEventSeq = 0;
  std::optional<int> spoolerJobId;
  std::string printer;
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;
};

/// A store's price list (pricing.h's JSON) and its payment policy.
struct StorePricesRecord {
  std::string storeId;
  std::string priceListJson;
  std::string paymentPolicy = "print_then_pay"; ///< "print_then_pay" or "pay_first"
  std::int64_t updatedAt = 0;
};

/// What an order costs and how it was paid: the quote fixed at upload (re-fixed on an approved
/// page count, finalized on the agent's count), and the payment and refund recorded on it.
struct OrderChargeRecord {
  std::string orderId;
  /// Read from the order's page counts, never stored with the charge: the quoted count, or once
  /// final the agent's count (the quoted one when the agent did not count).
  int pages = 0;
  std::string pagesSource;   ///< the quoted count's source ("cloud", "client"), once final "agent"
  std::string priceListJson; ///< the store's price list when the quote was first fixed
  std::string breakdownJson; ///< pricing.h quoteJson
  std::int64_t totalMinor = 0;
  std::string currency;
  std::int64_t quotedTotalMinor = 0;       ///< the total first fixed (what the customer was shown)
  std::optional<std::int64_t> finalizedAt; ///< set once priced on the agent's count
  std::string paymentState = "unpaid";     ///< "unpaid", "paid" or "refunded"
  std::string paymentMethod;               ///< "cash", "card" or "online" once paid
  std::int64_t paidMinor = 0;
  std::optional<std::int64_t> paidAt;
  std::string paymentReference; ///< the provider's payment id, for online payments
  std::int64_t refundedMinor = 0;
  std::optional<std::int64_t> refundedAt;
  std::string refundReason;
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;
};

/// A payment provider's webhook event that was processed (its id makes delivery idempotent).
struct PaymentEventRecord {
  std::string eventId;
  std::string type;
  std::string orderId;
  std::string outcome; ///< what it did: "paid", "already_paid", "ignored", "refunded", …
  std::int64_t receivedAt = 0;
};

/// A status event an agent posted, with the answer it got, so a replay of (jobId, seq) gets the
/// same answer and changes nothing.
struct JobEventRecord {
  std::string jobId;
  std::uint64_t seq = 0;
  std::string payloadJson;
  std::string responseJson;
  std::int64_t at = 0;
};

/// The page counts of an order (one row per order, made when the order is created): what the
/// client declared, what the cloud counted on a plaintext upload, what the agent counted after
/// decrypting, and the count the customer was quoted for.
struct OrderPagesRecord {
  std::string orderId;
  std::optional<int> cloudPages;
  std::optional<int> clientPages;
  std::optional<int> agentPages;
  std::optional<int> quotedPages;
  std::string source;           ///< where quotedPages came from: "cloud", "client", "agent", ""
  std::string agentContentType; ///< the type the agent recognised from the decrypted bytes
  std::optional<std::int64_t> approvedAt; ///< when the shop approved the agent's count
};

/// A shopkeeper's print defaults for a store: the printer the agent is told to use (empty: the
/// agent chooses) and options applied where a customer gives no value.
struct StorePrintDefaultsRecord {
  std::string storeId;
  std::string printer;
  std::string optionsJson = "{}"; ///< a JSON object of print options (a subset of PrintOptions)
  std::int64_t updatedAt = 0;
};

/// A store's lifecycle settings: whether orders wait for their customer by default, how long an
/// order may wait in each waiting state before it expires, and how long a printed (or failed)
/// order's ciphertext is kept. The values here are the defaults of a store that never set them.
struct StoreLifecycleRecord {
  std::string storeId;
  bool holdByDefault = false;
  std::int64_t uploadWindowSeconds = 3600;           ///< awaiting_upload → expired
  std::int64_t paymentWindowSeconds = 24 * 3600;     ///< awaiting_payment → expired
  std::int64_t releaseWindowSeconds = 7 * 24 * 3600; ///< held → expired
  std::int64_t retentionSeconds = 24 * 3600;         ///< printed/failed → ciphertext deleted
  std::int64_t updatedAt = 0;
};

/// The lifecycle side of an order: whether it waits for its customer (and the pickup code that
/// releases it), why it is held, and when its ciphertext was deleted.
struct OrderLifecycleRecord {
  std::string orderId;
  std::string storeId;
  bool wantsHold = false;
  std::string holdReason; ///< "pickup" or "page_count" while held; empty otherwise
  std::string pickupCode; ///< six digits; empty when the order never waited for pickup
  std::optional<std::int64_t> documentDeletedAt;
};

/// A page of an order list: the orders of one customer or of one store, filtered, in
/// (created_at, id) order, after a cursor position.
struct OrderListQuery {
  std::string customerId;                    ///< when not empty: only this customer's orders
  std::string storeId;                       ///< when not empty: only this store's orders
  std::vector<OrderState> states;            ///< when not empty: only orders in one of these states
  std::optional<std::int64_t> createdAfter;  ///< created_at > this
  std::optional<std::int64_t> createdBefore; ///< created_at < this
  bool oldestFirst = false;                  ///< default newest first
  /// Start after this (created_at, id) position in the chosen order.
  std::optional<std::pair<std::int64_t, std::string>> after;
  int limit = 20;
};

/// Everything an order's JSON shows, read together (StoreTransaction::listOrderViews).
struct OrderView {
  OrderRecord order;
  std::optional<JobRecord> job; ///< the current (newest) job
  std::optional<OrderPagesRecord> pages;
  std::optional<OrderChargeRecord> charge;
  std::optional<OrderLifecycleRecord> lifecycle;
  std::optional<StoreLifecycleRecord> storeLifecycle; ///< nullopt: the store's defaults apply
  std::optional<std::int64_t> enteredStateAt;         ///< the newest history entry for its state
  std::vector<OrderStateChange> history;              ///< oldest first; filled only when asked
  /// In outcome_unknown: the agent's report that put it there (its event payload, with the
  /// evidence: last spooler state, when, bytes sent); empty otherwise.
  std::string outcomeReportJson;
};

/// What the operations' metrics count of the records at one moment.
struct RecordCounts {
  /// Orders per state; states without orders are absent.
  std::vector<std::pair<OrderState, std::int64_t>> ordersByState;
  std::int64_t agentsOnline = 0; ///< agents not revoked, seen at or after the given time
  std::int64_t unsentMails = 0;  ///< mails in the outbox neither sent nor given up
};

/// One entry of the live event feed (event streams, resume by Last-Event-ID): an order's change
/// of state, or its store's agent and printers. `id` is assigned by the store, durable and
/// increasing, so a stream resumes after a restart (and, later, on any node).
struct StreamEventRecord {
  std::int64_t id = 0;    ///< assigned by the store
  std::string kind;       ///< "order" or "agent"
  std::string storeId;    ///< the store it concerns
  std::string orderId;    ///< "order" events: the order
  std::string customerId; ///< "order" events: its customer
  std::string state;      ///< "order": the state it entered; "agent": online, offline or printers
  std::string dataJson;   ///< "agent" events: what changed (JSON); empty for "order" events
  std::int64_t at = 0;
};

/// Which events a stream shows: exactly one of the fields is set.
struct StreamEventFilter {
  std::string customerId; ///< the customer's orders
  std::string orderId;    ///< one order
  std::string storeId;    ///< the store's orders and its agent events
};

/// A short-lived, single-use ticket that opens one event stream for one user (a browser's
/// EventSource cannot send an Authorization header). Kept only as its SHA-256.
struct StreamTicketRecord {
  std::string ticketHash;
  std::string userId;
  std::string sessionId; ///< the session it was taken in (it must still be live)
  std::string path;      ///< the one stream path it opens
  std::int64_t createdAt = 0;
  std::int64_t expiresAt = 0;
  std::optional<std::int64_t> usedAt;
};

/// A unit of work on a Store. Everything done through one transaction commits together or not
/// at all: destroying it without commit() rolls back (and never throws). A transaction is used
/// by one thread; backends may serialize transactions. One from Store::beginRead() may only
/// read: its writing methods throw.
class StoreTransaction {
public:
  virtual ~StoreTransaction() = default;

  /// Makes the changes durable. No call may follow.
  virtual void commit() = 0;

  // Stores (print shops)
  virtual void insertStore(const StoreRecord& store) = 0;
  virtual std::optional<StoreRecord> findStore(const std::string& id) = 0;
  /// All stores, ordered by name then id.
  virtual std::vector<StoreRecord> listStores() = 0;
  /// Sets (or clears, with empty strings) the store's current public key and key id.
  virtual void setStoreKey(const std::string& storeId, const std::string& publicKey,
                           const std::string& keyId) = 0;

  /// Overwrites name, address and position of an existing store; false when it does not exist.
  virtual bool updateStore(const StoreRecord& store) = 0;

  // Enrollment codes
  virtual void insertEnrollmentCode(const EnrollmentCodeRecord& code) = 0;
  virtual std::optional<EnrollmentCodeRecord> findEnrollmentCode(const std::string& codeHash) = 0;
  /// Marks an unused code used; false when it was already used (or does not exist).
  virtual bool markEnrollmentCodeUsed(const std::string& codeHash, std::int64_t at,
                                      const std::string& agentId) = 0;

  // Agents
  virtual void insertAgent(const AgentRecord& agent) = 0;
  virtual std::optional<AgentRecord> findAgent(const std::string& id) = 0;
  virtual std::optional<AgentRecord> findAgentByCredentialHash(const std::string& hash) = 0;
  /// Sets revoked_at unless already revoked; false when the agent does not exist.
  virtual bool revokeAgent(const std::string& id, std::int64_t at) = 0;
  virtual void touchAgent(const std::string& id, std::int64_t at) = 0;
  /// The latest last_seen_at of the store's agents that are not revoked.
  virtual std::optional<std::int64_t> lastAgentContact(const std::string& storeId) = 0;

  // Printers (the agent's last report, a JSON array, replaced whole).
  virtual void setStorePrinters(const std::string& storeId, const std::string& printersJson,
                                std::int64_t reportedAt) = 0;
  /// The last report and when it came; nullopt when the store's agent never reported.
  virtual std::optional<std::pair<std::string, std::int64_t>>
  storePrinters(const std::string& storeId) = 0;

  // Users
  /// Throws Error{"duplicate_email"} when the e-mail address is taken.
  virtual void insertUser(const UserRecord& user) = 0;
  virtual std::optional<UserRecord> findUser(const std::string& id) = 0;
  /// By lower-cased e-mail address.
  virtual std::optional<UserRecord> findUserByEmail(const std::string& email) = 0;
  /// All users, oldest first.
  virtual std::vector<UserRecord> listUsers() = 0;
  /// Overwrites name, password hash, verification, deactivation and updated_at.
  virtual void updateUser(const UserRecord& user) = 0;

  // Shopkeepers' stores
  /// Assigns a store to a user; assigning twice is not an error.
  virtual void assignStore(const std::string& userId, const std::string& storeId,
                           std::int64_t at) = 0;
  /// False when the user was not assigned the store.
  virtual bool unassignStore(const std::string& userId, const std::string& storeId) = 0;
  /// The ids of the stores assigned to the user, sorted.
  virtual std::vector<std::string> storesOfUser(const std::string& userId) = 0;

  // Sessions and refresh tokens
  virtual void insertSession(const SessionRecord& session) = 0;
  virtual std::optional<SessionRecord> findSession(const std::string& id) = 0;
  /// Sets revoked_at unless already revoked.
  virtual void revokeSession(const std::string& id, std::int64_t at, const std::string& reason) = 0;
  /// Revokes every session of the user that is not revoked yet; returns how many.
  virtual int revokeUserSessions(const std::string& userId, std::int64_t at,
                                 const std::string& reason) = 0;
  virtual void insertRefreshToken(const RefreshTokenRecord& token) = 0;
  virtual std::optional<RefreshTokenRecord> findRefreshToken(const std::string& tokenHash) = 0;
  /// Marks an unused refresh token used; false when it was used already (or does not exist).
  virtual bool markRefreshTokenUsed(const std::string& tokenHash, std::int64_t at) = 0;

  // Revoked access tokens (by jti, kept until they would have expired anyway)
  virtual void denyAccessToken(const std::string& jti, std::int64_t expiresAt) = 0;
  virtual bool isAccessTokenDenied(const std::string& jti) = 0;

  // E-mailed single-use tokens
  virtual void insertAccountToken(const AccountTokenRecord& token) = 0;
  virtual std::optional<AccountTokenRecord> findAccountToken(const std::string& tokenHash) = 0;
  /// Marks an unused token used; false when it was used already (or does not exist).
  virtual bool markAccountTokenUsed(const std::string& tokenHash, std::int64_t at) = 0;
  /// Marks every unused token of the user for `purpose` used (a newer one replaces them).
  virtual void retireAccountTokens(const std::string& userId, const std::string& purpose,
                                   std::int64_t at) = 0;

  // The mail outbox
  /// Queues a mail; returns its id.
  virtual std::int64_t enqueueMail(const MailRecord& mail) = 0;
  /// Up to `limit` mails neither sent nor given up whose next attempt is due at `now`, oldest
  /// first; each is claimed by moving its next attempt to `claimUntil`.
  virtual std::vector<MailRecord> claimDueMails(std::int64_t now, std::int64_t claimUntil,
                                                int limit) = 0;
  /// Overwrites attempts, next_attempt_at, sent_at, failed_at and last_error.
  virtual void updateMail(const MailRecord& mail) = 0;
  /// Every mail in the outbox, oldest first (tests and diagnostics).
  virtual std::vector<MailRecord> listMails() = 0;

  /// Deletes what can no longer matter at `now`: denied jtis, refresh and account tokens that
  /// expired, sessions that ended a day ago with their tokens, and mail sent a week ago.
  virtual void purgeExpired(std::int64_t now) = 0;

  // Orders
  virtual void insertOrder(const OrderRecord& order) = 0;
  virtual std::optional<OrderRecord> findOrder(const std::string& id) = 0;
  /// Overwrites state, document fields and updated_at of an existing order.
  virtual void updateOrder(const OrderRecord& order) = 0;
  virtual void appendOrderHistory(const OrderStateChange& change) = 0;
  /// The order's history, oldest first.
  virtual std::vector<OrderStateChange> orderHistory(const std::string& orderId) = 0;

  // Jobs
  virtual void insertJob(const JobRecord& job) = 0;
  virtual std::optional<JobRecord> findJob(const std::string& id) = 0;
  /// The order's current job: the newest of its jobs (a reprint adds one).
  virtual std::optional<JobRecord> findJobByOrder(const std::string& orderId) = 0;
  /// Overwrites the lease, agent, event sequence, spooler fields and updated_at of a job.
  virtual void updateJob(const JobRecord& job) = 0;
  /// The store's oldest current job (see findJobByOrder) whose order is queued.
  virtual std::optional<JobRecord> nextQueuedJob(const std::string& storeId) = 0;
  /// Jobs of dispatched orders whose lease expired at or before `now` (all stores when
  /// `storeId` is empty).
  virtual std::vector<JobRecord> expiredLeases(std::int64_t now, const std::string& storeId) = 0;
  /// The earliest lease expiry among the store's dispatched orders.
  virtual std::optional<std::int64_t> nextLeaseExpiry(const std::string& storeId) = 0;

  // Job events
  /// Records an event; throws Error{"duplicate_event"} when (jobId, seq) exists.
  virtual void insertJobEvent(const JobEventRecord& event) = 0;
  virtual std::optional<JobEventRecord> findJobEvent(const std::string& jobId,
                                                     std::uint64_t seq) = 0;

  // Page counts and print defaults
  /// Inserts or overwrites the order's page counts.
  virtual void putOrderPages(const OrderPagesRecord& pages) = 0;
  virtual std::optional<OrderPagesRecord> findOrderPages(const std::string& orderId) = 0;
  /// Inserts or overwrites the store's print defaults.
  virtual void putStorePrintDefaults(const StorePrintDefaultsRecord& defaults) = 0;
  virtual std::optional<StorePrintDefaultsRecord>
  findStorePrintDefaults(const std::string& storeId) = 0;
  // Prices, charges and payment events
  /// Replaces the store's price list and payment policy.
  virtual void putStorePrices(const StorePricesRecord& prices) = 0;
  virtual std::optional<StorePricesRecord> findStorePrices(const std::string& storeId) = 0;
  /// Inserts or replaces the order's charge (its pages and pagesSource are not stored: a read
  /// takes them from the order's page counts).
  virtual void putOrderCharge(const OrderChargeRecord& charge) = 0;
  virtual std::optional<OrderChargeRecord> findOrderCharge(const std::string& orderId) = 0;
  /// Records a processed webhook event; false (nothing written) when its id is already there.
  virtual bool insertPaymentEvent(const PaymentEventRecord& event) = 0;
  virtual std::optional<PaymentEventRecord> findPaymentEvent(const std::string& eventId) = 0;
  // Lifecycle settings and records, pickup codes, expiry
  /// The store's lifecycle settings; nullopt when it never set any (the defaults apply).
  virtual std::optional<StoreLifecycleRecord> findStoreLifecycle(const std::string& storeId) = 0;
  /// Inserts or overwrites the store's lifecycle settings.
  virtual void putStoreLifecycle(const StoreLifecycleRecord& settings) = 0;
  /// The order's lifecycle record; nullopt for orders that have none (older than schema 5).
  virtual std::optional<OrderLifecycleRecord> findOrderLifecycle(const std::string& orderId) = 0;
  /// Inserts or overwrites the order's lifecycle record.
  virtual void putOrderLifecycle(const OrderLifecycleRecord& record) = 0;
  /// The store's orders holding `pickupCode` that still reserve it: neither cancelled nor
  /// expired, and (printed or failed ones) with their ciphertext not yet deleted.
  virtual std::vector<OrderRecord> ordersWithPickupCode(const std::string& storeId,
                                                        const std::string& pickupCode) = 0;
  /// Up to `limit` of the store's orders in `state` that entered it (by their latest history
  /// entry for it) at or before `enteredAtOrBefore`, oldest first; with `storedDocumentOnly`,
  /// only those whose ciphertext was uploaded and not deleted.
  virtual std::vector<OrderRecord> ordersInStateSince(const std::string& storeId, OrderState state,
                                                      std::int64_t enteredAtOrBefore,
                                                      bool storedDocumentOnly, int limit) = 0;
  /// One page of orders (at most query.limit), filtered and sorted in SQL.
  virtual std::vector<OrderRecord> listOrders(const OrderListQuery& query) = 0;
  /// The page listOrders gives, each order with what its JSON shows, read in one query (not
  /// one per order); the views carry no history.
  virtual std::vector<OrderView> listOrderViews(const OrderListQuery& query) = 0;
  /// The order's view, with its history when `withHistory`; nullopt when there is no such order.
  virtual std::optional<OrderView> findOrderView(const std::string& orderId, bool withHistory) = 0;

  // Operations
  /// Counts orders by state, agents seen at or after `agentSeenSince` and unsent mails, one
  /// aggregate query each (GET /metrics).
  virtual RecordCounts countRecords(std::int64_t agentSeenSince) = 0;
  // The live event feed and stream tickets (event streams)
  /// Appends an event; returns its id (greater than every id before it).
  virtual std::int64_t appendStreamEvent(const StreamEventRecord& event) = 0;
  /// Up to `limit` events matching `filter` with an id above `afterId`, oldest first.
  virtual std::vector<StreamEventRecord> streamEventsAfter(const StreamEventFilter& filter,
                                                           std::int64_t afterId, int limit) = 0;
  /// The newest event's id; 0 when there is none.
  virtual std::int64_t lastStreamEventId() = 0;
  /// The store's newest "agent" event in state "online" or "offline".
  virtual std::optional<StreamEventRecord> lastAgentPresence(const std::string& storeId) = 0;
  virtual void insertStreamTicket(const StreamTicketRecord& ticket) = 0;
  virtual std::optional<StreamTicketRecord> findStreamTicket(const std::string& ticketHash) = 0;
  /// Marks an unused ticket used; false when it was used already (or does not exist).
  virtual bool markStreamTicketUsed(const std::string& ticketHash, std::int64_t at) = 0;
  /// Deletes the tickets that expired before `now`.
  virtual void deleteExpiredStreamTickets(std::int64_t now) = 0;
};

/// A storage backend for the cloud's records, chosen by the database URL's scheme
/// (store_factory.h). Thread-safe: any thread may begin a transaction.
class Store {
public:
  virtual ~Store() = default;

  /// Starts a transaction (waiting for others when the backend serializes them).
  virtual std::unique_ptr<StoreTransaction> begin() = 0;
  /// Starts a read-only transaction, for work that only finds and lists. It reads one
  /// consistent state: what was committed before its first read, never another transaction's
  /// uncommitted changes. It does not wait for write transactions (unless the backend serializes
  /// all transactions); any write through it throws. commit() ends it, as destroying it does.
  virtual std::unique_ptr<StoreTransaction> beginRead() = 0;
  /// "sqlite", "postgresql", …
  virtual std::string backendName() const = 0;
  /// The schema version after migrations.
  virtual int schemaVersion() = 0;
};

} // namespace printrelay::cloud
