#pragma once

#include "cloud/orders/order_documents.h"
#include "cloud/storage/store.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

/// The JSON the API answers with for each kind of record, in one place. Each function renders
/// what it is given and reads nothing from the store; the handlers read the records first. The
/// order's pages, charge and lifecycle parts, the price list and the quote are rendered by the
/// order code that owns their rules (order_documents.h, payments.h, lifecycle.h, pricing.h).
namespace printrelay::cloud::render {

/// A printers report as stored (a JSON array) and when it came.
using PrintersReport = std::optional<std::pair<std::string, std::int64_t>>;

/// An order with its job, pages, charge and lifecycle; with its state history when asked.
nlohmann::json orderJson(const OrderView& view, bool withHistory);

/// A store as everyone sees it: name, place, whether its agent is online, whether it takes
/// orders (has a key).
nlohmann::json storeJson(const StoreRecord& store, bool online);

/// A store with its key, when its agent last called and its printers report.
nlohmann::json storeDetailJson(const StoreRecord& store, bool online,
                               std::optional<std::int64_t> lastSeenAt,
                               const PrintersReport& printers);

/// The printers of a report; an empty list when there is none or it is unreadable.
nlohmann::json printersJson(const PrintersReport& printers);

/// A store's price list with its payment policy; null when the store has none. Error
/// "store_corrupt" for a stored list that is not JSON.
nlohmann::json storePricesJson(const std::optional<StorePricesRecord>& prices);

/// A user account; `storeIds` (the stores a shopkeeper is assigned) is shown for shopkeepers.
nlohmann::json userJson(const UserRecord& user, const std::vector<std::string>& storeIds);

/// A store's print defaults and the names of the printers its agent reported.
nlohmann::json printDefaultsJson(const std::string& storeId,
                                 const std::optional<StorePrintDefaultsRecord>& defaults,
                                 const std::optional<std::vector<ReportedPrinter>>& printers);

} // namespace printrelay::cloud::render
