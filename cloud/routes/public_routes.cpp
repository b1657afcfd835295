// Routes anyone may call: health, the store list, agent enrollment.
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/storage/ids.h"
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/util/log.h"
#include "common/util/version.h"
#include "common/wire/protocol.h"

#include <algorithm>
#include <cmath>
#include <regex>

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

/// A strict decimal number ("52.52", "-0.5", "13"): no exponent, hex, inf or nan.
std::optional<double> decimal(std::string_view text) {
  static const std::regex kDecimal(R"(^[+-]?([0-9]{1,3}(\.[0-9]{1,15})?|\.[0-9]{1,15})$)");
  const std::string s(text);
  if (!std::regex_match(s, kDecimal)) {
    return std::nullopt;
  }
  return std::stod(s);
}

/// ?near=LAT,LON; nullopt when absent.
std::optional<std::pair<double, double>> nearParam(const httplib::Request& request) {
  if (!request.has_param("near")) {
    return std::nullopt;
  }
  const std::string text = request.get_param_value("near");
  const auto comma = text.find(',');
  const auto lat = comma == std::string::npos ? std::nullopt : decimal(text.substr(0, comma));
  const auto lon = comma == std::string::npos ? std::nullopt : decimal(text.substr(comma + 1));
  if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
    throw ApiError(400, "invalid_request",
                   "query parameter 'near' must be LAT,LON in degrees (latitude -90..90, "
                   "longitude -180..180), e.g. near=52.52,13.405");
  }
  return std::make_pair(*lat, *lon);
}

/// ?limit=N (1..kMaxStoresListed); all when absent.
std::size_t limitParam(const httplib::Request& request, std::size_t max) {
  if (!request.has_param("limit")) {
    return max;
  }
  return static_cast<std::size_t>(wholeNumberParam("limit", request.get_param_value("limit"), 1,
                                                   static_cast<std::int64_t>(max)));
}

constexpr std::size_t kMaxStoresListed = 1000;

} // namespace

void Api::health(RequestContext& ctx) {
  replyJson(ctx.response, 200,
            {{"status", "ok"},
             {"version", std::string(version())},
             {"database", store_.backendName()},
             {"schema_version", store_.schemaVersion()}});
}

void Api::listStores(RequestContext& ctx) {
  auto lat = queryNumber(ctx.request, "lat", -90, 90);
  auto lon = queryNumber(ctx.request, "lon", -180, 180);
  if (lat.has_value() != lon.has_value()) {
    throw ApiError(400, "invalid_request", "give both 'lat' and 'lon', or neither");
  }
  if (const auto near = nearParam(ctx.request); near) {
    if (lat) {
      throw ApiError(400, "invalid_request", "give 'near' or 'lat' and 'lon', not both");
    }
    lat = near->first;
    lon = near->second;
  }
  const std::size_t limit = limitParam(ctx.request, kMaxStoresListed);
  auto tx = store_.beginRead();
  auto stores = tx->listStores();
  // Each store as a finder shows it: online state, its printers (what the agent reported,
  // abilities included) and its prices.
  const auto item = [&](const StoreRecord& s) {
    json j = storeJson(*tx, s, false);
    const auto printers = tx->storePrinters(s.id);
    j["printers"] = printers ? json::parse(printers->first, nullptr, false) : json::array();
    if (j["printers"].is_discarded()) {
      j["printers"] = json::array();
    }
    j["prices"] = storePricesJson(*tx, s.id);
    return j;
  };
  json list = json::array();
  if (lat) {
    std::vector<std::pair<double, const StoreRecord*>> byDistance;
    for (const auto& s : stores) {
      byDistance.emplace_back(distanceKm(*lat, *lon, s.latitude, s.longitude), &s);
    }
    std::stable_sort(byDistance.begin(), byDistance.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [km, s] : byDistance) {
      if (list.size() == limit) {
        break;
      }
      json j = item(*s);
      j["distance_km"] = std::round(km * 100) / 100;
      list.push_back(std::move(j));
    }
  } else {
    for (const auto& s : stores) {
      if (list.size() == limit) {
        break;
      }
      list.push_back(item(s));
    }
  }
  replyJson(ctx.response, 200, {{"stores", std::move(list)}});
}

void Api::getStore(RequestContext& ctx) {
  const std::string id = ctx.pathParam(0);
  auto tx = store_.beginRead();
  const StoreRecord store = existingStore(*tx, id);
  json reply = storeJson(*tx, store, true);
  reply["prices"] = storePricesJson(*tx, store.id);
  replyJson(ctx.response, 200, reply);
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
