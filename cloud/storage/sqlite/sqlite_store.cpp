#include "cloud/storage/sqlite/sqlite_store.h"

#include "cloud/storage/sqlite/sqlite_migrations.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <functional>
#include <sqlite3.h>

namespace printrelay::cloud {
namespace {

std::optional<std::int64_t> optionalInt(const SQLite::Column& column) {
  if (column.isNull()) {
    return std::nullopt;
  }
  return column.getInt64();
}

void bindOptional(SQLite::Statement& st, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    st.bind(index, *value);
  } else {
    st.bind(index);
  }
}

OrderState stateFrom(const std::string& name) {
  const auto state = parseOrderState(name);
  if (!state) {
    throw Error("store_corrupt", "unknown order state '" + name + "' in the database");
  }
  return *state;
}

constexpr const char* kStoreColumns =
    "id, name, address, latitude, longitude, public_key, key_id, created_at";

StoreRecord readStore(SQLite::Statement& st) {
  StoreRecord s;
  s.id = st.getColumn(0).getString();
  s.name = st.getColumn(1).getString();
  s.address = st.getColumn(2).getString();
  s.latitude = st.getColumn(3).getDouble();
  s.longitude = st.getColumn(4).getDouble();
  s.publicKey = st.getColumn(5).getString();
  s.keyId = st.getColumn(6).getString();
  s.createdAt = st.getColumn(7).getInt64();
  return s;
}

constexpr const char* kAgentColumns = "id, store_id, name, version, public_key, key_id, "
                                      "credential_hash, created_at, revoked_at, last_seen_at";

AgentRecord readAgent(SQLite::Statement& st) {
  AgentRecord a;
  a.id = st.getColumn(0).getString();
  a.storeId = st.getColumn(1).getString();
  a.name = st.getColumn(2).getString();
  a.version = st.getColumn(3).getString();
  a.publicKey = st.getColumn(4).getString();
  a.keyId = st.getColumn(5).getString();
  a.credentialHash = st.getColumn(6).getString();
  a.createdAt = st.getColumn(7).getInt64();
  a.revokedAt = optionalInt(st.getColumn(8));
  a.lastSeenAt = optionalInt(st.getColumn(9));
  return a;
}

constexpr const char* kOrderColumns =
    "id, store_id, customer_id, state, options, document_name, content_type, document_size, "
    "key_id, created_at, updated_at";

/// kOrderColumns qualified by the alias "o".
constexpr const char* kOrderColumnsOfO =
    "o.id, o.store_id, o.customer_id, o.state, o.options, o.document_name, o.content_type, "
    "o.document_size, o.key_id, o.created_at, o.updated_at";

OrderRecord readOrder(SQLite::Statement& st) {
  OrderRecord o;
  o.id = st.getColumn(0).getString();
  o.storeId = st.getColumn(1).getString();
  o.customerId = st.getColumn(2).getString();
  o.state = stateFrom(st.getColumn(3).getString());
  o.optionsJson = st.getColumn(4).getString();
  o.documentName = st.getColumn(5).getString();
  o.contentType = st.getColumn(6).getString();
  if (const auto size = optionalInt(st.getColumn(7)); size) {
    o.documentSize = static_cast<std::uint64_t>(*size);
  }
  o.keyId = st.getColumn(8).getString();
  o.createdAt = st.getColumn(9).getInt64();
  o.updatedAt = st.getColumn(10).getInt64();
  return o;
}

constexpr const char* kUserColumns = "id, email, role, name, password_hash, email_verified_at, "
                                     "deactivated_at, created_at, updated_at";

UserRecord readUser(SQLite::Statement& st) {
  UserRecord u;
  u.id = st.getColumn(0).getString();
  u.email = st.getColumn(1).isNull() ? std::string() : st.getColumn(1).getString();
  u.role = st.getColumn(2).getString();
  u.name = st.getColumn(3).getString();
  u.passwordHash = st.getColumn(4).getString();
  u.emailVerifiedAt = optionalInt(st.getColumn(5));
  u.deactivatedAt = optionalInt(st.getColumn(6));
  u.createdAt = st.getColumn(7).getInt64();
  u.updatedAt = st.getColumn(8).getInt64();
  return u;
}

constexpr const char* kMailColumns = "id, recipient, subject, body, created_at, attempts, "
                                     "next_attempt_at, sent_at, failed_at, last_error";

MailRecord readMail(SQLite::Statement& st) {
  MailRecord m;
  m.id = st.getColumn(0).getInt64();
  m.recipient = st.getColumn(1).getString();
  m.subject = st.getColumn(2).getString();
  m.body = st.getColumn(3).getString();
  m.createdAt = st.getColumn(4).getInt64();
  m.attempts = st.getColumn(5).getInt();
  m.nextAttemptAt = st.getColumn(6).getInt64();
  m.sentAt = optionalInt(st.getColumn(7));
  m.failedAt = optionalInt(st.getColumn(8));
  m.lastError = st.getColumn(9).getString();
  return m;
}

constexpr const char* kJobColumns =
    "jobs.id, jobs.order_id, jobs.store_id, jobs.lease_id, jobs.lease_expires_at, jobs.agent_id, "
    "jobs.last_event_seq, jobs.spooler_job_id, jobs.printer, jobs.created_at, jobs.updated_at";

/// The job is its order's current one (the newest: a reprint adds a job).
constexpr const char* kCurrentJob = "jobs.rowid = (SELECT MAX(newer.rowid) FROM jobs AS newer "
                                    "WHERE newer.order_id = jobs.order_id)";

JobRecord readJob(SQLite::Statement& st) {
  JobRecord j;
  j.id = st.getColumn(0).getString();
  j.orderId = st.getColumn(1).getString();
  j.storeId = st.getColumn(2).getString();
  j.leaseId = st.getColumn(3).getString();
  j.leaseExpiresAt = st.getColumn(4).getInt64();
  j.agentId = st.getColumn(5).getString();
  j.lastEventSeq = static_cast<std::uint64_t>(st.getColumn(6).getInt64());
  if (const auto spooler = optionalInt(st.getColumn(7)); spooler) {
    j.spoolerJobId = static_cast<int>(*spooler);
  }
  j.printer = st.getColumn(8).getString();
  j.createdAt = st.getColumn(9).getInt64();
  j.updatedAt = st.getColumn(10).getInt64();
  return j;
}

// Issue 4 — commerce
constexpr const char* kChargeColumns =
    "order_id, pages, pages_source, price_list, breakdown, total_minor, currency, "
    "quoted_total_minor, finalized_at, payment_state, payment_method, paid_minor, paid_at, "
    "payment_reference, refunded_minor, refunded_at, refund_reason, created_at, updated_at";

class SqliteTransaction : public StoreTransaction {
public:
  SqliteTransaction(std::mutex& mutex, SQLite::Database& db)
      : lock_(mutex), db_(db), tx_(db, SQLite::TransactionBehavior::IMMEDIATE) {}

  void commit() override {
    tx_.commit();
    lock_.unlock(); // nothing may follow a commit, so let the next transaction in
  }

  void insertStore(const StoreRecord& s) override {
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

  std::optional<StoreRecord> findStore(const std::string& id) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kStoreColumns + " FROM stores WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readStore(st);
  }

  std::vector<StoreRecord> listStores() override {
    SQLite::Statement st(db_,
                         std::string("SELECT ") + kStoreColumns + " FROM stores ORDER BY name, id");
    std::vector<StoreRecord> out;
    while (st.executeStep()) {
      out.push_back(readStore(st));
    }
    return out;
  }

  void setStoreKey(const std::string& storeId, const std::string& publicKey,
                   const std::string& keyId) override {
    SQLite::Statement st(db_, "UPDATE stores SET public_key = ?, key_id = ? WHERE id = ?");
    st.bind(1, publicKey);
    st.bind(2, keyId);
    st.bind(3, storeId);
    st.exec();
  }

  bool updateStore(const StoreRecord& s) override {
    SQLite::Statement st(
        db_, "UPDATE stores SET name = ?, address = ?, latitude = ?, longitude = ? WHERE id = ?");
    st.bind(1, s.name);
    st.bind(2, s.address);
    st.bind(3, s.latitude);
    st.bind(4, s.longitude);
    st.bind(5, s.id);
    return st.exec() == 1;
  }

  void insertEnrollmentCode(const EnrollmentCodeRecord& c) override {
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

  std::optional<EnrollmentCodeRecord> findEnrollmentCode(const std::string& codeHash) override {
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

  bool markEnrollmentCodeUsed(const std::string& codeHash, std::int64_t at,
                              const std::string& agentId) override {
    SQLite::Statement st(db_, "UPDATE enrollment_codes SET used_at = ?, used_by_agent = ? "
                              "WHERE code_hash = ? AND used_at IS NULL");
    st.bind(1, at);
    st.bind(2, agentId);
    st.bind(3, codeHash);
    return st.exec() == 1;
  }

  void insertAgent(const AgentRecord& a) override {
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

  std::optional<AgentRecord> findAgent(const std::string& id) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kAgentColumns + " FROM agents WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readAgent(st);
  }

  std::optional<AgentRecord> findAgentByCredentialHash(const std::string& hash) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kAgentColumns +
                                  " FROM agents WHERE credential_hash = ?");
    st.bind(1, hash);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readAgent(st);
  }

  bool revokeAgent(const std::string& id, std::int64_t at) override {
    SQLite::Statement st(db_,
                         "UPDATE agents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?");
    st.bind(1, at);
    st.bind(2, id);
    return st.exec() == 1;
  }

  void touchAgent(const std::string& id, std::int64_t at) override {
    SQLite::Statement st(db_, "UPDATE agents SET last_seen_at = ? WHERE id = ?");
    st.bind(1, at);
    st.bind(2, id);
    st.exec();
  }

  std::optional<std::int64_t> lastAgentContact(const std::string& storeId) override {
    SQLite::Statement st(
        db_, "SELECT MAX(last_seen_at) FROM agents WHERE store_id = ? AND revoked_at IS NULL");
    st.bind(1, storeId);
    st.executeStep();
    return optionalInt(st.getColumn(0));
  }

  void setStorePrinters(const std::string& storeId, const std::string& printersJson,
                        std::int64_t reportedAt) override {
    SQLite::Statement st(db_, "INSERT INTO store_printers (store_id, printers, reported_at) "
                              "VALUES (?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET "
                              "printers = excluded.printers, reported_at = excluded.reported_at");
    st.bind(1, storeId);
    st.bind(2, printersJson);
    st.bind(3, reportedAt);
    st.exec();
  }

  std::optional<std::pair<std::string, std::int64_t>>
  storePrinters(const std::string& storeId) override {
    SQLite::Statement st(db_,
                         "SELECT printers, reported_at FROM store_printers WHERE store_id = ?");
    st.bind(1, storeId);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return std::make_pair(st.getColumn(0).getString(), st.getColumn(1).getInt64());
  }

  void insertUser(const UserRecord& u) override {
    SQLite::Statement st(db_, std::string("INSERT INTO users (") + kUserColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, u.id);
    if (u.email.empty()) {
      st.bind(2);
    } else {
      st.bind(2, u.email);
    }
    st.bind(3, u.role);
    st.bind(4, u.name);
    st.bind(5, u.passwordHash);
    bindOptional(st, 6, u.emailVerifiedAt);
    bindOptional(st, 7, u.deactivatedAt);
    st.bind(8, u.createdAt);
    st.bind(9, u.updatedAt);
    try {
      st.exec();
    } catch (const SQLite::Exception& ex) {
      if (ex.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE &&
          std::string(ex.what()).find("users.email") != std::string::npos) {
        throw Error("duplicate_email", "the e-mail address is already registered");
      }
      throw;
    }
  }

  std::optional<UserRecord> findUser(const std::string& id) override { return userWhere("id", id); }

  std::optional<UserRecord> findUserByEmail(const std::string& email) override {
    return userWhere("email", email);
  }

  std::vector<UserRecord> listUsers() override {
    SQLite::Statement st(db_, std::string("SELECT ") + kUserColumns +
                                  " FROM users ORDER BY created_at, rowid");
    std::vector<UserRecord> out;
    while (st.executeStep()) {
      out.push_back(readUser(st));
    }
    return out;
  }

  void updateUser(const UserRecord& u) override {
    SQLite::Statement st(db_, "UPDATE users SET name = ?, password_hash = ?, "
                              "email_verified_at = ?, deactivated_at = ?, updated_at = ? "
                              "WHERE id = ?");
    st.bind(1, u.name);
    st.bind(2, u.passwordHash);
    bindOptional(st, 3, u.emailVerifiedAt);
    bindOptional(st, 4, u.deactivatedAt);
    st.bind(5, u.updatedAt);
    st.bind(6, u.id);
    if (st.exec() != 1) {
      throw Error("store_not_found", "no user " + u.id + " to update");
    }
  }

  void assignStore(const std::string& userId, const std::string& storeId,
                   std::int64_t at) override {
    SQLite::Statement st(db_, "INSERT OR IGNORE INTO shopkeeper_stores (user_id, store_id, "
                              "assigned_at) VALUES (?, ?, ?)");
    st.bind(1, userId);
    st.bind(2, storeId);
    st.bind(3, at);
    st.exec();
  }

  bool unassignStore(const std::string& userId, const std::string& storeId) override {
    SQLite::Statement st(db_, "DELETE FROM shopkeeper_stores WHERE user_id = ? AND store_id = ?");
    st.bind(1, userId);
    st.bind(2, storeId);
    return st.exec() == 1;
  }

  std::vector<std::string> storesOfUser(const std::string& userId) override {
    SQLite::Statement st(
        db_, "SELECT store_id FROM shopkeeper_stores WHERE user_id = ? ORDER BY store_id");
    st.bind(1, userId);
    std::vector<std::string> out;
    while (st.executeStep()) {
      out.push_back(st.getColumn(0).getString());
    }
    return out;
  }

  void insertSession(const SessionRecord& s) override {
    SQLite::Statement st(db_, "INSERT INTO sessions (id, user_id, created_at, expires_at, "
                              "revoked_at, revoked_reason) VALUES (?, ?, ?, ?, ?, ?)");
    st.bind(1, s.id);
    st.bind(2, s.userId);
    st.bind(3, s.createdAt);
    st.bind(4, s.expiresAt);
    bindOptional(st, 5, s.revokedAt);
    st.bind(6, s.revokedReason);
    st.exec();
  }

  std::optional<SessionRecord> findSession(const std::string& id) override {
    SQLite::Statement st(db_, "SELECT id, user_id, created_at, expires_at, revoked_at, "
                              "revoked_reason FROM sessions WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    SessionRecord s;
    s.id = st.getColumn(0).getString();
    s.userId = st.getColumn(1).getString();
    s.createdAt = st.getColumn(2).getInt64();
    s.expiresAt = st.getColumn(3).getInt64();
    s.revokedAt = optionalInt(st.getColumn(4));
    s.revokedReason = st.getColumn(5).getString();
    return s;
  }

  void revokeSession(const std::string& id, std::int64_t at, const std::string& reason) override {
    SQLite::Statement st(db_, "UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
                              "WHERE id = ? AND revoked_at IS NULL");
    st.bind(1, at);
    st.bind(2, reason);
    st.bind(3, id);
    st.exec();
  }

  int revokeUserSessions(const std::string& userId, std::int64_t at,
                         const std::string& reason) override {
    SQLite::Statement st(db_, "UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
                              "WHERE user_id = ? AND revoked_at IS NULL");
    st.bind(1, at);
    st.bind(2, reason);
    st.bind(3, userId);
    return st.exec();
  }

  void insertRefreshToken(const RefreshTokenRecord& t) override {
    SQLite::Statement st(db_, "INSERT INTO refresh_tokens (token_hash, session_id, created_at, "
                              "expires_at, used_at) VALUES (?, ?, ?, ?, ?)");
    st.bind(1, t.tokenHash);
    st.bind(2, t.sessionId);
    st.bind(3, t.createdAt);
    st.bind(4, t.expiresAt);
    bindOptional(st, 5, t.usedAt);
    st.exec();
  }

  std::optional<RefreshTokenRecord> findRefreshToken(const std::string& tokenHash) override {
    SQLite::Statement st(db_, "SELECT token_hash, session_id, created_at, expires_at, used_at "
                              "FROM refresh_tokens WHERE token_hash = ?");
    st.bind(1, tokenHash);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    RefreshTokenRecord t;
    t.tokenHash = st.getColumn(0).getString();
    t.sessionId = st.getColumn(1).getString();
    t.createdAt = st.getColumn(2).getInt64();
    t.expiresAt = st.getColumn(3).getInt64();
    t.usedAt = optionalInt(st.getColumn(4));
    return t;
  }

  bool markRefreshTokenUsed(const std::string& tokenHash, std::int64_t at) override {
    SQLite::Statement st(
        db_, "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
    st.bind(1, at);
    st.bind(2, tokenHash);
    return st.exec() == 1;
  }

  void denyAccessToken(const std::string& jti, std::int64_t expiresAt) override {
    SQLite::Statement st(
        db_, "INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)");
    st.bind(1, jti);
    st.bind(2, expiresAt);
    st.exec();
  }

  bool isAccessTokenDenied(const std::string& jti) override {
    SQLite::Statement st(db_, "SELECT 1 FROM revoked_access_tokens WHERE jti = ?");
    st.bind(1, jti);
    return st.executeStep();
  }

  void insertAccountToken(const AccountTokenRecord& t) override {
    SQLite::Statement st(db_, "INSERT INTO account_tokens (token_hash, user_id, purpose, "
                              "created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)");
    st.bind(1, t.tokenHash);
    st.bind(2, t.userId);
    st.bind(3, t.purpose);
    st.bind(4, t.createdAt);
    st.bind(5, t.expiresAt);
    bindOptional(st, 6, t.usedAt);
    st.exec();
  }

  std::optional<AccountTokenRecord> findAccountToken(const std::string& tokenHash) override {
    SQLite::Statement st(db_, "SELECT token_hash, user_id, purpose, created_at, expires_at, "
                              "used_at FROM account_tokens WHERE token_hash = ?");
    st.bind(1, tokenHash);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    AccountTokenRecord t;
    t.tokenHash = st.getColumn(0).getString();
    t.userId = st.getColumn(1).getString();
    t.purpose = st.getColumn(2).getString();
    t.createdAt = st.getColumn(3).getInt64();
    t.expiresAt = st.getColumn(4).getInt64();
    t.usedAt = optionalInt(st.getColumn(5));
    return t;
  }

  bool markAccountTokenUsed(const std::string& tokenHash, std::int64_t at) override {
    SQLite::Statement st(
        db_, "UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
    st.bind(1, at);
    st.bind(2, tokenHash);
    return st.exec() == 1;
  }

  void retireAccountTokens(const std::string& userId, const std::string& purpose,
                           std::int64_t at) override {
    SQLite::Statement st(db_, "UPDATE account_tokens SET used_at = ? "
                              "WHERE user_id = ? AND purpose = ? AND used_at IS NULL");
    st.bind(1, at);
    st.bind(2, userId);
    st.bind(3, purpose);
    st.exec();
  }

  std::int64_t enqueueMail(const MailRecord& m) override {
    SQLite::Statement st(db_, "INSERT INTO mail_outbox (recipient, subject, body, created_at, "
                              "attempts, next_attempt_at, sent_at, failed_at, last_error) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, m.recipient);
    st.bind(2, m.subject);
    st.bind(3, m.body);
    st.bind(4, m.createdAt);
    st.bind(5, m.attempts);
    st.bind(6, m.nextAttemptAt);
    bindOptional(st, 7, m.sentAt);
    bindOptional(st, 8, m.failedAt);
    st.bind(9, m.lastError);
    st.exec();
    return db_.getLastInsertRowid();
  }

  std::vector<MailRecord> claimDueMails(std::int64_t now, std::int64_t claimUntil,
                                        int limit) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kMailColumns +
                                  " FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL "
                                  "AND next_attempt_at <= ? ORDER BY id LIMIT ?");
    st.bind(1, now);
    st.bind(2, limit);
    std::vector<MailRecord> out;
    while (st.executeStep()) {
      out.push_back(readMail(st));
    }
    for (auto& m : out) {
      SQLite::Statement claim(db_, "UPDATE mail_outbox SET next_attempt_at = ? WHERE id = ?");
      claim.bind(1, claimUntil);
      claim.bind(2, m.id);
      claim.exec();
      m.nextAttemptAt = claimUntil;
    }
    return out;
  }

  void updateMail(const MailRecord& m) override {
    SQLite::Statement st(db_, "UPDATE mail_outbox SET attempts = ?, next_attempt_at = ?, "
                              "sent_at = ?, failed_at = ?, last_error = ? WHERE id = ?");
    st.bind(1, m.attempts);
    st.bind(2, m.nextAttemptAt);
    bindOptional(st, 3, m.sentAt);
    bindOptional(st, 4, m.failedAt);
    st.bind(5, m.lastError);
    st.bind(6, m.id);
    st.exec();
  }

  std::vector<MailRecord> listMails() override {
    SQLite::Statement st(db_,
                         std::string("SELECT ") + kMailColumns + " FROM mail_outbox ORDER BY id");
    std::vector<MailRecord> out;
    while (st.executeStep()) {
      out.push_back(readMail(st));
    }
    return out;
  }

  void purgeExpired(std::int64_t now) override {
    const auto run = [&](const char* sql, std::int64_t bound) {
      SQLite::Statement st(db_, sql);
      st.bind(1, bound);
      st.exec();
    };
    run("DELETE FROM revoked_access_tokens WHERE expires_at <= ?", now);
    run("DELETE FROM refresh_tokens WHERE expires_at <= ?", now);
    run("DELETE FROM account_tokens WHERE expires_at <= ?", now);
    run("DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE "
        "expires_at <= ? OR revoked_at IS NOT NULL)",
        now);
    run("DELETE FROM sessions WHERE expires_at <= ?", now - 86400);
    run("DELETE FROM mail_outbox WHERE sent_at IS NOT NULL AND sent_at <= ?", now - 7 * 86400);
  }

  void insertOrder(const OrderRecord& o) override {
    SQLite::Statement st(db_, std::string("INSERT INTO orders (") + kOrderColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, o.id);
    st.bind(2, o.storeId);
    st.bind(3, o.customerId);
    st.bind(4, std::string(toString(o.state)));
    st.bind(5, o.optionsJson);
    st.bind(6, o.documentName);
    st.bind(7, o.contentType);
    bindOptional(st, 8,
                 o.documentSize ? std::optional<std::int64_t>(*o.documentSize) : std::nullopt);
    st.bind(9, o.keyId);
    st.bind(10, o.createdAt);
    st.bind(11, o.updatedAt);
    st.exec();
  }

  std::optional<OrderRecord> findOrder(const std::string& id) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readOrder(st);
  }

  std::vector<OrderRecord> listOrdersByCustomer(const std::string& customerId) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kOrderColumns +
                                  " FROM orders WHERE customer_id = ? "
                                  "ORDER BY created_at DESC, rowid DESC");
    st.bind(1, customerId);
    std::vector<OrderRecord> out;
    while (st.executeStep()) {
      out.push_back(readOrder(st));
    }
    return out;
  }

  std::vector<OrderRecord> listOrdersByStore(const std::string& storeId) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kOrderColumns +
                                  " FROM orders WHERE store_id = ? "
                                  "ORDER BY created_at DESC, rowid DESC");
    st.bind(1, storeId);
    std::vector<OrderRecord> out;
    while (st.executeStep()) {
      out.push_back(readOrder(st));
    }
    return out;
  }

  void updateOrder(const OrderRecord& o) override {
    SQLite::Statement st(db_, "UPDATE orders SET state = ?, options = ?, document_name = ?, "
                              "content_type = ?, document_size = ?, key_id = ?, updated_at = ? "
                              "WHERE id = ?");
    st.bind(1, std::string(toString(o.state)));
    st.bind(2, o.optionsJson);
    st.bind(3, o.documentName);
    st.bind(4, o.contentType);
    bindOptional(st, 5,
                 o.documentSize ? std::optional<std::int64_t>(*o.documentSize) : std::nullopt);
    st.bind(6, o.keyId);
    st.bind(7, o.updatedAt);
    st.bind(8, o.id);
    if (st.exec() != 1) {
      throw Error("store_not_found", "no order " + o.id + " to update");
    }
  }

  void appendOrderHistory(const OrderStateChange& c) override {
    SQLite::Statement st(
        db_, "INSERT INTO order_history (order_id, state, at, note) VALUES (?, ?, ?, ?)");
    st.bind(1, c.orderId);
    st.bind(2, std::string(toString(c.state)));
    st.bind(3, c.at);
    st.bind(4, c.note);
    st.exec();
  }

  std::vector<OrderStateChange> orderHistory(const std::string& orderId) override {
    SQLite::Statement st(
        db_, "SELECT order_id, state, at, note FROM order_history WHERE order_id = ? ORDER BY id");
    st.bind(1, orderId);
    std::vector<OrderStateChange> out;
    while (st.executeStep()) {
      OrderStateChange c;
      c.orderId = st.getColumn(0).getString();
      c.state = stateFrom(st.getColumn(1).getString());
      c.at = st.getColumn(2).getInt64();
      c.note = st.getColumn(3).getString();
      out.push_back(std::move(c));
    }
    return out;
  }

  void insertJob(const JobRecord& j) override {
    SQLite::Statement st(db_, "INSERT INTO jobs (id, order_id, store_id, lease_id, "
                              "lease_expires_at, agent_id, last_event_seq, spooler_job_id, "
                              "printer, created_at, updated_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, j.id);
    st.bind(2, j.orderId);
    st.bind(3, j.storeId);
    bindJobMutable(st, 4, j);
    st.bind(10, j.createdAt);
    st.bind(11, j.updatedAt);
    st.exec();
  }

  std::optional<JobRecord> findJob(const std::string& id) override {
    return jobWhere("jobs.id", id);
  }

  std::optional<JobRecord> findJobByOrder(const std::string& orderId) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns +
                                  " FROM jobs WHERE jobs.order_id = ? ORDER BY jobs.rowid DESC "
                                  "LIMIT 1");
    st.bind(1, orderId);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readJob(st);
  }

  void updateJob(const JobRecord& j) override {
    SQLite::Statement st(db_, "UPDATE jobs SET lease_id = ?, lease_expires_at = ?, agent_id = ?, "
                              "last_event_seq = ?, spooler_job_id = ?, printer = ?, "
                              "updated_at = ? WHERE id = ?");
    bindJobMutable(st, 1, j);
    st.bind(7, j.updatedAt);
    st.bind(8, j.id);
    if (st.exec() != 1) {
      throw Error("store_not_found", "no job " + j.id + " to update");
    }
  }

  std::optional<JobRecord> nextQueuedJob(const std::string& storeId) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns +
                                  " FROM jobs JOIN orders ON orders.id = jobs.order_id "
                                  "WHERE jobs.store_id = ? AND orders.state = 'queued' "
                                  "AND " +
                                  std::string(kCurrentJob) +
                                  " ORDER BY jobs.created_at, jobs.rowid LIMIT 1");
    st.bind(1, storeId);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readJob(st);
  }

  std::vector<JobRecord> expiredLeases(std::int64_t now, const std::string& storeId) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns +
                                  " FROM jobs JOIN orders ON orders.id = jobs.order_id "
                                  "WHERE jobs.lease_id <> '' AND jobs.lease_expires_at <= ? "
                                  "AND orders.state = 'dispatched' AND " +
                                  std::string(kCurrentJob) +
                                  " AND (? = '' OR jobs.store_id = ?) ORDER BY jobs.rowid");
    st.bind(1, now);
    st.bind(2, storeId);
    st.bind(3, storeId);
    std::vector<JobRecord> out;
    while (st.executeStep()) {
      out.push_back(readJob(st));
    }
    return out;
  }

  std::optional<std::int64_t> nextLeaseExpiry(const std::string& storeId) override {
    SQLite::Statement st(db_, "SELECT MIN(jobs.lease_expires_at) FROM jobs "
                              "JOIN orders ON orders.id = jobs.order_id "
                              "WHERE jobs.store_id = ? AND jobs.lease_id <> '' "
                              "AND orders.state = 'dispatched' AND " +
                                  std::string(kCurrentJob));
    st.bind(1, storeId);
    st.executeStep();
    return optionalInt(st.getColumn(0));
  }

  void insertJobEvent(const JobEventRecord& e) override {
    SQLite::Statement st(db_, "INSERT INTO job_events (job_id, seq, payload, response, at) "
                              "VALUES (?, ?, ?, ?, ?)");
    st.bind(1, e.jobId);
    st.bind(2, static_cast<std::int64_t>(e.seq));
    st.bind(3, e.payloadJson);
    st.bind(4, e.responseJson);
    st.bind(5, e.at);
    try {
      st.exec();
    } catch (const SQLite::Exception& ex) {
      if (ex.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE) {
        throw Error("duplicate_event",
                    "job " + e.jobId + " already has event " + std::to_string(e.seq));
      }
      throw;
    }
  }

  std::optional<JobEventRecord> findJobEvent(const std::string& jobId, std::uint64_t seq) override {
    SQLite::Statement st(db_, "SELECT job_id, seq, payload, response, at FROM job_events "
                              "WHERE job_id = ? AND seq = ?");
    st.bind(1, jobId);
    st.bind(2, static_cast<std::int64_t>(seq));
    if (!st.executeStep()) {
      return std::nullopt;
    }
    JobEventRecord e;
    e.jobId = st.getColumn(0).getString();
    e.seq = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
    e.payloadJson = st.getColumn(2).getString();
    e.responseJson = st.getColumn(3).getString();
    e.at = st.getColumn(4).getInt64();
    return e;
  }

  // Issue 4 — DOCUMENTS
  void putOrderPages(const OrderPagesRecord& p) override {
    SQLite::Statement st(
        db_, "INSERT INTO order_pages (order_id, cloud_pages, client_pages, agent_pages, "
             "quoted_pages, source, agent_content_type, hold_reason, approved_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET "
             "cloud_pages = excluded.cloud_pages, client_pages = excluded.client_pages, "
             "agent_pages = excluded.agent_pages, quoted_pages = excluded.quoted_pages, "
             "source = excluded.source, agent_content_type = excluded.agent_content_type, "
             "hold_reason = excluded.hold_reason, approved_at = excluded.approved_at");
    const auto wide = [](const std::optional<int>& v) {
      return v ? std::optional<std::int64_t>(*v) : std::nullopt;
    };
    st.bind(1, p.orderId);
    bindOptional(st, 2, wide(p.cloudPages));
    bindOptional(st, 3, wide(p.clientPages));
    bindOptional(st, 4, wide(p.agentPages));
    bindOptional(st, 5, wide(p.quotedPages));
    st.bind(6, p.source);
    st.bind(7, p.agentContentType);
    st.bind(8, p.holdReason);
    bindOptional(st, 9, p.approvedAt);
    st.exec();
  }

  std::optional<OrderPagesRecord> findOrderPages(const std::string& orderId) override {
    SQLite::Statement st(db_, "SELECT order_id, cloud_pages, client_pages, agent_pages, "
                              "quoted_pages, source, agent_content_type, hold_reason, "
                              "approved_at FROM order_pages WHERE order_id = ?");
    st.bind(1, orderId);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    const auto narrow = [&](int column) -> std::optional<int> {
      const auto v = optionalInt(st.getColumn(column));
      return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
    };
    OrderPagesRecord p;
    p.orderId = st.getColumn(0).getString();
    p.cloudPages = narrow(1);
    p.clientPages = narrow(2);
    p.agentPages = narrow(3);
    p.quotedPages = narrow(4);
    p.source = st.getColumn(5).getString();
    p.agentContentType = st.getColumn(6).getString();
    p.holdReason = st.getColumn(7).getString();
    p.approvedAt = optionalInt(st.getColumn(8));
    return p;
  }

  void putStorePrintDefaults(const StorePrintDefaultsRecord& d) override {
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
  findStorePrintDefaults(const std::string& storeId) override {
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

  // Issue 4 — commerce
  void putStorePrices(const StorePricesRecord& p) override {
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

  std::optional<StorePricesRecord> findStorePrices(const std::string& storeId) override {
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

  void putOrderCharge(const OrderChargeRecord& c) override {
    SQLite::Statement st(db_,
                         std::string("INSERT OR REPLACE INTO order_charges (") + kChargeColumns +
                             ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, c.orderId);
    st.bind(2, c.pages);
    st.bind(3, c.pagesSource);
    st.bind(4, c.priceListJson);
    st.bind(5, c.breakdownJson);
    st.bind(6, c.totalMinor);
    st.bind(7, c.currency);
    st.bind(8, c.quotedTotalMinor);
    bindOptional(st, 9, c.finalizedAt);
    st.bind(10, c.paymentState);
    st.bind(11, c.paymentMethod);
    st.bind(12, c.paidMinor);
    bindOptional(st, 13, c.paidAt);
    st.bind(14, c.paymentReference);
    st.bind(15, c.refundedMinor);
    bindOptional(st, 16, c.refundedAt);
    st.bind(17, c.refundReason);
    st.bind(18, c.createdAt);
    st.bind(19, c.updatedAt);
    st.exec();
  }

  std::optional<OrderChargeRecord> findOrderCharge(const std::string& orderId) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kChargeColumns +
                                  " FROM order_charges WHERE order_id = ?");
    st.bind(1, orderId);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    OrderChargeRecord c;
    c.orderId = st.getColumn(0).getString();
    c.pages = st.getColumn(1).getInt();
    c.pagesSource = st.getColumn(2).getString();
    c.priceListJson = st.getColumn(3).getString();
    c.breakdownJson = st.getColumn(4).getString();
    c.totalMinor = st.getColumn(5).getInt64();
    c.currency = st.getColumn(6).getString();
    c.quotedTotalMinor = st.getColumn(7).getInt64();
    c.finalizedAt = optionalInt(st.getColumn(8));
    c.paymentState = st.getColumn(9).getString();
    c.paymentMethod = st.getColumn(10).getString();
    c.paidMinor = st.getColumn(11).getInt64();
    c.paidAt = optionalInt(st.getColumn(12));
    c.paymentReference = st.getColumn(13).getString();
    c.refundedMinor = st.getColumn(14).getInt64();
    c.refundedAt = optionalInt(st.getColumn(15));
    c.refundReason = st.getColumn(16).getString();
    c.createdAt = st.getColumn(17).getInt64();
    c.updatedAt = st.getColumn(18).getInt64();
    return c;
  }

  bool insertPaymentEvent(const PaymentEventRecord& e) override {
    SQLite::Statement st(db_, "INSERT OR IGNORE INTO payment_events (event_id, type, order_id, "
                              "outcome, received_at) VALUES (?, ?, ?, ?, ?)");
    st.bind(1, e.eventId);
    st.bind(2, e.type);
    st.bind(3, e.orderId);
    st.bind(4, e.outcome);
    st.bind(5, e.receivedAt);
    return st.exec() == 1;
  }

  std::optional<PaymentEventRecord> findPaymentEvent(const std::string& eventId) override {
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

  // Issue 4 — lifecycle

  std::optional<StoreLifecycleRecord> findStoreLifecycle(const std::string& storeId) override {
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

  void putStoreLifecycle(const StoreLifecycleRecord& r) override {
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

  std::optional<OrderLifecycleRecord> findOrderLifecycle(const std::string& orderId) override {
    SQLite::Statement st(db_, "SELECT order_id, store_id, wants_hold, hold_reason, pickup_code, "
                              "document_deleted_at FROM order_lifecycle WHERE order_id = ?");
    st.bind(1, orderId);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    OrderLifecycleRecord r;
    r.orderId = st.getColumn(0).getString();
    r.storeId = st.getColumn(1).getString();
    r.wantsHold = st.getColumn(2).getInt() != 0;
    r.holdReason = st.getColumn(3).getString();
    r.pickupCode = st.getColumn(4).getString();
    r.documentDeletedAt = optionalInt(st.getColumn(5));
    return r;
  }

  void putOrderLifecycle(const OrderLifecycleRecord& r) override {
    SQLite::Statement st(
        db_, "INSERT INTO order_lifecycle (order_id, store_id, wants_hold, hold_reason, "
             "pickup_code, document_deleted_at) VALUES (?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (order_id) DO UPDATE SET store_id = excluded.store_id, "
             "wants_hold = excluded.wants_hold, hold_reason = excluded.hold_reason, "
             "pickup_code = excluded.pickup_code, "
             "document_deleted_at = excluded.document_deleted_at");
    st.bind(1, r.orderId);
    st.bind(2, r.storeId);
    st.bind(3, r.wantsHold ? 1 : 0);
    st.bind(4, r.holdReason);
    st.bind(5, r.pickupCode);
    bindOptional(st, 6, r.documentDeletedAt);
    st.exec();
  }

  std::vector<OrderRecord> ordersWithPickupCode(const std::string& storeId,
                                                const std::string& pickupCode) override {
    SQLite::Statement st(db_, std::string("SELECT ") + kOrderColumnsOfO +
                                  " FROM order_lifecycle l JOIN orders o ON o.id = l.order_id "
                                  "WHERE l.store_id = ? AND l.pickup_code = ? "
                                  "AND o.state NOT IN ('cancelled', 'expired') "
                                  "AND (o.state NOT IN ('printed', 'failed') "
                                  "OR l.document_deleted_at IS NULL) "
                                  "ORDER BY o.created_at, o.id");
    st.bind(1, storeId);
    st.bind(2, pickupCode);
    std::vector<OrderRecord> out;
    while (st.executeStep()) {
      out.push_back(readOrder(st));
    }
    return out;
  }

  std::vector<OrderRecord> ordersInStateSince(const std::string& storeId, OrderState state,
                                              std::int64_t enteredAtOrBefore,
                                              bool storedDocumentOnly, int limit) override {
    SQLite::Statement st(
        db_, std::string("SELECT ") + kOrderColumnsOfO +
                 " FROM orders o WHERE o.store_id = ? AND o.state = ? "
                 "AND (? = 0 OR (o.document_size IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                 "order_lifecycle l WHERE l.order_id = o.id AND l.document_deleted_at IS NOT "
                 "NULL))) "
                 "AND COALESCE((SELECT MAX(h.at) FROM order_history h WHERE h.order_id = o.id "
                 "AND h.state = o.state), o.updated_at) <= ? "
                 "ORDER BY o.created_at, o.id LIMIT ?");
    st.bind(1, storeId);
    st.bind(2, std::string(toString(state)));
    st.bind(3, storedDocumentOnly ? 1 : 0);
    st.bind(4, enteredAtOrBefore);
    st.bind(5, limit);
    std::vector<OrderRecord> out;
    while (st.executeStep()) {
      out.push_back(readOrder(st));
    }
    return out;
  }

  std::vector<OrderRecord> listOrders(const OrderListQuery& q) override {
    std::string sql = std::string("SELECT ") + kOrderColumnsOfO + " FROM orders o WHERE 1 = 1";
    std::vector<std::function<void(SQLite::Statement&, int)>> binds;
    if (!q.customerId.empty()) {
      sql += " AND o.customer_id = ?";
      binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.customerId); });
    }
    if (!q.storeId.empty()) {
      sql += " AND o.store_id = ?";
      binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.storeId); });
    }
    if (!q.states.empty()) {
      sql += " AND o.state IN (";
      for (std::size_t i = 0; i < q.states.size(); ++i) {
        sql += i == 0 ? "?" : ", ?";
        binds.emplace_back([&q, i](SQLite::Statement& st, int n) {
          st.bind(n, std::string(toString(q.states[i])));
        });
      }
      sql += ")";
    }
    if (q.createdAfter) {
      sql += " AND o.created_at > ?";
      binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, *q.createdAfter); });
    }
    if (q.createdBefore) {
      sql += " AND o.created_at < ?";
      binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, *q.createdBefore); });
    }
    if (q.after) {
      // Row-value comparison: strictly after the cursor in the chosen order.
      sql += q.oldestFirst ? " AND (o.created_at, o.id) > (?, ?)"
                           : " AND (o.created_at, o.id) < (?, ?)";
      binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.after->first); });
      binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.after->second); });
    }
    sql += q.oldestFirst ? " ORDER BY o.created_at ASC, o.id ASC"
                         : " ORDER BY o.created_at DESC, o.id DESC";
    sql += " LIMIT ?";
    binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.limit); });
    SQLite::Statement st(db_, sql);
    for (std::size_t i = 0; i < binds.size(); ++i) {
      binds[i](st, static_cast<int>(i) + 1);
    }
    std::vector<OrderRecord> out;
    while (st.executeStep()) {
      out.push_back(readOrder(st));
    }
    return out;
  }

private:
  std::optional<UserRecord> userWhere(const char* column, const std::string& value) {
    SQLite::Statement st(db_, std::string("SELECT ") + kUserColumns + " FROM users WHERE " +
                                  column + " = ?");
    st.bind(1, value);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readUser(st);
  }

  std::optional<JobRecord> jobWhere(const char* column, const std::string& value) {
    SQLite::Statement st(db_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE " + column +
                                  " = ?");
    st.bind(1, value);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return readJob(st);
  }

  // Binds lease_id, lease_expires_at, agent_id, last_event_seq, spooler_job_id, printer.
  static void bindJobMutable(SQLite::Statement& st, int first, const JobRecord& j) {
    st.bind(first, j.leaseId);
    st.bind(first + 1, j.leaseExpiresAt);
    st.bind(first + 2, j.agentId);
    st.bind(first + 3, static_cast<std::int64_t>(j.lastEventSeq));
    bindOptional(st, first + 4,
                 j.spoolerJobId ? std::optional<std::int64_t>(*j.spoolerJobId) : std::nullopt);
    st.bind(first + 5, j.printer);
  }

  std::unique_lock<std::mutex> lock_;
  SQLite::Database& db_;
  SQLite::Transaction tx_;
};

} // namespace

SqliteStore::SqliteStore(const std::string& path)
    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
  db_.exec("PRAGMA foreign_keys = ON");
  db_.exec("PRAGMA busy_timeout = 5000");
  if (path != ":memory:") {
    SQLite::Statement wal(db_, "PRAGMA journal_mode = WAL");
    wal.executeStep();
    if (wal.getColumn(0).getString() != "wal") {
      throw Error("store_unavailable", "cannot switch " + path + " to WAL mode");
    }
  }
  db_.exec("PRAGMA synchronous = FULL");
  applyMigrations(db_, sqliteMigrations());
}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<StoreTransaction> SqliteStore::begin() {
  return std::make_unique<SqliteTransaction>(mutex_, db_);
}

int SqliteStore::schemaVersion() {
  std::lock_guard lock(mutex_);
  return appliedSchemaVersion(db_);
}

} // namespace printrelay::cloud
