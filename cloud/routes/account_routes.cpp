// Routes for accounts: registration with e-mail verification, login, refresh-token rotation,
// logout, password change and reset, deactivation.
#include "cloud/mail/outbox.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/log.h"
#include "common/util/text.h"

#include <algorithm>
#include <cctype>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

constexpr const char* kVerifyEmail = "verify_email";
constexpr const char* kResetPassword = "reset_password";

std::string clientAddress(const RequestContext& ctx) {
  return "addr:" + ctx.request.remoteAddress;
}

/// A password as typed at login: checked for type and size only (the hash decides the rest).
std::string givenPassword(const json& body, const std::string& field) {
  const auto it = body.find(field);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw ApiError(400, "invalid_request", "field '" + field + "' is required");
  }
  if (it->get_ref<const std::string&>().size() > 4 * kMaxPasswordChars) {
    throw ApiError(400, "invalid_request", "field '" + field + "' is too long");
  }
  return it->get<std::string>();
}

} // namespace

std::string emailField(const json& body) {
  std::string email = requiredString(body, "email", 254);
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = email.find('@');
  const bool shapeOk = at != std::string::npos && at > 0 &&
                       email.find('@', at + 1) == std::string::npos &&
                       email.find('.', at) != std::string::npos && email.back() != '.' &&
                       email.find("..") == std::string::npos;
  const bool charsOk = email.find_first_of(" <>()[]\\,;:\"") == std::string::npos;
  if (!shapeOk || !charsOk) {
    throw ApiError(400, "invalid_request", "field 'email' is not an e-mail address");
  }
  return email;
}

std::string newPasswordField(const json& body, const std::string& field) {
  const auto it = body.find(field);
  if (it == body.end() || !it->is_string()) {
    throw ApiError(400, "invalid_request",
                   "field '" + field + "' is required and must be a string");
  }
  const std::string& password = it->get_ref<const std::string&>();
  if (const std::string problem = passwordProblem(password); !problem.empty()) {
    throw ApiError(400, "weak_password", "field '" + field + "' " + problem);
  }
  return password;
}

std::string Api::verificationLink(const std::string& token) const {
  return publicUrl_ + "/api/v1/accounts/verify?token=" + token;
}

std::string Api::newAccountToken(StoreTransaction& tx, const std::string& userId,
                                 const std::string& purpose, std::int64_t ttl) {
  tx.retireAccountTokens(userId, purpose, now()); // only the newest link works
  const std::string token = randomToken(32);
  AccountTokenRecord record;
  record.tokenHash = sha256Hex(token);
  record.userId = userId;
  record.purpose = purpose;
  record.createdAt = now();
  record.expiresAt = record.createdAt + ttl;
  tx.insertAccountToken(record);
  return token;
}

UserRecord Api::callingUser(StoreTransaction& tx, const RequestContext& ctx) {
  if (!ctx.principal.isUser()) {
    throw ApiError(400, "no_account", "the operator token has no account; sign in as a user");
  }
  auto user = tx.findUser(ctx.principal.subject);
  if (!user) {
    throw ApiError(401, "account_deactivated", "this account no longer exists");
  }
  return *user;
}

json Api::tokenResponse(const UserRecord& user, const std::string& sessionId,
                        const std::string& refreshToken) {
  AccessClaims claims;
  const std::string access = accounts_.tokens.issue(user.id, user.role, sessionId, &claims);
  return {{"token_type", "Bearer"},
          {"access_token", access},
          {"expires_in", claims.expiresAt - claims.issuedAt},
          {"refresh_token", refreshToken},
          {"refresh_expires_in", settings_.refreshTokenTtlSeconds}};
}

json Api::startSession(StoreTransaction& tx, const UserRecord& user) {
  const std::int64_t t = now();
  SessionRecord session;
  session.id = newId("ses");
  session.userId = user.id;
  session.createdAt = t;
  session.expiresAt = t + settings_.sessionMaxSeconds;
  tx.insertSession(session);
  const std::string refreshToken = randomToken(32);
  tx.insertRefreshToken({sha256Hex(refreshToken), session.id, t,
                         std::min(t + settings_.refreshTokenTtlSeconds, session.expiresAt),
                         std::nullopt});
  return tokenResponse(user, session.id, refreshToken);
}

void Api::registerAccount(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  // "role" is accepted and ignored: registration only ever makes customers.
  rejectUnknownFields(body, {"email", "password", "name", "role"});
  const std::string email = emailField(body);
  const std::string password = newPasswordField(body, "password");
  const std::string name = nameField(body, "name", 200, NameRule::Refuse, false);
  takeOrRefuse(accountRequestsByAddress_, clientAddress(ctx), ctx, "too_many_requests",
               "too many account requests from this address");

  // Hash before looking: a taken address costs the same time as a new one, and the slow hash
  // runs outside the transaction.
  UserRecord user;
  user.id = newId("usr");
  user.email = email;
  user.role = "customer";
  user.name = name;
  user.passwordHash = accounts_.hasher.hash(password);
  user.createdAt = user.updatedAt = now();

  auto tx = store_.begin();
  if (const auto existing = tx->findUserByEmail(email); existing) {
    // Same answer as for a new address; the owner of the address learns by mail.
    std::string text = "Someone (perhaps you) tried to register a PrintRelay account for " + email +
                       ", which already has one.\n\n";
    if (!existing->emailVerifiedAt && !existing->deactivatedAt) {
      const std::string token =
          newAccountToken(*tx, existing->id, kVerifyEmail, settings_.verificationTokenTtlSeconds);
      text += "The address is not confirmed yet. To confirm it, open this link within " +
              spokenDuration(settings_.verificationTokenTtlSeconds) + ":\n\n  " +
              verificationLink(token) + "\n\nor run: printrelay verify " + token + "\n\n";
    } else {
      text += "If you forgot your password, ask for a reset: printrelay forgot-password\n\n";
    }
    text += "If this was not you, you can ignore this mail.\n";
    queueMail(*tx, email, "Your PrintRelay account", text, now());
  } else {
    tx->insertUser(user);
    const std::string token =
        newAccountToken(*tx, user.id, kVerifyEmail, settings_.verificationTokenTtlSeconds);
    queueMail(*tx, email, "Confirm your e-mail address for PrintRelay",
              "Welcome to PrintRelay!\n\nTo confirm your e-mail address, open this link within " +
                  spokenDuration(settings_.verificationTokenTtlSeconds) + ":\n\n  " +
                  verificationLink(token) + "\n\nor run: printrelay verify " + token +
                  "\n\nYou can order prints once the address is confirmed.\n"
                  "If you did not register, ignore this mail.\n",
              now());
    log::info("account " + user.id + " registered; verification mail queued");
  }
  commitAndWakeMail(*tx);
  replyJson(ctx.response, 202,
            {{"status", "verification_sent"},
             {"message", "check your e-mail: we sent a link to confirm the address"}});
}

void Api::verifyEmail(RequestContext& ctx) {
  std::string token;
  if (ctx.request.method == "GET") {
    token = ctx.request.queryValue("token");
  } else {
    const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
    rejectUnknownFields(body, {"token"});
    token = requiredString(body, "token", 200);
  }
  if (token.empty() || token.size() > 200) {
    throw ApiError(400, "invalid_request", "give the token from the verification mail");
  }
  const std::int64_t t = now();
  auto tx = store_.begin();
  const auto record = tx->findAccountToken(sha256Hex(token));
  if (!record || record->purpose != kVerifyEmail) {
    throw ApiError(400, "verification_invalid", "this verification link is not valid");
  }
  auto user = tx->findUser(record->userId);
  if (!user || user->deactivatedAt) {
    throw ApiError(400, "verification_invalid", "this verification link is not valid");
  }
  if (record->usedAt) {
    if (user->emailVerifiedAt) {
      replyJson(ctx.response, 200, {{"status", "already_verified"}, {"email", user->email}});
      return;
    }
    throw ApiError(400, "verification_invalid",
                   "this verification link was replaced by a newer one");
  }
  if (record->expiresAt <= t) {
    throw ApiError(410, "verification_expired",
                   "this verification link has expired; register again to get a new one");
  }
  tx->markAccountTokenUsed(record->tokenHash, t);
  if (!user->emailVerifiedAt) {
    user->emailVerifiedAt = t;
    user->updatedAt = t;
    tx->updateUser(*user);
  }
  tx->commit();
  log::info("account " + user->id + " verified its e-mail address");
  replyJson(ctx.response, 200, {{"status", "verified"}, {"email", user->email}});
}

void Api::requestPasswordReset(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"email"});
  const std::string email = emailField(body);
  takeOrRefuse(accountRequestsByAddress_, clientAddress(ctx), ctx, "too_many_requests",
               "too many account requests from this address");
  auto tx = store_.begin();
  if (const auto user = tx->findUserByEmail(email); user && !user->deactivatedAt) {
    const std::string token =
        newAccountToken(*tx, user->id, kResetPassword, settings_.resetTokenTtlSeconds);
    queueMail(*tx, email, "Reset your PrintRelay password",
              "Someone (perhaps you) asked to reset the password of your PrintRelay account.\n\n"
              "Your reset token, valid for " +
                  spokenDuration(settings_.resetTokenTtlSeconds) + " and usable once:\n\n  " +
                  token + "\n\nRun: printrelay reset-password " + token +
                  "\nor send it with a new password to " + publicUrl_ +
                  "/api/v1/accounts/password-reset/confirm\n\n"
                  "If this was not you, ignore this mail: your password stays as it is.\n",
              now());
  }
  commitAndWakeMail(*tx);
  replyJson(ctx.response, 202,
            {{"status", "reset_sent"},
             {"message", "if the address has an account, a reset token is on its way"}});
}

void Api::resetPassword(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"token", "new_password"});
  const std::string token = requiredString(body, "token", 200);
  const std::string password = newPasswordField(body, "new_password");
  const std::string hash = accounts_.hasher.hash(password);
  const std::int64_t t = now();
  auto tx = store_.begin();
  const auto record = tx->findAccountToken(sha256Hex(token));
  if (!record || record->purpose != kResetPassword || record->usedAt) {
    throw ApiError(400, "reset_token_invalid", "this reset token is not valid (or already used)");
  }
  if (record->expiresAt <= t) {
    throw ApiError(410, "reset_token_expired", "this reset token has expired; ask for a new one");
  }
  auto user = tx->findUser(record->userId);
  if (!user || user->deactivatedAt) {
    throw ApiError(400, "reset_token_invalid", "this reset token is not valid (or already used)");
  }
  tx->markAccountTokenUsed(record->tokenHash, t);
  user->passwordHash = hash;
  if (!user->emailVerifiedAt) {
    user->emailVerifiedAt = t; // the mail reached its owner
  }
  user->updatedAt = t;
  tx->updateUser(*user);
  const int revoked = tx->revokeUserSessions(user->id, t, "password reset");
  queueMail(*tx, user->email, "Your PrintRelay password was reset",
            "The password of your PrintRelay account was just reset and every session was "
            "signed out.\nIf this was not you, reset it again at once and tell us.\n",
            now());
  commitAndWakeMail(*tx);
  loginFailuresByAccount_.reset("acct:" + user->email);
  log::notice("account " + user->id + " reset its password; " + std::to_string(revoked) +
              " session(s) revoked");
  replyJson(ctx.response, 200, {{"status", "password_reset"}, {"sessions_revoked", revoked}});
}

void Api::login(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"email", "password"});
  const std::string email = emailField(body);
  const std::string password = givenPassword(body, "password");
  const std::string accountKey = "acct:" + email;
  const std::string addressKey = clientAddress(ctx);
  for (RateLimiter* limiter : {&loginFailuresByAccount_, &loginFailuresByAddress_}) {
    const std::string& key = limiter == &loginFailuresByAccount_ ? accountKey : addressKey;
    if (limiter->exhausted(key)) {
      throw ApiError::throttled("too_many_attempts", "too many failed logins",
                                limiter->retryAfter(key));
    }
  }

  std::optional<UserRecord> user;
  {
    auto tx = store_.begin();
    user = tx->findUserByEmail(email);
  }
  // The slow hash runs outside any transaction; an unknown address costs the same work.
  const bool matches = user && !user->passwordHash.empty()
                           ? accounts_.hasher.verify(user->passwordHash, password)
                           : accounts_.hasher.verifyDummy(password);
  if (!matches || user->deactivatedAt) {
    loginFailuresByAccount_.record(accountKey);
    loginFailuresByAddress_.record(addressKey);
    throw ApiError(401, "invalid_credentials", "wrong e-mail address or password");
  }
  loginFailuresByAccount_.reset(accountKey);

  auto tx = store_.begin();
  json reply = startSession(*tx, *user);
  reply["user"] = userWithStores(*tx, *user);
  tx->commit();
  replyJson(ctx.response, 200, reply);
}

void Api::refresh(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"refresh_token"});
  const std::string token = requiredString(body, "refresh_token", 200);
  const std::string hash = sha256Hex(token);
  const std::int64_t t = now();
  auto tx = store_.begin();
  const auto record = tx->findRefreshToken(hash);
  if (!record) {
    throw ApiError(401, "invalid_grant", "unknown refresh token");
  }
  const auto session = tx->findSession(record->sessionId);
  if (!session || session->revokedAt) {
    throw ApiError(401, "invalid_grant", "this session has ended; log in again");
  }
  if (record->usedAt || !tx->markRefreshTokenUsed(hash, t)) {
    // A used token came back: either the client or a thief holds a copy. End the whole family.
    tx->revokeSession(session->id, t, "refresh token reused");
    tx->commit();
    log::warning("session " + session->id + " of " + session->userId +
                 " revoked: a used refresh token was presented again");
    throw ApiError(401, "refresh_token_reused",
                   "this refresh token was already used; the session has been revoked");
  }
  if (record->expiresAt <= t || session->expiresAt <= t) {
    throw ApiError(401, "invalid_grant", "this refresh token has expired; log in again");
  }
  const auto user = tx->findUser(session->userId);
  if (!user || user->deactivatedAt) {
    throw ApiError(401, "account_deactivated", "this account has been deactivated");
  }
  const std::string next = randomToken(32);
  tx->insertRefreshToken({sha256Hex(next), session->id, t,
                          std::min(t + settings_.refreshTokenTtlSeconds, session->expiresAt),
                          std::nullopt});
  json reply = tokenResponse(*user, session->id, next);
  tx->commit();
  replyJson(ctx.response, 200, reply);
}

void Api::logout(RequestContext& ctx) {
  parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  if (!ctx.principal.isUser()) {
    throw ApiError(400, "no_account", "the operator token has no session to end");
  }
  auto tx = store_.begin();
  tx->denyAccessToken(ctx.principal.tokenId, ctx.principal.tokenExpiresAt);
  tx->revokeSession(ctx.principal.sessionId, now(), "logout");
  tx->commit();
  replyJson(ctx.response, 200, {{"status", "logged_out"}});
}

void Api::getMe(RequestContext& ctx) {
  if (!ctx.principal.isUser()) {
    replyJson(ctx.response, 200, {{"id", "admin"}, {"role", "admin"}, {"operator", true}});
    return;
  }
  auto tx = store_.beginRead();
  const UserRecord user = callingUser(*tx, ctx);
  replyJson(ctx.response, 200, userWithStores(*tx, user));
}

void Api::changePassword(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"current_password", "new_password"});
  const std::string current = givenPassword(body, "current_password");
  const std::string next = newPasswordField(body, "new_password");
  UserRecord user;
  {
    auto tx = store_.begin();
    user = callingUser(*tx, ctx);
  }
  const std::string accountKey = "acct:" + user.email;
  if (loginFailuresByAccount_.exhausted(accountKey)) {
    throw ApiError::throttled("too_many_attempts", "too many wrong passwords",
                              loginFailuresByAccount_.retryAfter(accountKey));
  }
  if (!accounts_.hasher.verify(user.passwordHash, current)) {
    loginFailuresByAccount_.record(accountKey);
    throw ApiError(403, "wrong_password", "the current password is wrong");
  }
  const std::string hash = accounts_.hasher.hash(next);
  const int revoked = changeOwnAccount(
      ctx, user, [&](UserRecord& fresh, std::int64_t) { fresh.passwordHash = hash; },
      "password changed", "Your PrintRelay password was changed",
      "The password of your PrintRelay account was just changed and every session was "
      "signed out.\nIf this was not you, reset your password at once.\n");
  log::notice("account " + user.id + " changed its password; " + std::to_string(revoked) +
              " session(s) revoked");
  replyJson(ctx.response, 200, {{"status", "password_changed"}, {"sessions_revoked", revoked}});
}

void Api::deactivateAccount(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"password"});
  const std::string password = givenPassword(body, "password");
  UserRecord user;
  {
    auto tx = store_.begin();
    user = callingUser(*tx, ctx);
  }
  if (!accounts_.hasher.verify(user.passwordHash, password)) {
    loginFailuresByAccount_.record("acct:" + user.email);
    throw ApiError(403, "wrong_password", "the password is wrong");
  }
  changeOwnAccount(
      ctx, user, [](UserRecord& fresh, std::int64_t at) { fresh.deactivatedAt = at; },
      "account deactivated", "Your PrintRelay account was deactivated",
      "Your PrintRelay account was deactivated at your request. Goodbye!\n");
  log::notice("account " + user.id + " deactivated by its owner");
  replyJson(ctx.response, 200, {{"status", "deactivated"}});
}

int Api::changeOwnAccount(const RequestContext& ctx, const UserRecord& user,
                          const std::function<void(UserRecord&, std::int64_t)>& change,
                          const std::string& why, const std::string& mailSubject,
                          const std::string& mailText) {
  const std::int64_t t = now();
  auto tx = store_.begin();
  auto fresh = tx->findUser(user.id);
  change(*fresh, t);
  fresh->updatedAt = t;
  tx->updateUser(*fresh);
  const int revoked = tx->revokeUserSessions(user.id, t, why);
  tx->denyAccessToken(ctx.principal.tokenId, ctx.principal.tokenExpiresAt);
  queueMail(*tx, user.email, mailSubject, mailText, t);
  commitAndWakeMail(*tx);
  return revoked;
}

void Api::commitAndWakeMail(StoreTransaction& tx) {
  tx.commit();
  accounts_.mailQueued();
}

} // namespace printrelay::cloud
