#include "cloud/auth.h"

#include "cloud/api_error.h"
#include "common/encoding.h"

namespace printrelay::cloud {

std::string_view toString(Role role) {
  switch (role) {
  case Role::Anonymous:
    return "anonymous";
  case Role::Customer:
    return "customer";
  case Role::Shopkeeper:
    return "shopkeeper";
  case Role::Admin:
    return "admin";
  case Role::Agent:
    return "agent";
  }
  return "anonymous";
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

Authenticator::Authenticator(Store& store, std::string adminToken, Clock clock)
    : store_(store), adminToken_(std::move(adminToken)), clock_(std::move(clock)) {}

Principal Authenticator::authenticate(const httplib::Request& request) const {
  if (!request.has_header("Authorization")) {
    return {};
  }
  if (request.get_header_value_count("Authorization") != 1) {
    throw ApiError(401, "invalid_credentials", "send exactly one Authorization header");
  }
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.compare(0, kScheme.size(), kScheme) != 0) {
    throw ApiError(401, "invalid_credentials", "the Authorization header must be 'Bearer <token>'");
  }
  const std::string token = header.substr(kScheme.size());
  if (token.size() > 256) {
    throw ApiError(401, "invalid_credentials", "unknown token");
  }
  if (!adminToken_.empty() && constantTimeEquals(token, adminToken_)) {
    return {Role::Admin, "admin", ""};
  }
  // Tokens are 256 random bits, so looking their SHA-256 up by equality reveals nothing useful.
  const std::string hash = sha256Hex(token);
  auto tx = store_.begin();
  if (auto agent = tx->findAgentByCredentialHash(hash); agent) {
    if (agent->revokedAt) {
      throw ApiError(401, "credential_revoked", "this agent's credential has been revoked");
    }
    tx->touchAgent(agent->id, clock_());
    tx->commit();
    return {Role::Agent, agent->id, agent->storeId};
  }
  if (auto customer = tx->findCustomerByTokenHash(hash); customer) {
    return {Role::Customer, customer->id, ""};
  }
  throw ApiError(401, "invalid_credentials", "unknown token");
}

void Authenticator::require(const Principal& principal, const RoleSet& allowed) {
  if (allowed.contains(principal.role)) {
    return;
  }
  if (principal.role == Role::Anonymous) {
    throw ApiError(401, "unauthorized", "this route needs an Authorization: Bearer credential");
  }
  throw ApiError(403, "forbidden",
                 "a " + std::string(toString(principal.role)) +
                     " credential cannot use this route");
}

} // namespace printrelay::cloud
