// docs/openapi.yaml documents exactly the routes the server registers, with the same callers and
// the same ownership rule (x-printrelay-access) for each.
#include "cloud/routes/route_table.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <sstream>

#ifndef PRINTRELAY_SOURCE_DIR
#error "PRINTRELAY_SOURCE_DIR must name the source tree"
#endif

namespace printrelay::cloud::testing {
namespace {

/// One operation as the OpenAPI file describes it.
struct DocumentedRoute {
  std::string method;
  std::string path;
  std::string operationId;
  std::set<std::string> roles;
  std::string access;             ///< x-printrelay-access
  bool anonymousSecurity = false; ///< "security: []"
  bool hasSecurity = false;       ///< some security requirement listed

  std::string key() const { return method + " " + path; }
};

std::set<std::string> splitList(const std::string& list) {
  std::set<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) {
      out.insert(item);
    }
  }
  return out;
}

/// Reads the `paths:` block of the file (block-style YAML as written in docs/openapi.yaml:
/// paths at two spaces, methods at four, operation keys at six).
std::vector<DocumentedRoute> documentedRoutes() {
  const std::string text =
      printrelay::testing::readFile(std::string(PRINTRELAY_SOURCE_DIR) + "/docs/openapi.yaml");
  static const std::regex kPath(R"(^  (/[^:\s]*):\s*$)");
  static const std::regex kMethod(R"(^    (get|put|post|delete|patch|head|options):\s*$)");
  static const std::regex kOperationId(R"(^      operationId:\s*(\S+)\s*$)");
  static const std::regex kRoles(R"(^      x-printrelay-roles:\s*\[(.*)\]\s*$)");
  static const std::regex kAccess(R"(^      x-printrelay-access:\s*(\S+)\s*$)");
  static const std::regex kSecurityNone(R"(^      security:\s*\[\]\s*$)");
  static const std::regex kSecurityItem(R"(^        - \w+:\s*\[\]\s*$)");
  std::vector<DocumentedRoute> routes;
  std::stringstream in(text);
  std::string line;
  bool inPaths = false;
  std::string path;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      inPaths = line.rfind("paths:", 0) == 0;
      continue;
    }
    if (!inPaths) {
      continue;
    }
    std::smatch m;
    if (std::regex_match(line, m, kPath)) {
      path = m[1];
    } else if (std::regex_match(line, m, kMethod)) {
      std::string method = m[1];
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      routes.push_back({method, path, "", {}, "", false, false});
    } else if (!routes.empty() && std::regex_match(line, m, kOperationId)) {
      routes.back().operationId = m[1];
    } else if (!routes.empty() && std::regex_match(line, m, kRoles)) {
      routes.back().roles = splitList(m[1]);
    } else if (!routes.empty() && std::regex_match(line, m, kAccess)) {
      routes.back().access = m[1];
    } else if (!routes.empty() && std::regex_match(line, kSecurityNone)) {
      routes.back().anonymousSecurity = true;
    } else if (!routes.empty() && std::regex_match(line, kSecurityItem)) {
      routes.back().hasSecurity = true;
    }
  }
  return routes;
}

std::set<std::string> rolesOf(const Route& route) {
  std::set<std::string> out;
  for (Role r : {Role::Anonymous, Role::Customer, Role::Shopkeeper, Role::Admin, Role::Agent}) {
    if (route.roles.contains(r)) {
      out.insert(std::string(toString(r)));
    }
  }
  return out;
}

TEST(OpenApiTest, DocumentsExactlyTheRouteTable) {
  const auto documented = documentedRoutes();
  ASSERT_FALSE(documented.empty()) << "no paths found in docs/openapi.yaml";
  std::set<std::string> inDocs;
  for (const auto& d : documented) {
    EXPECT_TRUE(inDocs.insert(d.key()).second) << "documented twice: " << d.key();
  }
  std::set<std::string> inTable;
  for (const auto& r : routeTable()) {
    inTable.insert(std::string(r.method) + " " + std::string(r.path));
  }
  for (const auto& key : inTable) {
    EXPECT_TRUE(inDocs.count(key)) << "served but not documented: " << key;
  }
  for (const auto& key : inDocs) {
    EXPECT_TRUE(inTable.count(key)) << "documented but not served: " << key;
  }
}

TEST(OpenApiTest, OperationIdsRolesAndSecurityMatch) {
  const auto documented = documentedRoutes();
  for (const auto& route : routeTable()) {
    const std::string key = std::string(route.method) + " " + std::string(route.path);
    const auto it = std::find_if(documented.begin(), documented.end(),
                                 [&](const DocumentedRoute& d) { return d.key() == key; });
    if (it == documented.end()) {
      continue; // reported by DocumentsExactlyTheRouteTable
    }
    EXPECT_EQ(it->operationId, route.operationId) << key;
    EXPECT_EQ(it->roles, rolesOf(route)) << key << " (x-printrelay-roles)";
    EXPECT_EQ(it->access, toString(route.access)) << key << " (x-printrelay-access)";
    if (route.roles.contains(Role::Anonymous)) {
      EXPECT_TRUE(it->anonymousSecurity) << key << " is public: needs 'security: []'";
    } else {
      EXPECT_TRUE(it->hasSecurity) << key << " needs a security requirement";
      EXPECT_FALSE(it->anonymousSecurity) << key;
    }
  }
}

TEST(OpenApiTest, AccessRulesFitTheRoles) {
  for (const auto& route : routeTable()) {
    const std::string key = std::string(route.method) + " " + std::string(route.path);
    switch (route.access) {
    case Access::Public:
      EXPECT_TRUE(route.roles.contains(Role::Anonymous)) << key;
      break;
    case Access::Self:
    case Access::OwnOrders:
      EXPECT_FALSE(route.roles.contains(Role::Anonymous)) << key;
      EXPECT_FALSE(route.roles.contains(Role::Agent)) << key;
      break;
    case Access::AssignedStores:
      EXPECT_TRUE(route.roles.contains(Role::Shopkeeper)) << key;
      EXPECT_FALSE(route.roles.contains(Role::Customer)) << key;
      break;
    case Access::AgentStore:
      EXPECT_TRUE(route.roles.contains(Role::Agent)) << key;
      EXPECT_FALSE(route.roles.contains(Role::Customer) || route.roles.contains(Role::Admin) ||
                   route.roles.contains(Role::Shopkeeper))
          << key;
      break;
    case Access::Operator:
      EXPECT_TRUE(route.roles.contains(Role::Admin)) << key;
      EXPECT_FALSE(route.roles.contains(Role::Customer) || route.roles.contains(Role::Shopkeeper) ||
                   route.roles.contains(Role::Agent) || route.roles.contains(Role::Anonymous))
          << key;
      break;
    }
  }
}

TEST(OpenApiTest, EveryApiRouteIsUnderApiV1AndPatternsMatchTheirPaths) {
  // The operations' probes and metrics sit at the root, where their tools look for them.
  const std::set<std::string> operations{"/healthz", "/readyz", "/metrics"};
  for (const auto& route : routeTable()) {
    const std::string path(route.path);
    EXPECT_TRUE(path.rfind("/api/v1/", 0) == 0 || operations.contains(path)) << path;
    std::string sample = std::regex_replace(path, std::regex(R"(\{[a-z_]+\})"), "x_1");
    EXPECT_TRUE(std::regex_match(sample, std::regex(pathPattern(path)))) << path;
    EXPECT_FALSE(std::regex_match(path + "/extra", std::regex(pathPattern(path)))) << path;
  }
}

} // namespace
} // namespace printrelay::cloud::testing
