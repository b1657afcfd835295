#pragma once

#include "cloud/storage/store.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace printrelay::cloud {

/// Opens a backend from the part of the database URL after "scheme:".
using StoreOpener = std::function<std::unique_ptr<Store>(const std::string& location)>;

/// Registers a backend under a URL scheme ("sqlite", "postgresql"); a later registration of the
/// same scheme replaces the earlier one. The SQLite backend is always registered.
void registerStoreBackend(const std::string& scheme, StoreOpener opener);

/// The schemes that can be opened in this build.
std::vector<std::string> storeBackendSchemes();

/// Opens the store a database URL names, running its migrations: "sqlite:/path/cloud.db",
/// "sqlite::memory:". Throws Error{"config_invalid"} for an unknown scheme.
std::unique_ptr<Store> openStore(const std::string& url);

} // namespace printrelay::cloud
