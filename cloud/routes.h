#pragma once

#include "cloud/api.h"
#include "cloud/auth.h"

#include <string>
#include <string_view>
#include <vector>

namespace printrelay::cloud {

/// One route of the HTTP API. The table (routeTable()) is the single definition: the server
/// registers from it and a test compares it with docs/openapi.yaml.
struct Route {
  std::string_view method;      ///< "GET", "POST", "PUT"
  std::string_view path;        ///< OpenAPI style, e.g. "/api/v1/orders/{id}"
  RoleSet roles;                ///< who may call it; Anonymous means no credential is needed
  std::string_view operationId; ///< as in docs/openapi.yaml
  void (Api::*handler)(RequestContext&);
};

/// Every route of the API.
const std::vector<Route>& routeTable();

/// The route's path as the regular expression cpp-httplib matches: each {placeholder} becomes
/// one capture group of a single path segment.
std::string pathPattern(std::string_view path);

} // namespace printrelay::cloud
