#pragma once

#include "cloud/accounts/token_service.h"
#include "cloud/storage/store.h"
#include "common/util/clock.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::cloud {

/// Who is calling.
enum class Role : std::uint8_t { Anonymous, Customer, Shopkeeper, Admin, Agent };

/// "anonymous", "customer", "shopkeeper", "admin", "agent" (as in docs/openapi.yaml).
std::string_view toString(Role role);

/// A set of roles (the callers a route admits).
class RoleSet {
public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) {
      bits_ |= bit(r);
    }
  }
  constexpr bool contains(Role role) const { return (bits_ & bit(role)) != 0; }
  /// The role names in enum order, comma separated.
  std::string describe() const;

private:
  static constexpr std::uint8_t bit(Role r) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(r));
  }
  std::uint8_t bits_ = 0;
};

/// The role a user record holds ("customer", "shopkeeper", "admin"); nullopt for anything else.
std::optional<Role> userRoleFromString(std::string_view name);

/// The authenticated caller of one request.
struct Principal {
  Role role = Role::Anonymous;
  std::string subject; ///< user id, agent id, "admin" (the operator token); empty for anonymous
  std::string storeId; ///< the agent's store
  std::vector<std::string> storeIds; ///< the stores a shopkeeper is assigned
  std::string sessionId;             ///< a user's session (refresh-token family)
  std::string tokenId;               ///< the access token's jti
  std::int64_t tokenExpiresAt = 0;
  bool emailVerified = false;

  /// Whether the caller signed in with an account (not the operator token, not an agent).
  bool isUser() const { return !sessionId.empty(); }
  /// Admins manage every store, shopkeepers the ones they are assigned.
  bool managesStore(const std::string& storeId) const;
};

/// The one place that turns "Authorization: Bearer …" into a Principal. A token with dots is a
/// JWT access token and nothing else: verified by the TokenService, then its jti must not be
/// revoked, its session must be live and its user active (role and stores come from the
/// database, never from the token). Any other token is the operator's admin token or an agent's
/// device credential (SHA-256 looked up, revoked agents refused). Throws Error (an
/// authentication code: invalid_credentials, token_revoked, …) for a malformed header or a token
/// that fails any check; no header at all gives Role::Anonymous.
class Authenticator {
public:
  Authenticator(Store& store, std::string adminToken, TokenService& tokens, Clock clock);

  /// The caller named by `authorization`, the values of the request's Authorization headers
  /// (none: anonymous; more than one: refused).
  Principal authenticate(const std::vector<std::string>& authorization) const;

  /// Throws Error "unauthorized" for an anonymous caller and "forbidden" for a caller whose role
  /// is not in `allowed`.
  static void require(const Principal& principal, const RoleSet& allowed);

private:
  Principal authenticateUser(std::string_view token) const;

  Store& store_;
  std::string adminToken_;
  TokenService& tokens_;
  Clock clock_;
};

} // namespace printrelay::cloud
