// Routes anyone may call: health, the store list, agent enrollment.
#include "cloud/api.h"
#include "cloud/api_error.h"
#include "cloud/ids.h"
#include "cloud/json_body.h"
#include "common/encoding.h"
#include "common/envelope.h"
#include "common/log.h"
#include "common/protocol.h"

#include <algorithm>
#include <cmath>

#ifndef PRINTRELAY_VERSION
#define PRINTRELAY_VERSION "0.0.0"
#endif

namespace printrelay::cloud {

using nlohmann::json;

namespace {

double distanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double dLat = (lat2 - lat1) * kRad;
  const double dLon = (lon2 - lon1) * kRad;
  const double a =
      std::sin(dLat / 2) * std::sin(dLat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dLon / 2) * std::sin(dLon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

std::optional<double> queryNumber(const httplib::Request& request, const char* name, double min,
                                  double max) {
  if (!request.has_param(name)) {
    return std::nullopt;
  }
  const std::string text = request.get_param_value(name);
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value) || value < min || value > max) {
    throw ApiError(400, "invalid_request",
                   std::string("query parameter '") + name + "' must be a number between " +
                       std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

} // namespace

void Api::health(RequestContext& ctx) {
  replyJson(ctx.response, 200,
            {{"status", "ok"},
             {"version", PRINTRELAY_VERSION},
             {"database", store_.backendName()},
             {"schema_version", store_.schemaVersion()}});
}

void Api::listStores(RequestContext& ctx) {
  const auto lat = queryNumber(ctx.request, "lat", -90, 90);
  const auto lon = queryNumber(ctx.request, "lon", -180, 180);
  if (lat.has_value() != lon.has_value()) {
    throw ApiError(400, "invalid_request", "give both 'lat' and 'lon', or neither");
  }
  auto tx = store_.begin();
  auto stores = tx->listStores();
  json list = json::array();
  if (lat) {
    std::vector<std::pair<double, const StoreRecord*>> byDistance;
    for (const auto& s : stores) {
      byDistance.emplace_back(distanceKm(*lat, *lon, s.latitude, s.longitude), &s);
    }
    std::stable_sort(byDistance.begin(), byDistance.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [km, s] : byDistance) {
      json j = storeJson(*tx, *s, false);
      j["distance_km"] = std::round(km * 100) / 100;
      list.push_back(std::move(j));
    }
  } else {
    for (const auto& s : stores) {
      list.push_back(storeJson(*tx, s, false));
    }
  }
  replyJson(ctx.response, 200, {{"stores", std::move(list)}});
}

void Api::getStore(RequestContext& ctx) {
  const std::string id = ctx.pathParam(0);
  auto tx = store_.begin();
  std::optional<StoreRecord> store;
  if (isWellFormedId(id)) {
    store = tx->findStore(id);
  }
  if (!store) {
    throw ApiError(404, "store_not_found", "no such store");
  }
  replyJson(ctx.response, 200, storeJson(*tx, *store, true));
}

void Api::enrollAgent(RequestContext& ctx) {
  const auto request =
      parseJsonObject(ctx.body.readAll(kMaxJsonBody)).get<protocol::EnrollRequest>();
  Bytes publicKey;
  try {
    publicKey = base64Decode(request.publicKey);
  } catch (const Error&) {
    publicKey.clear();
  }
  if (publicKey.size() != 32) {
    throw ApiError(400, "invalid_public_key",
                   "public_key must be the base64 of a 32-byte X25519 public key");
  }
  const std::int64_t t = now();
  const std::string codeHash = sha256Hex(request.code);
  auto tx = store_.begin();
  const auto code = tx->findEnrollmentCode(codeHash);
  if (!code) {
    throw ApiError(403, "enrollment_code_invalid", "unknown enrollment code");
  }
  if (code->usedAt) {
    throw ApiError(409, "enrollment_code_used", "this enrollment code has already been used");
  }
  if (code->expiresAt <= t) {
    throw ApiError(410, "enrollment_code_expired", "this enrollment code has expired");
  }
  const auto store = tx->findStore(code->storeId);
  if (!store) {
    throw ApiError(404, "store_not_found", "the code's store no longer exists");
  }
  AgentRecord agent;
  agent.id = newId("ag");
  agent.storeId = store->id;
  agent.name = request.agentName.empty() ? "agent" : request.agentName;
  agent.version = request.agentVersion;
  agent.publicKey = base64Encode(publicKey);
  agent.keyId = envelope::keyIdFor(publicKey);
  const std::string credential = randomToken(32);
  agent.credentialHash = sha256Hex(credential);
  agent.createdAt = t;
  agent.lastSeenAt = t;
  if (!tx->markEnrollmentCodeUsed(codeHash, t, agent.id)) {
    throw ApiError(409, "enrollment_code_used", "this enrollment code has already been used");
  }
  tx->insertAgent(agent);
  tx->setStoreKey(store->id, agent.publicKey, agent.keyId);
  tx->commit();
  log::notice("agent " + agent.id + " ('" + agent.name + "') enrolled for store " + store->id +
              " with key " + agent.keyId);

  protocol::EnrollResponse response;
  response.agentId = agent.id;
  response.storeId = store->id;
  response.storeName = store->name;
  response.keyId = agent.keyId;
  response.credential = credential;
  replyJson(ctx.response, 201, response);
}

} // namespace printrelay::cloud
