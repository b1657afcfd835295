#pragma once

#include "cloud/clock.h"
#include "cloud/store.h"

#include <cstdint>
#include <httplib.h>
#include <initializer_list>
#include <string>
#include <string_view>

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

/// The authenticated caller of one request.
struct Principal {
  Role role = Role::Anonymous;
  std::string subject; ///< customer id, agent id, "admin"; empty for anonymous
  std::string storeId; ///< the agent's (or shopkeeper's) store
};

/// The one place that turns "Authorization: Bearer …" into a Principal: the operator's admin
/// token, an agent's device credential (SHA-256 looked up, revoked agents refused) or a customer
/// token (SHA-256 looked up). Throws ApiError 401 for a malformed header, an unknown token or a
/// revoked credential; no header at all gives Role::Anonymous.
class Authenticator {
public:
  Authenticator(Store& store, std::string adminToken, Clock clock);

  Principal authenticate(const httplib::Request& request) const;

  /// Throws ApiError 401 "unauthorized" for an anonymous caller and 403 "forbidden" for a caller
  /// whose role is not in `allowed`.
  static void require(const Principal& principal, const RoleSet& allowed);

private:
  Store& store_;
  std::string adminToken_;
  Clock clock_;
};

} // namespace printrelay::cloud
