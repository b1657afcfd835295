#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>

namespace printrelay::cloud {

void SqliteTransaction::insertStore(const StoreRecord& s) {
  SQLite::Statement st(db_, std::string("INSERT INTO stores (") + kStoreColumns +
                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, s.id);
  st.bind(2, s.name);
  st.bind(3, s.address);
  st.bind(4, s.latitude);
  st.bind(5, s.longitude);
  st.bind(6, s.publicKey);
  st.bind(7, s.keyId);
  st.bind(8, s.createdAt);
  st.exec();
}

std::optional<StoreRecord> SqliteTransaction::findStore(const std::string& id) {
  SQLite::Statement st(db_, std::string("SELECT ") + kStoreColumns + " FROM stores WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readStore(st);
}

std::vector<StoreRecord> SqliteTransaction::listStores() {
  SQLite::Statement st(db_,
                       std::string("SELECT ") + kStoreColumns + " FROM stores ORDER BY name, id");
  std::vector<StoreRecord> out;
  while (st.executeStep()) {
    out.push_back(readStore(st));
  }
  return out;
}

void SqliteTransaction::setStoreKey(const std::string& storeId, const std::string& publicKey,
                                    const std::string& keyId) {
  SQLite::Statement st(db_, "UPDATE stores SET public_key = ?, key_id = ? WHERE id = ?");
  st.bind(1, publicKey);
  st.bind(2, keyId);
  st.bind(3, storeId);
  st.exec();
}

bool SqliteTransaction::updateStore(const StoreRecord& s) {
  SQLite::Statement st(
      db_, "UPDATE stores SET name = ?, address = ?, latitude = ?, longitude = ? WHERE id = ?");
  st.bind(1, s.name);
  st.bind(2, s.address);
  st.bind(3, s.latitude);
  st.bind(4, s.longitude);
  st.bind(5, s.id);
  return st.exec() == 1;
}

void SqliteTransaction::insertEnrollmentCode(const EnrollmentCodeRecord& c) {
  SQLite::Statement st(db_, "INSERT INTO enrollment_codes (code_hash, store_id, created_at, "
                            "expires_at, used_at, used_by_agent) VALUES (?, ?, ?, ?, ?, ?)");
  st.bind(1, c.codeHash);
  st.bind(2, c.storeId);
  st.bind(3, c.createdAt);
  st.bind(4, c.expiresAt);
  bindOptional(st, 5, c.usedAt);
  st.bind(6, c.usedByAgentId);
  st.exec();
}

std::optional<EnrollmentCodeRecord>
SqliteTransaction::findEnrollmentCode(const std::string& codeHash) {
  SQLite::Statement st(db_, "SELECT code_hash, store_id, created_at, expires_at, used_at, "
                            "used_by_agent FROM enrollment_codes WHERE code_hash = ?");
  st.bind(1, codeHash);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  EnrollmentCodeRecord c;
  c.codeHash = st.getColumn(0).getString();
  c.storeId = st.getColumn(1).getString();
  c.createdAt = st.getColumn(2).getInt64();
  c.expiresAt = st.getColumn(3).getInt64();
  c.usedAt = optionalInt(st.getColumn(4));
  c.usedByAgentId = st.getColumn(5).getString();
  return c;
}

bool SqliteTransaction::markEnrollmentCodeUsed(const std::string& codeHash, std::int64_t at,
                                               const std::string& agentId) {
  SQLite::Statement st(db_, "UPDATE enrollment_codes SET used_at = ?, used_by_agent = ? "
                            "WHERE code_hash = ? AND used_at IS NULL");
  st.bind(1, at);
  st.bind(2, agentId);
  st.bind(3, codeHash);
  return st.exec() == 1;
}

void SqliteTransaction::insertAgent(const AgentRecord& a) {
  SQLite::Statement st(db_, std::string("INSERT INTO agents (") + kAgentColumns +
                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, a.id);
  st.bind(2, a.storeId);
  st.bind(3, a.name);
  st.bind(4, a.version);
  st.bind(5, a.publicKey);
  st.bind(6, a.keyId);
  st.bind(7, a.credentialHash);
  st.bind(8, a.createdAt);
  bindOptional(st, 9, a.revokedAt);
  bindOptional(st, 10, a.lastSeenAt);
  st.exec();
}

std::optional<AgentRecord> SqliteTransaction::findAgent(const std::string& id) {
  SQLite::Statement st(db_, std::string("SELECT ") + kAgentColumns + " FROM agents WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readAgent(st);
}

std::optional<AgentRecord> SqliteTransaction::findAgentByCredentialHash(const std::string& hash) {
  SQLite::Statement st(db_, std::string("SELECT ") + kAgentColumns +
                                " FROM agents WHERE credential_hash = ?");
  st.bind(1, hash);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readAgent(st);
}

bool SqliteTransaction::revokeAgent(const std::string& id, std::int64_t at) {
  SQLite::Statement st(db_, "UPDATE agents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?");
  st.bind(1, at);
  st.bind(2, id);
  return st.exec() == 1;
}

void SqliteTransaction::touchAgent(const std::string& id, std::int64_t at) {
  SQLite::Statement st(db_, "UPDATE agents SET last_seen_at = ? WHERE id = ?");
  st.bind(1, at);
  st.bind(2, id);
  st.exec();
}

std::optional<std::int64_t> SqliteTransaction::lastAgentContact(const std::string& storeId) {
  SQLite::Statement st(
      db_, "SELECT MAX(last_seen_at) FROM agents WHERE store_id = ? AND revoked_at IS NULL");
  st.bind(1, storeId);
  st.executeStep();
  return optionalInt(st.getColumn(0));
}

void SqliteTransaction::setStorePrinters(const std::string& storeId,
                                         const std::string& printersJson, std::int64_t reportedAt) {
  SQLite::Statement st(db_, "INSERT INTO store_printers (store_id, printers, reported_at) "
                            "VALUES (?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET "
                            "printers = excluded.printers, reported_at = excluded.reported_at");
  st.bind(1, storeId);
  st.bind(2, printersJson);
  st.bind(3, reportedAt);
  st.exec();
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
  SQLite::Statement st(db_, "INSERT INTO store_print_defaults (store_id, printer, options, "
                            "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE "
                            "SET printer = excluded.printer, options = excluded.options, "
                            "updated_at = excluded.updated_at");
  st.bind(1, d.storeId);
  st.bind(2, d.printer);
  st.bind(3, d.optionsJson);
  st.bind(4, d.updatedAt);
  st.exec();
}

std::optional<StorePrintDefaultsRecord>
SqliteTransaction::findStorePrintDefaults(const std::string& storeId) {
  SQLite::Statement st(db_, "SELECT store_id, printer, options, updated_at "
                            "FROM store_print_defaults WHERE store_id = ?");
  st.bind(1, storeId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  StorePrintDefaultsRecord d;
  d.storeId = st.getColumn(0).getString();
  d.printer = st.getColumn(1).getString();
  d.optionsJson = st.getColumn(2).getString();
  d.updatedAt = st.getColumn(3).getInt64();
  return d;
}

void SqliteTransaction::putStorePrices(const StorePricesRecord& p) {
  SQLite::Statement st(db_, "INSERT INTO store_prices (store_id, price_list, payment_policy, "
                            "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE "
                            "SET price_list = excluded.price_list, payment_policy = "
                            "excluded.payment_policy, updated_at = excluded.updated_at");
  st.bind(1, p.storeId);
  st.bind(2, p.priceListJson);
  st.bind(3, p.paymentPolicy);
  st.bind(4, p.updatedAt);
  st.exec();
}

std::optional<StorePricesRecord> SqliteTransaction::findStorePrices(const std::string& storeId) {
  SQLite::Statement st(db_, "SELECT store_id, price_list, payment_policy, updated_at "
                            "FROM store_prices WHERE store_id = ?");
  st.bind(1, storeId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  StorePricesRecord p;
  p.storeId = st.getColumn(0).getString();
  p.priceListJson = st.getColumn(1).getString();
  p.paymentPolicy = st.getColumn(2).getString();
  p.updatedAt = st.getColumn(3).getInt64();
  return p;
}

bool SqliteTransaction::insertPaymentEvent(const PaymentEventRecord& e) {
  SQLite::Statement st(db_, "INSERT OR IGNORE INTO payment_events (event_id, type, order_id, "
                            "outcome, received_at) VALUES (?, ?, ?, ?, ?)");
  st.bind(1, e.eventId);
  st.bind(2, e.type);
  st.bind(3, e.orderId);
  st.bind(4, e.outcome);
  st.bind(5, e.receivedAt);
  return st.exec() == 1;
}

std::optional<PaymentEventRecord> SqliteTransaction::findPaymentEvent(const std::string& eventId) {
  SQLite::Statement st(db_, "SELECT event_id, type, order_id, outcome, received_at "
                            "FROM payment_events WHERE event_id = ?");
  st.bind(1, eventId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  PaymentEventRecord e;
  e.eventId = st.getColumn(0).getString();
  e.type = st.getColumn(1).getString();
  e.orderId = st.getColumn(2).getString();
  e.outcome = st.getColumn(3).getString();
  e.receivedAt = st.getColumn(4).getInt64();
  return e;
}

std::optional<StoreLifecycleRecord>
SqliteTransaction::findStoreLifecycle(const std::string& storeId) {
  SQLite::Statement st(db_, "SELECT store_id, hold_by_default, upload_window_seconds, "
                            "payment_window_seconds, release_window_seconds, "
                            "retention_seconds, updated_at FROM store_lifecycle "
                            "WHERE store_id = ?");
  st.bind(1, storeId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  StoreLifecycleRecord r;
  r.storeId = st.getColumn(0).getString();
  r.holdByDefault = st.getColumn(1).getInt() != 0;
  r.uploadWindowSeconds = st.getColumn(2).getInt64();
  r.paymentWindowSeconds = st.getColumn(3).getInt64();
  r.releaseWindowSeconds = st.getColumn(4).getInt64();
  r.retentionSeconds = st.getColumn(5).getInt64();
  r.updatedAt = st.getColumn(6).getInt64();
  return r;
}

void SqliteTransaction::putStoreLifecycle(const StoreLifecycleRecord& r) {
  SQLite::Statement st(
      db_, "INSERT INTO store_lifecycle (store_id, hold_by_default, upload_window_seconds, "
           "payment_window_seconds, release_window_seconds, retention_seconds, updated_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET "
           "hold_by_default = excluded.hold_by_default, "
           "upload_window_seconds = excluded.upload_window_seconds, "
           "payment_window_seconds = excluded.payment_window_seconds, "
           "release_window_seconds = excluded.release_window_seconds, "
           "retention_seconds = excluded.retention_seconds, updated_at = excluded.updated_at");
  st.bind(1, r.storeId);
  st.bind(2, r.holdByDefault ? 1 : 0);
  st.bind(3, r.uploadWindowSeconds);
  st.bind(4, r.paymentWindowSeconds);
  st.bind(5, r.releaseWindowSeconds);
  st.bind(6, r.retentionSeconds);
  st.bind(7, r.updatedAt);
  st.exec();
}

} // namespace printrelay::cloud
