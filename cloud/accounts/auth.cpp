#include "cloud/accounts/auth.h"

#include "common/util/encoding.h"
#include "common/util/enum_names.h"
#include "common/util/error.h"

#include <algorithm>

namespace printrelay::cloud {

constexpr auto kRoleNames =
    enumNames(Role::Agent, {"anonymous", "customer", "shopkeeper", "admin", "agent"});

std::string_view toString(Role role) {
  return kRoleNames.name(role);
}

std::string RoleSet::describe() const {
  std::string out;
  for (Role r : {Role::Anonymous, Role::Customer, Role::Shopkeeper, Role::Admin, Role::Agent}) {
    if (contains(r)) {
      out += (out.empty() ? "" : ", ") + std::string(toString(r));
    }
  }
  return out;
}

std::optional<Role> userRoleFromString(std::string_view name) {
  const auto role = kRoleNames.parse(name);
  if (role == Role::Anonymous || role == Role::Agent) {
    return std::nullopt; // not roles a user account holds
  }
  return role;
}

bool Principal::managesStore(const std::string& id) const {
  if (role == Role::Admin) {
    return true;
  }
  return role == Role::Shopkeeper &&
         std::find(storeIds.begin(), storeIds.end(), id) != storeIds.end();
}

Authenticator::Authenticator(Store& store, std::string adminToken, TokenService& tokens,
                             Clock clock)
    : store_(store), adminToken_(std::move(adminToken)), tokens_(tokens), clock_(std::move(clock)) {
}

Principal Authenticator::authenticateUser(std::string_view token) const {
  const AccessClaims claims = tokens_.verify(token);
  auto tx = store_.beginRead();
  if (tx->isAccessTokenDenied(claims.tokenId)) {
    throw Error("token_revoked", "this access token has been revoked (logged out)");
  }
  const auto session = tx->findSession(claims.sessionId);
  if (!session || session->userId != claims.subject || session->revokedAt ||
      session->expiresAt <= clock_()) {
    throw Error("token_revoked", "this session has ended; log in again");
  }
  const auto user = tx->findUser(claims.subject);
  if (!user || user->deactivatedAt) {
    throw Error("account_deactivated", "this account has been deactivated");
  }
  const auto role = userRoleFromString(user->role);
  if (!role || user->role != claims.role) {
    // The role changed since the token was issued: make the client log in again.
    throw Error("token_revoked", "this account's role changed; log in again");
  }
  Principal p;
  p.role = *role;
  p.subject = user->id;
  p.sessionId = session->id;
  p.tokenId = claims.tokenId;
  p.tokenExpiresAt = claims.expiresAt;
  p.emailVerified = user->emailVerifiedAt.has_value();
  if (p.role == Role::Shopkeeper) {
    p.storeIds = tx->storesOfUser(user->id);
  }
  return p;
}

Principal Authenticator::authenticate(const std::vector<std::string>& authorization) const {
  if (authorization.empty()) {
    return {};
  }
  if (authorization.size() != 1) {
    throw Error("invalid_credentials", "send exactly one Authorization header");
  }
  const std::string& header = authorization.front();
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.compare(0, kScheme.size(), kScheme) != 0) {
    throw Error("invalid_credentials", "the Authorization header must be 'Bearer <token>'");
  }
  const std::string token = header.substr(kScheme.size());
  if (token.find('.') != std::string::npos) {
    return authenticateUser(token);
  }
  if (token.size() > 256) {
    throw Error("invalid_credentials", "unknown token");
  }
  if (!adminToken_.empty() && constantTimeEquals(token, adminToken_)) {
    Principal admin;
    admin.role = Role::Admin;
    admin.subject = "admin";
    admin.emailVerified = true;
    return admin;
  }
  // Tokens are 256 random bits, so looking their SHA-256 up by equality reveals nothing useful.
  const std::string hash = sha256Hex(token);
  // An agent's call is the one that writes (its last contact, which makes its store "online"),
  // so only this path takes a writer transaction.
  auto tx = store_.begin();
  if (auto agent = tx->findAgentByCredentialHash(hash); agent) {
    if (agent->revokedAt) {
      throw Error("credential_revoked", "this agent's credential has been revoked");
    }
    tx->touchAgent(agent->id, clock_());
    tx->commit();
    Principal p;
    p.role = Role::Agent;
    p.subject = agent->id;
    p.storeId = agent->storeId;
    return p;
  }
  throw Error("invalid_credentials", "unknown token");
}

void Authenticator::require(const Principal& principal, const RoleSet& allowed) {
  if (allowed.contains(principal.role)) {
    return;
  }
  if (principal.role == Role::Anonymous) {
    throw Error("unauthorized", "this route needs an Authorization: Bearer credential");
  }
  throw Error("forbidden",
              "a " + std::string(toString(principal.role)) + " credential cannot use this route");
}

} // namespace printrelay::cloud
