#pragma once

#include "cloud/storage/sqlite/sqlite_readers.h"
#include "cloud/storage/sqlite/sqlite_table.h"
#include "cloud/storage/store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <SQLiteCpp/VariadicBind.h>
#include <memory>
#include <mutex>

namespace printrelay::cloud {

/// SqliteStore's transaction. Its methods live in one file per table group: sqlite_shops.cpp,
/// sqlite_accounts.cpp, sqlite_orders.cpp, sqlite_jobs.cpp, sqlite_order_lists.cpp and
/// sqlite_streams.cpp.
class SqliteTransaction : public StoreTransaction {
public:
  /// A write transaction: BEGIN IMMEDIATE on the writer's connection, under the writer's lock.
  SqliteTransaction(std::unique_lock<std::mutex> writerLock, SQLite::Database& db);
  /// A read transaction: BEGIN DEFERRED on a query-only connection it holds until it ends.
  explicit SqliteTransaction(std::unique_ptr<SqliteReadConnection> reader);

  void commit() override;

  // Stores, enrollment codes, agents, printers, print defaults, prices, payment events and
  // lifecycle settings (sqlite_shops.cpp)
  void insertStore(const StoreRecord& s) override;
  std::optional<StoreRecord> findStore(const std::string& id) override;
  std::vector<StoreRecord> listStores() override;
  void setStoreKey(const std::string& storeId, const std::string& publicKey,
                   const std::string& keyId) override;
  bool updateStore(const StoreRecord& s) override;
  void insertEnrollmentCode(const EnrollmentCodeRecord& c) override;
  std::optional<EnrollmentCodeRecord> findEnrollmentCode(const std::string& codeHash) override;
  bool markEnrollmentCodeUsed(const std::string& codeHash, std::int64_t at,
                              const std::string& agentId) override;
  void insertAgent(const AgentRecord& a) override;
  std::optional<AgentRecord> findAgent(const std::string& id) override;
  std::optional<AgentRecord> findAgentByCredentialHash(const std::string& hash) override;
  bool revokeAgent(const std::string& id, std::int64_t at) override;
  void touchAgent(const std::string& id, std::int64_t at) override;
  std::optional<std::int64_t> lastAgentContact(const std::string& storeId) override;
  void setStorePrinters(const std::string& storeId, const std::string& printersJson,
                        std::int64_t reportedAt) override;
  std::optional<std::pair<std::string, std::int64_t>>
  storePrinters(const std::string& storeId) override;
  void putStorePrintDefaults(const StorePrintDefaultsRecord& d) override;
  std::optional<StorePrintDefaultsRecord>
  findStorePrintDefaults(const std::string& storeId) override;
  void putStorePrices(const StorePricesRecord& p) override;
  std::optional<StorePricesRecord> findStorePrices(const std::string& storeId) override;
  bool insertPaymentEvent(const PaymentEventRecord& e) override;
  std::optional<PaymentEventRecord> findPaymentEvent(const std::string& eventId) override;
  std::optional<StoreLifecycleRecord> findStoreLifecycle(const std::string& storeId) override;
  void putStoreLifecycle(const StoreLifecycleRecord& r) override;

  // Users, shopkeepers' stores, sessions, tokens and the mail outbox (sqlite_accounts.cpp)
  void insertUser(const UserRecord& u) override;
  std::optional<UserRecord> findUser(const std::string& id) override;
  std::optional<UserRecord> findUserByEmail(const std::string& email) override;
  std::vector<UserRecord> listUsers() override;
  void updateUser(const UserRecord& u) override;
  void assignStore(const std::string& userId, const std::string& storeId, std::int64_t at) override;
  bool unassignStore(const std::string& userId, const std::string& storeId) override;
  std::vector<std::string> storesOfUser(const std::string& userId) override;
  void insertSession(const SessionRecord& s) override;
  std::optional<SessionRecord> findSession(const std::string& id) override;
  void revokeSession(const std::string& id, std::int64_t at, const std::string& reason) override;
  int revokeUserSessions(const std::string& userId, std::int64_t at,
                         const std::string& reason) override;
  void insertRefreshToken(const RefreshTokenRecord& t) override;
  std::optional<RefreshTokenRecord> findRefreshToken(const std::string& tokenHash) override;
  bool markRefreshTokenUsed(const std::string& tokenHash, std::int64_t at) override;
  void denyAccessToken(const std::string& jti, std::int64_t expiresAt) override;
  bool isAccessTokenDenied(const std::string& jti) override;
  void insertAccountToken(const AccountTokenRecord& t) override;
  std::optional<AccountTokenRecord> findAccountToken(const std::string& tokenHash) override;
  bool markAccountTokenUsed(const std::string& tokenHash, std::int64_t at) override;
  void retireAccountTokens(const std::string& userId, const std::string& purpose,
                           std::int64_t at) override;
  std::int64_t enqueueMail(const MailRecord& m) override;
  std::vector<MailRecord> claimDueMails(std::int64_t now, std::int64_t claimUntil,
                                        int limit) override;
  void updateMail(const MailRecord& m) override;
  std::vector<MailRecord> listMails() override;
  void purgeExpired(std::int64_t now) override;

  // Orders, their history, pages, charges and lifecycle (sqlite_orders.cpp)
  void insertOrder(const OrderRecord& o) override;
  std::optional<OrderRecord> findOrder(const std::string& id) override;
  void updateOrder(const OrderRecord& o) override;
  void appendOrderHistory(const OrderStateChange& c) override;
  std::vector<OrderStateChange> orderHistory(const std::string& orderId) override;
  void putOrderPages(const OrderPagesRecord& p) override;
  std::optional<OrderPagesRecord> findOrderPages(const std::string& orderId) override;
  void putOrderCharge(const OrderChargeRecord& c) override;
  std::optional<OrderChargeRecord> findOrderCharge(const std::string& orderId) override;
  std::optional<OrderLifecycleRecord> findOrderLifecycle(const std::string& orderId) override;
  void putOrderLifecycle(const OrderLifecycleRecord& r) override;
  std::vector<OrderRecord> ordersWithPickupCode(const std::string& storeId,
                                                const std::string& pickupCode) override;
  std::vector<OrderRecord> ordersInStateSince(const std::string& storeId, OrderState state,
                                              std::int64_t enteredAtOrBefore,
                                              bool storedDocumentOnly, int limit) override;

  // Jobs and job events (sqlite_jobs.cpp)
  void insertJob(const JobRecord& j) override;
  std::optional<JobRecord> findJob(const std::string& id) override;
  std::optional<JobRecord> findJobByOrder(const std::string& orderId) override;
  void updateJob(const JobRecord& j) override;
  std::optional<JobRecord> nextQueuedJob(const std::string& storeId) override;
  std::vector<JobRecord> expiredLeases(std::int64_t now, const std::string& storeId) override;
  std::optional<std::int64_t> nextLeaseExpiry(const std::string& storeId) override;
  void insertJobEvent(const JobEventRecord& e) override;
  std::optional<JobEventRecord> findJobEvent(const std::string& jobId, std::uint64_t seq) override;

  // Pages of orders and order views (sqlite_order_lists.cpp)
  std::vector<OrderRecord> listOrders(const OrderListQuery& q) override;
  std::vector<OrderView> listOrderViews(const OrderListQuery& q) override;
  std::optional<OrderView> findOrderView(const std::string& orderId, bool withHistory) override;

  // Operations' counts (sqlite_counts.cpp)
  RecordCounts countRecords(std::int64_t agentSeenSince) override;
  // The live event feed and stream tickets (sqlite_streams.cpp)
  std::int64_t appendStreamEvent(const StreamEventRecord& e) override;
  std::vector<StreamEventRecord> streamEventsAfter(const StreamEventFilter& f, std::int64_t afterId,
                                                   int limit) override;
  std::int64_t lastStreamEventId() override;
  std::optional<StreamEventRecord> lastAgentPresence(const std::string& storeId) override;
  void insertStreamTicket(const StreamTicketRecord& t) override;
  std::optional<StreamTicketRecord> findStreamTicket(const std::string& ticketHash) override;
  bool markStreamTicketUsed(const std::string& ticketHash, std::int64_t at) override;
  void deleteExpiredStreamTickets(std::int64_t now) override;

private:
  /// Fills view.outcomeReportJson for an order in outcome_unknown.
  void addOutcomeReport(OrderView& view);

  /// Runs `sql` bound to `args`; returns the rows it changed.
  template <typename... Args> int execute(const std::string& sql, const Args&... args) {
    SQLite::Statement st(db_, sql);
    SQLite::bind(st, args...);
    return st.exec();
  }

  /// The integer `sql` (bound to `args`) selects first; nullopt when it is NULL.
  template <typename... Args>
  std::optional<std::int64_t> selectInteger(const std::string& sql, const Args&... args) {
    SQLite::Statement st(db_, sql);
    SQLite::bind(st, args...);
    std::optional<std::int64_t> value;
    if (st.executeStep()) {
      readValue(st.getColumn(0), value);
    }
    return value;
  }

  std::unique_lock<std::mutex> lock_;            ///< held by a write transaction
  std::unique_ptr<SqliteReadConnection> reader_; ///< held by a read transaction
  SQLite::Database& db_;
  SQLite::Transaction tx_;
};

} // namespace printrelay::cloud
