// The store command: the print shops, nearest first when a position is given, each with its
// published prices.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/order_render.h"
#include "cloud/cli/output.h"
#include "common/util/text.h"

#include <iomanip>
#include <iostream>

namespace printrelay::cli {

using nlohmann::json;

namespace {

/// The store's public price list (GET /stores/ID/prices), or null when it published none.
json storePrices(CloudSession& cloud, const std::string& storeId) {
  try {
    return cloud.get(kApi + "/stores/" + storeId + "/prices", "", "fetching the store's prices");
  } catch (const Error& e) {
    if (e.code() == "prices_not_set" || e.code() == "not_found") {
      return nullptr;
    }
    throw;
  }
}

/// A price list in one line: "b/w EUR 0.10, colour EUR 0.50 a side (A4); + 19% tax; pay after
/// printing".
std::string pricesText(const json& prices) {
  if (!prices.is_object()) {
    return "no prices published (the shop prices each order)";
  }
  const std::string currency = prices.value("currency", "");
  const int exponent = prices.value("currency_exponent", 2);
  const auto money = [&](std::int64_t minor) { return moneyText(minor, currency, exponent); };
  const json perSide = prices.value("per_side_minor", json::object());
  const json mono = perSide.value("monochrome", json::object());
  const json color = perSide.value("color", json::object());
  std::vector<std::string> parts{
      "b/w " + money(mono.value("default", std::int64_t{0})) + ", colour " +
      money(color.value("default", std::int64_t{0})) + " a side" +
      (mono.size() > 1 || color.size() > 1 ? " (other paper sizes differ)" : "")};
  if (const auto duplex = prices.value("duplex_per_sheet_minor", std::int64_t{0}); duplex > 0) {
    parts.push_back("two-sided " + money(duplex) + " a sheet more");
  }
  if (const auto copy = prices.value("per_copy_minor", std::int64_t{0}); copy > 0) {
    parts.push_back(money(copy) + " a copy");
  }
  if (const auto minimum = prices.value("minimum_order_minor", std::int64_t{0}); minimum > 0) {
    parts.push_back("at least " + money(minimum));
  }
  if (const auto tax = prices.value("tax_rate_bp", std::int64_t{0}); tax > 0) {
    // basis points as a percentage: 1900 "19", 750 "7.5", 725 "7.25"
    std::string percent = std::to_string(tax / 100);
    if (const auto cents = tax % 100; cents != 0) {
      percent += cents % 10 == 0 ? "." + std::to_string(cents / 10)
                                 : (cents < 10 ? ".0" : ".") + std::to_string(cents);
    }
    parts.push_back("+ " + percent + "% tax");
  }
  parts.push_back(prices.value("payment_policy", "") == "pay_first" ? "pay before printing"
                                                                    : "pay after printing");
  return joined(parts, "; ");
}

} // namespace

int listStores(CloudSession& cloud, const Arguments& args) {
  std::string path = kApi + "/stores";
  const auto lat = args.option("lat");
  const auto lon = args.option("lon");
  if (lat.has_value() != lon.has_value()) {
    throw UsageError("give both --lat and --lon, or neither");
  }
  if (lat) {
    path += "?lat=" + std::to_string(parseNumber(*lat, "--lat")) +
            "&lon=" + std::to_string(parseNumber(*lon, "--lon"));
  }
  json stores = cloud.get(path, "", "listing stores");
  for (auto& store : stores["stores"]) {
    store["prices"] = storePrices(cloud, store.value("id", ""));
  }
  if (args.json) {
    printJson(stores);
    return 0;
  }
  std::cout << std::left << std::setw(38) << "ID" << std::setw(8) << "ONLINE" << std::setw(10)
            << "KM"
            << "NAME / ADDRESS\n";
  for (const auto& s : stores.value("stores", json::array())) {
    std::cout << std::setw(38) << fieldText(s, "id") << std::setw(8)
              << (s.value("online", false) ? "yes" : "no") << std::setw(10)
              << fieldText(s, "distance_km") << fieldText(s, "name") << " / "
              << fieldText(s, "address") << "\n"
              << "  prices: " << pricesText(s["prices"]) << "\n";
  }
  return 0;
}

} // namespace printrelay::cli
