// The store command: the print shops, nearest first when a position is given.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/output.h"

#include <iomanip>
#include <iostream>

namespace printrelay::cli {

using nlohmann::json;

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
  const json stores = cloud.get(path, "", "listing stores");
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
              << fieldText(s, "address") << "\n";
  }
  return 0;
}

} // namespace printrelay::cli
