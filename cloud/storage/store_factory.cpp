#include "cloud/storage/store_factory.h"

#include "cloud/storage/sqlite/sqlite_store.h"
#include "common/util/error.h"

#include <map>
#include <mutex>

namespace printrelay::cloud {
namespace {

struct Registry {
  Registry() {
    openers["sqlite"] = [](const std::string& location) -> std::unique_ptr<Store> {
      return std::make_unique<SqliteStore>(location);
    };
  }
  std::mutex mutex;
  std::map<std::string, StoreOpener> openers;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

} // namespace

void registerStoreBackend(const std::string& scheme, StoreOpener opener) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.openers[scheme] = std::move(opener);
}

std::vector<std::string> storeBackendSchemes() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [scheme, opener] : r.openers) {
    out.push_back(scheme);
  }
  return out;
}

std::unique_ptr<Store> openStore(const std::string& url) {
  const auto colon = url.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw Error("config_invalid",
                "database URL must start with a scheme, e.g. sqlite:/var/lib/printrelay/cloud.db");
  }
  const std::string scheme = url.substr(0, colon);
  std::string location = url.substr(colon + 1);
  if (location.rfind("//", 0) == 0) {
    location = location.substr(2);
  }
  StoreOpener opener;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    const auto it = r.openers.find(scheme);
    if (it == r.openers.end()) {
      std::string known;
      for (const auto& [name, o] : r.openers) {
        known += (known.empty() ? "" : ", ") + name;
      }
      throw Error("config_invalid", "database scheme '" + scheme +
                                        "' is not available in this build (available: " + known +
                                        ")");
    }
    opener = it->second;
  }
  if (location.empty()) {
    throw Error("config_invalid", "database URL '" + url + "' names no database");
  }
  return opener(scheme == "postgresql" || scheme == "postgres" ? url : location);
}

} // namespace printrelay::cloud
