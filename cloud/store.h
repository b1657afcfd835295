#pragma once

#include "common/order_state.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace printrelay::cloud {

// The records the cloud keeps and the storage interface every backend implements. Backends are
// plain record stores: the rules (who may do what, which state changes are legal) live in the
// API layer, so each backend only has to store and find rows, and one conformance suite
// (tests/cloud/store_conformance_test.cpp) holds them all to the same contract.
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

/// A customer; today only guests (kind "guest") with a bearer token kept as its SHA-256.
struct CustomerRecord {
  std::string id;
  std::string kind = "guest";
  std::string tokenHash;
  std::int64_t createdAt = 0;
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

/// A status event an agent posted, with the answer it got, so a replay of (jobId, seq) gets the
/// same answer and changes nothing.
struct JobEventRecord {
  std::string jobId;
  std::uint64_t seq = 0;
  std::string payloadJson;
  std::string responseJson;
  std::int64_t at = 0;
};

/// A unit of work on a Store. Everything done through one transaction commits together or not
/// at all: destroying it without commit() rolls back (and never throws). A transaction is used
/// by one thread; backends may serialize transactions.
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

  // Customers
  virtual void insertCustomer(const CustomerRecord& customer) = 0;
  virtual std::optional<CustomerRecord> findCustomer(const std::string& id) = 0;
  virtual std::optional<CustomerRecord> findCustomerByTokenHash(const std::string& hash) = 0;

  // Orders
  virtual void insertOrder(const OrderRecord& order) = 0;
  virtual std::optional<OrderRecord> findOrder(const std::string& id) = 0;
  /// The customer's orders, newest first.
  virtual std::vector<OrderRecord> listOrdersByCustomer(const std::string& customerId) = 0;
  /// Overwrites state, document fields and updated_at of an existing order.
  virtual void updateOrder(const OrderRecord& order) = 0;
  virtual void appendOrderHistory(const OrderStateChange& change) = 0;
  /// The order's history, oldest first.
  virtual std::vector<OrderStateChange> orderHistory(const std::string& orderId) = 0;

  // Jobs
  virtual void insertJob(const JobRecord& job) = 0;
  virtual std::optional<JobRecord> findJob(const std::string& id) = 0;
  virtual std::optional<JobRecord> findJobByOrder(const std::string& orderId) = 0;
  /// Overwrites the lease, agent, event sequence, spooler fields and updated_at of a job.
  virtual void updateJob(const JobRecord& job) = 0;
  /// The store's oldest job whose order is queued.
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
};

/// A storage backend for the cloud's records, chosen by the database URL's scheme
/// (store_factory.h). Thread-safe: any thread may begin a transaction.
class Store {
public:
  virtual ~Store() = default;

  /// Starts a transaction (waiting for others when the backend serializes them).
  virtual std::unique_ptr<StoreTransaction> begin() = 0;
  /// "sqlite", "postgresql", …
  virtual std::string backendName() const = 0;
  /// The schema version after migrations.
  virtual int schemaVersion() = 0;
};

} // namespace printrelay::cloud
