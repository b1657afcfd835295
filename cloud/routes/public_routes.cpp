// Routes anyone may call without signing in: health, the store finder, one store, its prices,
// quotes.
#include "cloud/orders/order_documents.h"
#include "cloud/orders/pricing.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
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

std::optional<double> queryNumber(const HttpRequest& request, const char* name, double min,
                                  double max) {
  if (request.queryCount(name) == 0) {
    return std::nullopt;
  }
  const std::string text = request.queryValue(name);
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
std::optional<std::pair<double, double>> nearParam(const HttpRequest& request) {
  if (request.queryCount("near") == 0) {
    return std::nullopt;
  }
  const std::string text = request.queryValue("near");
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
std::size_t limitParam(const HttpRequest& request, std::size_t max) {
  if (request.queryCount("limit") == 0) {
    return max;
  }
  return static_cast<std::size_t>(
      wholeNumberParam("limit", request.queryValue("limit"), 1, static_cast<std::int64_t>(max)));
}

constexpr std::size_t kMaxStoresListed = 1000;

} // namespace

void Api::health(RequestContext& ctx) {
  replyJson(ctx.response, 200,
            {{"status", "ok"},
             {"version", std::string(version())},
             {"database", store_.backendName()},
             {"schema_version", schemaVersion_},
             {"max_upload_bytes", settings_.maxUploadBytes}});
}

void Api::liveness(RequestContext& ctx) {
  replyJson(ctx.response, 200, {{"status", "ok"}});
}

void Api::readiness(RequestContext& ctx) {
  try {
    replyJson(ctx.response, 200, {{"status", "ok"}, {"schema_version", store_.schemaVersion()}});
  } catch (const std::exception&) {
    throw ApiError(503, "not_ready", "the database does not answer");
  }
}

void Api::metrics(RequestContext& ctx) {
  ctx.response.status = 200;
  ctx.response.setBody(metricsSource_ ? metricsSource_() : std::string(),
                       "text/plain; version=0.0.4; charset=utf-8");
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
    json j = render::storeJson(s, isOnline(*tx, s.id));
    j["printers"] = render::printersJson(tx->storePrinters(s.id));
    j["prices"] = render::storePricesJson(tx->findStorePrices(s.id));
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
  json reply = storeDetail(*tx, store);
  reply["prices"] = render::storePricesJson(tx->findStorePrices(store.id));
  replyJson(ctx.response, 200, reply);
}

void Api::getStorePrices(RequestContext& ctx) {
  auto tx = store_.beginRead();
  const StoreRecord store = existingStore(*tx, ctx.pathParam(0));
  json prices = render::storePricesJson(tx->findStorePrices(store.id));
  if (prices.is_null()) {
    throw ApiError(404, "prices_not_set", "this store has not published prices");
  }
  prices["store_id"] = store.id;
  replyJson(ctx.response, 200, prices);
}

void Api::createQuote(RequestContext& ctx) {
  takeOrRefuse(quotesByAddress_, "addr:" + ctx.request.remoteAddress, ctx, "too_many_requests",
               "too many quotes from this address in the last hour");
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"store_id", "options", "pages"});
  const std::string storeId = requiredString(body, "store_id", 64);
  const auto optionsIt = body.find("options");
  const json customerOptions =
      optionsIt == body.end() || optionsIt->is_null() ? json::object() : *optionsIt;
  const int pages = static_cast<int>(requiredInteger(body, "pages", 1, protocol::kMaxPageNumber));
  auto tx = store_.beginRead();
  const StoreRecord store = existingStore(*tx, storeId);
  // The options as POST /orders would take them: over the shop's defaults, and only what the
  // store's printers can do.
  const protocol::PrintOptions options = optionsWithDefaults(customerOptions, *tx, store.id);
  checkOptionsAgainstStore(*tx, store.id, options);
  const auto prices = tx->findStorePrices(store.id);
  if (!prices) {
    throw ApiError(404, "prices_not_set", "this store has not published prices");
  }
  const Quote quote =
      priceQuote(priceListFromJson(json::parse(prices->priceListJson)), options, pages);
  json reply = quoteJson(quote);
  reply["store_id"] = store.id;
  reply["payment_policy"] = prices->paymentPolicy;
  replyJson(ctx.response, 200, reply);
}

} // namespace printrelay::cloud
