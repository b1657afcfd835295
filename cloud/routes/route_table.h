#pragma once

#include "cloud/accounts/auth.h"
#include "cloud/routes/api.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::cloud {

/// Whose data a route lets its callers touch: the ownership half of each route's access rule
/// (the roles are the other half). Named in docs/openapi.yaml as `x-printrelay-access`.
enum class Access : std::uint8_t {
  Public,         ///< "public": nothing that belongs to a caller
  Self,           ///< "self": the caller's own account and session only
  OwnOrders,      ///< "own-orders": a customer's own orders (others' look missing); admins any
  AssignedStores, ///< "assigned-stores": a shopkeeper's assigned stores (others 403); admins any
  AgentStore,     ///< "agent-store": the jobs of the agent's own store (others look missing)
  Operator,       ///< "operator": admins only, over everything
};

/// The names above, as in docs/openapi.yaml.
std::string_view toString(Access access);

/// How large a body a route takes; the server refuses a larger one (413) before reading it.
enum class BodyLimit : std::uint8_t {
  Json,          ///< Api::kMaxJsonBody
  PrinterReport, ///< Api::kMaxPrinterReport
  Document,      ///< the configured max_upload_bytes
};

/// One route of the HTTP API. The table (routeTable()) is the single definition: the server
/// registers from it and a test compares it with docs/openapi.yaml.
struct Route {
  std::string_view method;      ///< "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string_view path;        ///< OpenAPI style, e.g. "/api/v1/orders/{id}"
  RoleSet roles;                ///< who may call it; Anonymous means no credential is needed
  Access access;                ///< whose data it may touch
  std::string_view operationId; ///< as in docs/openapi.yaml
  void (Api::*handler)(RequestContext&);
  BodyLimit bodyLimit = BodyLimit::Json;
  /// false: the handler answers from memory without blocking, so the server may run it on an
  /// I/O thread (it answers while the worker pool is full).
  bool blocking = true;
  /// An event stream: besides the Authorization header it takes a single-use `?ticket=`
  /// (POST /api/v1/stream-tickets), since a browser's EventSource cannot send headers.
  bool streamTicket = false;
};

/// Every route of the API.
const std::vector<Route>& routeTable();

/// The route's path as a regular expression for a server's router: each {placeholder} becomes
/// one capture group of a single path segment.
std::string pathPattern(std::string_view path);

} // namespace printrelay::cloud
