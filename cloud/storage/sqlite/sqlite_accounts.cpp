#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

namespace printrelay::cloud {

void SqliteTransaction::insertUser(const UserRecord& u) {
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

std::optional<UserRecord> SqliteTransaction::findUser(const std::string& id) {
  return userWhere("id", id);
}

std::optional<UserRecord> SqliteTransaction::findUserByEmail(const std::string& email) {
  return userWhere("email", email);
}

std::vector<UserRecord> SqliteTransaction::listUsers() {
  SQLite::Statement st(db_, std::string("SELECT ") + kUserColumns +
                                " FROM users ORDER BY created_at, rowid");
  std::vector<UserRecord> out;
  while (st.executeStep()) {
    out.push_back(readUser(st));
  }
  return out;
}

void SqliteTransaction::updateUser(const UserRecord& u) {
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

void SqliteTransaction::assignStore(const std::string& userId, const std::string& storeId,
                                    std::int64_t at) {
  SQLite::Statement st(db_, "INSERT OR IGNORE INTO shopkeeper_stores (user_id, store_id, "
                            "assigned_at) VALUES (?, ?, ?)");
  st.bind(1, userId);
  st.bind(2, storeId);
  st.bind(3, at);
  st.exec();
}

bool SqliteTransaction::unassignStore(const std::string& userId, const std::string& storeId) {
  SQLite::Statement st(db_, "DELETE FROM shopkeeper_stores WHERE user_id = ? AND store_id = ?");
  st.bind(1, userId);
  st.bind(2, storeId);
  return st.exec() == 1;
}

std::vector<std::string> SqliteTransaction::storesOfUser(const std::string& userId) {
  SQLite::Statement st(
      db_, "SELECT store_id FROM shopkeeper_stores WHERE user_id = ? ORDER BY store_id");
  st.bind(1, userId);
  std::vector<std::string> out;
  while (st.executeStep()) {
    out.push_back(st.getColumn(0).getString());
  }
  return out;
}

void SqliteTransaction::insertSession(const SessionRecord& s) {
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

std::optional<SessionRecord> SqliteTransaction::findSession(const std::string& id) {
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

void SqliteTransaction::revokeSession(const std::string& id, std::int64_t at,
                                      const std::string& reason) {
  SQLite::Statement st(db_, "UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
                            "WHERE id = ? AND revoked_at IS NULL");
  st.bind(1, at);
  st.bind(2, reason);
  st.bind(3, id);
  st.exec();
}

int SqliteTransaction::revokeUserSessions(const std::string& userId, std::int64_t at,
                                          const std::string& reason) {
  SQLite::Statement st(db_, "UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
                            "WHERE user_id = ? AND revoked_at IS NULL");
  st.bind(1, at);
  st.bind(2, reason);
  st.bind(3, userId);
  return st.exec();
}

void SqliteTransaction::insertRefreshToken(const RefreshTokenRecord& t) {
  SQLite::Statement st(db_, "INSERT INTO refresh_tokens (token_hash, session_id, created_at, "
                            "expires_at, used_at) VALUES (?, ?, ?, ?, ?)");
  st.bind(1, t.tokenHash);
  st.bind(2, t.sessionId);
  st.bind(3, t.createdAt);
  st.bind(4, t.expiresAt);
  bindOptional(st, 5, t.usedAt);
  st.exec();
}

std::optional<RefreshTokenRecord>
SqliteTransaction::findRefreshToken(const std::string& tokenHash) {
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

bool SqliteTransaction::markRefreshTokenUsed(const std::string& tokenHash, std::int64_t at) {
  SQLite::Statement st(
      db_, "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
  st.bind(1, at);
  st.bind(2, tokenHash);
  return st.exec() == 1;
}

void SqliteTransaction::denyAccessToken(const std::string& jti, std::int64_t expiresAt) {
  SQLite::Statement st(
      db_, "INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)");
  st.bind(1, jti);
  st.bind(2, expiresAt);
  st.exec();
}

bool SqliteTransaction::isAccessTokenDenied(const std::string& jti) {
  SQLite::Statement st(db_, "SELECT 1 FROM revoked_access_tokens WHERE jti = ?");
  st.bind(1, jti);
  return st.executeStep();
}

void SqliteTransaction::insertAccountToken(const AccountTokenRecord& t) {
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

std::optional<AccountTokenRecord>
SqliteTransaction::findAccountToken(const std::string& tokenHash) {
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

bool SqliteTransaction::markAccountTokenUsed(const std::string& tokenHash, std::int64_t at) {
  SQLite::Statement st(
      db_, "UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
  st.bind(1, at);
  st.bind(2, tokenHash);
  return st.exec() == 1;
}

void SqliteTransaction::retireAccountTokens(const std::string& userId, const std::string& purpose,
                                            std::int64_t at) {
  SQLite::Statement st(db_, "UPDATE account_tokens SET used_at = ? "
                            "WHERE user_id = ? AND purpose = ? AND used_at IS NULL");
  st.bind(1, at);
  st.bind(2, userId);
  st.bind(3, purpose);
  st.exec();
}

std::int64_t SqliteTransaction::enqueueMail(const MailRecord& m) {
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

std::vector<MailRecord> SqliteTransaction::claimDueMails(std::int64_t now, std::int64_t claimUntil,
                                                         int limit) {
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

void SqliteTransaction::updateMail(const MailRecord& m) {
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

std::vector<MailRecord> SqliteTransaction::listMails() {
  SQLite::Statement st(db_,
                       std::string("SELECT ") + kMailColumns + " FROM mail_outbox ORDER BY id");
  std::vector<MailRecord> out;
  while (st.executeStep()) {
    out.push_back(readMail(st));
  }
  return out;
}

void SqliteTransaction::purgeExpired(std::int64_t now) {
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

std::optional<UserRecord> SqliteTransaction::userWhere(const char* column,
                                                       const std::string& value) {
  SQLite::Statement st(db_, std::string("SELECT ") + kUserColumns + " FROM users WHERE " + column +
                                " = ?");
  st.bind(1, value);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readUser(st);
}

} // namespace printrelay::cloud
