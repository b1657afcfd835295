#include "cloud/routes/route_table.h"

#include "common/util/enum_names.h"

namespace printrelay::cloud {

constexpr auto kAccessNames =
    enumNames(Access::Operator,
              {"public", "self", "own-orders", "assigned-stores", "agent-store", "operator"});

std::string_view toString(Access access) {
  return kAccessNames.name(access);
}

const std::vector<Route>& routeTable() {
  using R = Role;
  using A = Access;
  using B = BodyLimit;
  static const RoleSet kAnyone{R::Anonymous};
  static const RoleSet kUsers{R::Customer, R::Shopkeeper, R::Admin};
  static const RoleSet kShop{R::Shopkeeper, R::Admin};
  static const RoleSet kAdmin{R::Admin};
  static const RoleSet kAgent{R::Agent};
  static const RoleSet kCustomer{R::Customer};
  static const RoleSet kCustomerOrAdmin{R::Customer, R::Admin};
  static const std::vector<Route> kRoutes = {
      // anyone: health, the store finder, prices, quotes (public_routes.cpp)
      {"GET", "/api/v1/health", kAnyone, A::Public, "getHealth", &Api::health, B::Json, false},
      // operations: liveness, readiness, Prometheus metrics (public_routes.cpp)
      {"GET", "/healthz", kAnyone, A::Public, "getLiveness", &Api::liveness, B::Json, false},
      {"GET", "/readyz", kAnyone, A::Public, "getReadiness", &Api::readiness},
      {"GET", "/metrics", kAdmin, A::Operator, "getMetrics", &Api::metrics},
      {"GET", "/api/v1/stores", kAnyone, A::Public, "listStores", &Api::listStores},
      {"GET", "/api/v1/stores/{id}", kAnyone, A::Public, "getStore", &Api::getStore},
      {"GET", "/api/v1/stores/{id}/prices", kAnyone, A::Public, "getStorePrices",
       &Api::getStorePrices},
      {"POST", "/api/v1/quotes", kAnyone, A::Public, "createQuote", &Api::createQuote},
      // accounts: registration, e-mail verification, password reset, signing in
      // (account_routes.cpp)
      {"POST", "/api/v1/accounts", kAnyone, A::Public, "registerAccount", &Api::registerAccount},
      {"GET", "/api/v1/accounts/verify", kAnyone, A::Public, "verifyEmailLink", &Api::verifyEmail},
      {"POST", "/api/v1/accounts/verify", kAnyone, A::Public, "verifyEmail", &Api::verifyEmail},
      {"POST", "/api/v1/accounts/password-reset", kAnyone, A::Public, "requestPasswordReset",
       &Api::requestPasswordReset},
      {"POST", "/api/v1/accounts/password-reset/confirm", kAnyone, A::Public, "resetPassword",
       &Api::resetPassword},
      {"POST", "/api/v1/auth/login", kAnyone, A::Public, "login", &Api::login},
      {"POST", "/api/v1/auth/refresh", kAnyone, A::Public, "refreshSession", &Api::refresh},
      // any signed-in user, about their own account and session (account_routes.cpp)
      {"POST", "/api/v1/auth/logout", kUsers, A::Self, "logout", &Api::logout},
      {"GET", "/api/v1/me", kUsers, A::Self, "getMe", &Api::getMe},
      {"POST", "/api/v1/me/password", kUsers, A::Self, "changePassword", &Api::changePassword},
      {"POST", "/api/v1/me/deactivate", kUsers, A::Self, "deactivateAccount",
       &Api::deactivateAccount},
      // customers: their own orders; an admin may read any order and its receipt
      // (order_routes.cpp)
      {"POST", "/api/v1/orders", kCustomer, A::OwnOrders, "createOrder", &Api::createOrder},
      {"GET", "/api/v1/orders", kCustomer, A::OwnOrders, "listOrders", &Api::listOrders},
      // live event streams (stream_routes.cpp): before /orders/{id}, which would take "events"
      {"GET", "/api/v1/orders/events", kCustomer, A::OwnOrders, "streamOrderEvents",
       &Api::customerOrderEvents, B::Json, true, true},
      {"GET", "/api/v1/orders/{id}/events", kUsers, A::OwnOrders, "streamOrderEventsOfOrder",
       &Api::orderEvents, B::Json, true, true},
      {"POST", "/api/v1/stream-tickets", kUsers, A::Self, "createStreamTicket",
       &Api::createStreamTicket},
      {"GET", "/api/v1/orders/{id}", kCustomerOrAdmin, A::OwnOrders, "getOrder", &Api::getOrder},
      {"PUT", "/api/v1/orders/{id}/document", kCustomer, A::OwnOrders, "uploadDocument",
       &Api::uploadDocument, B::Document},
      {"POST", "/api/v1/orders/{id}/cancel", kCustomer, A::OwnOrders, "cancelOrder",
       &Api::cancelOwnOrder},
      {"GET", "/api/v1/orders/{id}/receipt", kCustomerOrAdmin, A::OwnOrders, "getOrderReceipt",
       &Api::getOrderReceipt},
      // shopkeepers (their assigned stores) and admins: a store's queue and settings, then its
      // orders (shop_routes.cpp)
      {"GET", "/api/v1/shop/stores/{id}/orders", kShop, A::AssignedStores, "listStoreOrders",
       &Api::listStoreOrders},
      {"GET", "/api/v1/shop/stores/{id}/events", kShop, A::AssignedStores, "streamStoreEvents",
       &Api::storeEvents, B::Json, true, true},
      {"GET", "/api/v1/shop/orders/{id}", kShop, A::AssignedStores, "getStoreOrder",
       &Api::getStoreOrder},
      {"POST", "/api/v1/shop/stores/{id}/enrollment-codes", kShop, A::AssignedStores,
       "createEnrollmentCode", &Api::createEnrollmentCode},
      {"GET", "/api/v1/shop/stores/{id}/print-defaults", kShop, A::AssignedStores,
       "getPrintDefaults", &Api::getPrintDefaults},
      {"PUT", "/api/v1/shop/stores/{id}/print-defaults", kShop, A::AssignedStores,
       "setPrintDefaults", &Api::setPrintDefaults},
      {"GET", "/api/v1/shop/stores/{id}/prices", kShop, A::AssignedStores, "getShopPrices",
       &Api::getShopPrices},
      {"PUT", "/api/v1/shop/stores/{id}/prices", kShop, A::AssignedStores, "putStorePrices",
       &Api::putStorePrices},
      {"GET", "/api/v1/shop/stores/{id}/settings", kShop, A::AssignedStores, "getStoreSettings",
       &Api::getStoreSettings},
      {"PUT", "/api/v1/shop/stores/{id}/settings", kShop, A::AssignedStores, "updateStoreSettings",
       &Api::updateStoreSettings},
      {"POST", "/api/v1/shop/stores/{id}/release", kShop, A::AssignedStores, "releaseStoreOrder",
       &Api::releaseStoreOrder},
      {"POST", "/api/v1/shop/orders/{id}/approve-pages", kShop, A::AssignedStores, "approvePages",
       &Api::approvePages},
      {"POST", "/api/v1/shop/orders/{id}/paid", kShop, A::AssignedStores, "markOrderPaid",
       &Api::markOrderPaid},
      {"POST", "/api/v1/shop/orders/{id}/cancel", kShop, A::AssignedStores, "cancelStoreOrder",
       &Api::cancelStoreOrder},
      {"POST", "/api/v1/shop/orders/{id}/resolve", kShop, A::AssignedStores, "resolveStoreOrder",
       &Api::resolveStoreOrder},
      {"POST", "/api/v1/shop/orders/{id}/reprint", kShop, A::AssignedStores, "reprintStoreOrder",
       &Api::reprintStoreOrder},
      // agents: enrollment with a one-time code, then their device credential
      // (agent_routes.cpp)
      {"POST", "/api/v1/agent/enroll", kAnyone, A::Public, "enrollAgent", &Api::enrollAgent},
      {"GET", "/api/v1/agent/me", kAgent, A::AgentStore, "getAgentMe", &Api::agentMe},
      {"PUT", "/api/v1/agent/printers", kAgent, A::AgentStore, "reportPrinters",
       &Api::reportPrinters, B::PrinterReport},
      {"POST", "/api/v1/agent/keys", kAgent, A::AgentStore, "registerStoreKey",
       &Api::registerStoreKey},
      {"POST", "/api/v1/agent/release", kAgent, A::AgentStore, "releaseOrderByAgent",
       &Api::releaseOrderByAgent},
      {"POST", "/api/v1/agent/orders/{id}/resolve", kAgent, A::AgentStore, "resolveOrderByAgent",
       &Api::resolveOrderByAgent},
      // agents: the job flow (agent_job_routes.cpp)
      {"GET", "/api/v1/agent/jobs", kAgent, A::AgentStore, "pollJobs", &Api::pollJobs},
      {"GET", "/api/v1/agent/jobs/{id}/document", kAgent, A::AgentStore, "getJobDocument",
       &Api::getJobDocument},
      {"POST", "/api/v1/agent/jobs/{id}/ack", kAgent, A::AgentStore, "ackJobOffer",
       &Api::ackJobOffer},
      {"POST", "/api/v1/agent/jobs/{id}/events", kAgent, A::AgentStore, "postJobEvent",
       &Api::postJobEvent},
      {"POST", "/api/v1/agent/jobs/{id}/reprint", kAgent, A::AgentStore, "reprintJob",
       &Api::reprintJob},
      // admins (admin_routes.cpp)
      {"GET", "/api/v1/admin/users", kAdmin, A::Operator, "listUsers", &Api::listUsers},
      {"POST", "/api/v1/admin/users", kAdmin, A::Operator, "createUser", &Api::createUser},
      {"POST", "/api/v1/admin/users/{id}/deactivate", kAdmin, A::Operator, "deactivateUser",
       &Api::deactivateUser},
      {"POST", "/api/v1/admin/stores", kAdmin, A::Operator, "createStore", &Api::createStore},
      {"PATCH", "/api/v1/admin/stores/{id}", kAdmin, A::Operator, "updateStore", &Api::updateStore},
      {"PUT", "/api/v1/admin/stores/{id}/shopkeepers/{user_id}", kAdmin, A::Operator,
       "assignShopkeeper", &Api::assignShopkeeper},
      {"DELETE", "/api/v1/admin/stores/{id}/shopkeepers/{user_id}", kAdmin, A::Operator,
       "unassignShopkeeper", &Api::unassignShopkeeper},
      {"POST", "/api/v1/admin/agents/{id}/revoke", kAdmin, A::Operator, "revokeAgent",
       &Api::revokeAgent},
      // the payment provider, by its signature (payment_webhook_routes.cpp)
      {"POST", "/api/v1/payments/webhook", kAnyone, A::Public, "paymentWebhook",
       &Api::paymentWebhook},
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
