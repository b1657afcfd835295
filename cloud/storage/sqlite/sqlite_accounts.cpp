#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

namespace printrelay::cloud {

void SqliteTransaction::insertUser(const UserRecord& u) {
  try {
    kUsers.insert(db_, u);
  } catch (const SQLite::Exception& ex) {
    if (ex.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE &&
        std::string(ex.what()).find("users.email") != std::string::npos) {
      throw Error("duplicate_email", "the e-mail address is already registered");
    }
    throw;
  }
}

std::optional<UserRecord> SqliteTransaction::findUser(const std::string& id) {
  return kUsers.findOne(db_, "WHERE id = ?", id);
}

std::optional<UserRecord> SqliteTransaction::findUserByEmail(const std::string& email) {
  return kUsers.findOne(db_, "WHERE email = ?", email);
}

std::vector<UserRecord> SqliteTransaction::listUsers() {
  return kUsers.findAll(db_, "ORDER BY created_at, rowid");
}

void SqliteTransaction::updateUser(const UserRecord& u) {
  if (kUsers.update(db_, u,
                    {"name", "password_hash", "email_verified_at", "deactivated_at", "updated_at"},
                    "id") != 1) {
    throw Error("store_not_found", "no user " + u.id + " to update");
  }
}

void SqliteTransaction::assignStore(const std::string& userId, const std::string& storeId,
                                    std::int64_t at) {
  execute("INSERT OR IGNORE INTO shopkeeper_stores (user_id, store_id, assigned_at) "
          "VALUES (?, ?, ?)",
          userId, storeId, at);
}

bool SqliteTransaction::unassignStore(const std::string& userId, const std::string& storeId) {
  return execute("DELETE FROM shopkeeper_stores WHERE user_id = ? AND store_id = ?", userId,
                 storeId) == 1;
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
  kSessions.insert(db_, s);
}

std::optional<SessionRecord> SqliteTransaction::findSession(const std::string& id) {
  return kSessions.findOne(db_, "WHERE id = ?", id);
}

void SqliteTransaction::revokeSession(const std::string& id, std::int64_t at,
                                      const std::string& reason) {
  execute("UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
          "WHERE id = ? AND revoked_at IS NULL",
          at, reason, id);
}

int SqliteTransaction::revokeUserSessions(const std::string& userId, std::int64_t at,
                                          const std::string& reason) {
  return execute("UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
                 "WHERE user_id = ? AND revoked_at IS NULL",
                 at, reason, userId);
}

void SqliteTransaction::insertRefreshToken(const RefreshTokenRecord& t) {
  kRefreshTokens.insert(db_, t);
}

std::optional<RefreshTokenRecord>
SqliteTransaction::findRefreshToken(const std::string& tokenHash) {
  return kRefreshTokens.findOne(db_, "WHERE token_hash = ?", tokenHash);
}

bool SqliteTransaction::markRefreshTokenUsed(const std::string& tokenHash, std::int64_t at) {
  return execute("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                 at, tokenHash) == 1;
}

void SqliteTransaction::denyAccessToken(const std::string& jti, std::int64_t expiresAt) {
  execute("INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)", jti,
          expiresAt);
}

bool SqliteTransaction::isAccessTokenDenied(const std::string& jti) {
  SQLite::Statement st(db_, "SELECT 1 FROM revoked_access_tokens WHERE jti = ?");
  st.bind(1, jti);
  return st.executeStep();
}

void SqliteTransaction::insertAccountToken(const AccountTokenRecord& t) {
  kAccountTokens.insert(db_, t);
}

std::optional<AccountTokenRecord>
SqliteTransaction::findAccountToken(const std::string& tokenHash) {
  return kAccountTokens.findOne(db_, "WHERE token_hash = ?", tokenHash);
}

bool SqliteTransaction::markAccountTokenUsed(const std::string& tokenHash, std::int64_t at) {
  return execute("UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                 at, tokenHash) == 1;
}

void SqliteTransaction::retireAccountTokens(const std::string& userId, const std::string& purpose,
                                            std::int64_t at) {
  execute("UPDATE account_tokens SET used_at = ? "
          "WHERE user_id = ? AND purpose = ? AND used_at IS NULL",
          at, userId, purpose);
}

std::int64_t SqliteTransaction::enqueueMail(const MailRecord& m) {
  kMails.insert(db_, m);
  return db_.getLastInsertRowid();
}

std::vector<MailRecord> SqliteTransaction::claimDueMails(std::int64_t now, std::int64_t claimUntil,
                                                         int limit) {
  std::vector<MailRecord> out =
      kMails.findAll(db_,
                     "WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
                     "ORDER BY id LIMIT ?",
                     now, limit);
  for (auto& m : out) {
    m.nextAttemptAt = claimUntil;
    kMails.update(db_, m, {"next_attempt_at"}, "id");
  }
  return out;
}

void SqliteTransaction::updateMail(const MailRecord& m) {
  kMails.update(db_, m, {"attempts", "next_attempt_at", "sent_at", "failed_at", "last_error"},
                "id");
}

std::vector<MailRecord> SqliteTransaction::listMails() {
  return kMails.findAll(db_, "ORDER BY id");
}

void SqliteTransaction::purgeExpired(std::int64_t now) {
  execute("DELETE FROM revoked_access_tokens WHERE expires_at <= ?", now);
  execute("DELETE FROM refresh_tokens WHERE expires_at <= ?", now);
  execute("DELETE FROM account_tokens WHERE expires_at <= ?", now);
  execute("DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE "
          "expires_at <= ? OR revoked_at IS NOT NULL)",
          now);
  execute("DELETE FROM sessions WHERE expires_at <= ?", now - 86400);
  execute("DELETE FROM mail_outbox WHERE sent_at IS NOT NULL AND sent_at <= ?", now - 7 * 86400);
}

} // namespace printrelay::cloud
