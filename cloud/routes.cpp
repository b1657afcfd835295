#include "cloud/routes.h"

namespace printrelay::cloud {

const std::vector<Route>& routeTable() {
  using R = Role;
  static const std::vector<Route> kRoutes = {
      {"GET", "/api/v1/health", {R::Anonymous}, "getHealth", &Api::health},
      {"POST", "/api/v1/customers/guest", {R::Anonymous}, "createGuestCustomer", &Api::createGuest},
      {"GET", "/api/v1/stores", {R::Anonymous}, "listStores", &Api::listStores},
      {"GET", "/api/v1/stores/{id}", {R::Anonymous}, "getStore", &Api::getStore},
      {"POST", "/api/v1/admin/stores", {R::Admin}, "createStore", &Api::createStore},
      {"POST",
       "/api/v1/shop/stores/{id}/enrollment-codes",
       {R::Admin, R::Shopkeeper},
       "createEnrollmentCode",
       &Api::createEnrollmentCode},
      {"POST", "/api/v1/admin/agents/{id}/revoke", {R::Admin}, "revokeAgent", &Api::revokeAgent},
      {"POST", "/api/v1/agent/enroll", {R::Anonymous}, "enrollAgent", &Api::enrollAgent},
      {"GET", "/api/v1/agent/jobs", {R::Agent}, "pollJobs", &Api::pollJobs},
      {"GET",
       "/api/v1/agent/jobs/{id}/document",
       {R::Agent},
       "getJobDocument",
       &Api::getJobDocument},
      {"POST", "/api/v1/agent/jobs/{id}/events", {R::Agent}, "postJobEvent", &Api::postJobEvent},
      {"GET", "/api/v1/agent/me", {R::Agent}, "getAgentMe", &Api::agentMe},
      {"PUT", "/api/v1/agent/printers", {R::Agent}, "reportPrinters", &Api::reportPrinters},
      {"POST", "/api/v1/agent/keys", {R::Agent}, "registerStoreKey", &Api::registerStoreKey},
      {"POST", "/api/v1/orders", {R::Customer}, "createOrder", &Api::createOrder},
      {"GET", "/api/v1/orders", {R::Customer}, "listOrders", &Api::listOrders},
      {"GET", "/api/v1/orders/{id}", {R::Customer}, "getOrder", &Api::getOrder},
      {"PUT",
       "/api/v1/orders/{id}/document",
       {R::Customer},
       "uploadDocument",
       &Api::uploadDocument},
  };
  return kRoutes;
}

std::string pathPattern(std::string_view path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      const auto close = path.find('}', i);
      out += "([^/]+)";
      i = close;
    } else if (path[i] == '.' || path[i] == '+' || path[i] == '(' || path[i] == ')' ||
               path[i] == '?' || path[i] == '*' || path[i] == '[' || path[i] == ']' ||
               path[i] == '\\' || path[i] == '^' || path[i] == '$' || path[i] == '|') {
      out += '\\';
      out += path[i];
    } else {
      out += path[i];
    }
  }
  return out;
}

} // namespace printrelay::cloud
