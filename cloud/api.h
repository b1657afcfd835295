#pragma once

#include "cloud/auth.h"
#include "cloud/cloud_config.h"
#include "cloud/dispatch_hub.h"
#include "cloud/document_directory.h"
#include "cloud/request_body.h"
#include "cloud/store.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <string>

namespace printrelay::cloud {

/// Everything a handler gets for one request.
struct RequestContext {
  const httplib::Request& request;
  httplib::Response& response;
  const Principal& principal;
  RequestBody& body;

  /// The n-th {placeholder} of the route's path (0-based), as the client sent it.
  std::string pathParam(std::size_t index) const;
};

/// The handlers of the HTTP API, one member function per route of the route table
/// (routes.cpp). Handlers throw ApiError for anything the caller did wrong; the server's one
/// exception handler turns it into the JSON error response.
class Api {
public:
  Api(const CloudSettings& settings, Store& store, DispatchHub& hub, DocumentDirectory& documents);

  // anyone
  void health(RequestContext& ctx);
  void createGuest(RequestContext& ctx);
  void listStores(RequestContext& ctx);
  void getStore(RequestContext& ctx);
  void enrollAgent(RequestContext& ctx);
  // admin, shopkeeper
  void createStore(RequestContext& ctx);
  void createEnrollmentCode(RequestContext& ctx);
  void revokeAgent(RequestContext& ctx);
  // agent
  void pollJobs(RequestContext& ctx);
  void getJobDocument(RequestContext& ctx);
  void postJobEvent(RequestContext& ctx);
  // api_agent_control.cpp
  void agentMe(RequestContext& ctx);
  void reportPrinters(RequestContext& ctx);
  void registerStoreKey(RequestContext& ctx);
  // customer
  void createOrder(RequestContext& ctx);
  void listOrders(RequestContext& ctx);
  void getOrder(RequestContext& ctx);
  void uploadDocument(RequestContext& ctx);

  /// Largest JSON request body accepted.
  static constexpr std::size_t kMaxJsonBody = 64 * 1024;
  /// An agent seen within this many seconds makes its store "online".
  static constexpr std::int64_t kOnlineWindowSeconds = 90;

private:
  std::int64_t now() const { return settings_.clock(); }
  /// Returns the store's dispatched jobs whose lease ran out to the queue (history notes why).
  void expireLeases(StoreTransaction& tx, const std::string& storeId);
  /// Hands the next queued job of the store to `agentId` under a new lease, if there is one.
  std::optional<nlohmann::json> claimNextJob(const Principal& agent);
  bool isOnline(StoreTransaction& tx, const std::string& storeId);
  nlohmann::json storeJson(StoreTransaction& tx, const StoreRecord& store, bool withKey);
  nlohmann::json orderJson(StoreTransaction& tx, const OrderRecord& order, bool withHistory);
  /// The order if it exists and belongs to the calling customer; ApiError 404 otherwise.
  OrderRecord ownedOrder(StoreTransaction& tx, const RequestContext& ctx,
                         const std::string& orderId);
  /// The job if it exists and belongs to the calling agent's store; ApiError 404 otherwise.
  JobRecord agentJob(StoreTransaction& tx, const RequestContext& ctx, const std::string& jobId);

  const CloudSettings& settings_;
  Store& store_;
  DispatchHub& hub_;
  DocumentDirectory& documents_;
};

/// Sends a JSON response.
void replyJson(httplib::Response& response, int status, const nlohmann::json& body);

/// The media type of a Content-Type header value, lower-cased, without parameters.
std::string mediaTypeOf(const std::string& contentType);

/// The plaintext document types the cloud accepts (and seals on arrival).
bool isSupportedDocumentType(const std::string& mediaType);

} // namespace printrelay::cloud
