#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"

#include <SQLiteCpp/Statement.h>

namespace printrelay::cloud {

void SqliteTransaction::insertStore(const StoreRecord& s) {
  kStores.insert(db_, s);
}

std::optional<StoreRecord> SqliteTransaction::findStore(const std::string& id) {
  return kStores.findOne(db_, "WHERE id = ?", id);
}

std::vector<StoreRecord> SqliteTransaction::listStores() {
  return kStores.findAll(db_, "ORDER BY name, id");
}

void SqliteTransaction::setStoreKey(const std::string& storeId, const std::string& publicKey,
                                    const std::string& keyId) {
  execute("UPDATE stores SET public_key = ?, key_id = ? WHERE id = ?", publicKey, keyId, storeId);
}

bool SqliteTransaction::updateStore(const StoreRecord& s) {
  return kStores.update(db_, s, {"name", "address", "latitude", "longitude"}, "id") == 1;
}

void SqliteTransaction::insertEnrollmentCode(const EnrollmentCodeRecord& c) {
  kEnrollmentCodes.insert(db_, c);
}

std::optional<EnrollmentCodeRecord>
SqliteTransaction::findEnrollmentCode(const std::string& codeHash) {
  return kEnrollmentCodes.findOne(db_, "WHERE code_hash = ?", codeHash);
}

bool SqliteTransaction::markEnrollmentCodeUsed(const std::string& codeHash, std::int64_t at,
                                               const std::string& agentId) {
  return execute("UPDATE enrollment_codes SET used_at = ?, used_by_agent = ? "
                 "WHERE code_hash = ? AND used_at IS NULL",
                 at, agentId, codeHash) == 1;
}

void SqliteTransaction::insertAgent(const AgentRecord& a) {
  kAgents.insert(db_, a);
}

std::optional<AgentRecord> SqliteTransaction::findAgent(const std::string& id) {
  return kAgents.findOne(db_, "WHERE id = ?", id);
}

std::optional<AgentRecord> SqliteTransaction::findAgentByCredentialHash(const std::string& hash) {
  return kAgents.findOne(db_, "WHERE credential_hash = ?", hash);
}

bool SqliteTransaction::revokeAgent(const std::string& id, std::int64_t at) {
  return execute("UPDATE agents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", at, id) ==
         1;
}

void SqliteTransaction::touchAgent(const std::string& id, std::int64_t at) {
  execute("UPDATE agents SET last_seen_at = ? WHERE id = ?", at, id);
}

std::optional<std::int64_t> SqliteTransaction::lastAgentContact(const std::string& storeId) {
  return selectInteger(
      "SELECT MAX(last_seen_at) FROM agents WHERE store_id = ? AND revoked_at IS NULL", storeId);
}

void SqliteTransaction::setStorePrinters(const std::string& storeId,
                                         const std::string& printersJson, std::int64_t reportedAt) {
  execute("INSERT INTO store_printers (store_id, printers, reported_at) VALUES (?, ?, ?) "
          "ON CONFLICT (store_id) DO UPDATE SET printers = excluded.printers, "
          "reported_at = excluded.reported_at",
          storeId, printersJson, reportedAt);
}

std::optional<std::pair<std::string, std::int64_t>>
SqliteTransaction::storePrinters(const std::string& storeId) {
  SQLite::Statement st(db_, "SELECT printers, reported_at FROM store_printers WHERE store_id = ?");
  st.bind(1, storeId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return std::make_pair(st.getColumn(0).getString(), st.getColumn(1).getInt64());
}

void SqliteTransaction::putStorePrintDefaults(const StorePrintDefaultsRecord& d) {
  kStorePrintDefaults.upsert(db_, d, "store_id");
}

std::optional<StorePrintDefaultsRecord>
SqliteTransaction::findStorePrintDefaults(const std::string& storeId) {
  return kStorePrintDefaults.findOne(db_, "WHERE store_id = ?", storeId);
}

void SqliteTransaction::putStorePrices(const StorePricesRecord& p) {
  kStorePrices.upsert(db_, p, "store_id");
}

std::optional<StorePricesRecord> SqliteTransaction::findStorePrices(const std::string& storeId) {
  return kStorePrices.findOne(db_, "WHERE store_id = ?", storeId);
}

bool SqliteTransaction::insertPaymentEvent(const PaymentEventRecord& e) {
  return kPaymentEvents.insert(db_, e, "INSERT OR IGNORE") == 1;
}

std::optional<PaymentEventRecord> SqliteTransaction::findPaymentEvent(const std::string& eventId) {
  return kPaymentEvents.findOne(db_, "WHERE event_id = ?", eventId);
}

std::optional<StoreLifecycleRecord>
SqliteTransaction::findStoreLifecycle(const std::string& storeId) {
  return kStoreLifecycle.findOne(db_, "WHERE store_id = ?", storeId);
}

void SqliteTransaction::putStoreLifecycle(const StoreLifecycleRecord& r) {
  kStoreLifecycle.upsert(db_, r, "store_id");
}

} // namespace printrelay::cloud
