#pragma once

#include "cloud/orders/order_service.h"
#include "cloud/storage/document_directory.h"
#include "cloud/storage/store.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay::cloud {

// The order lifecycle's settings and records around printing: whether an order waits for its
// customer, the stores' waiting windows, expiry of waiting orders (through the OrderService,
// order_service.h, the one writer of an order's state) and retention of the ciphertext.
// docs/architecture.md describes the rules. Every function that takes a StoreTransaction works
// inside the caller's transaction; the caller commits.

/// Why a held order waits: for its customer, who releases it with the pickup code…
inline constexpr std::string_view kHoldForPickup = "pickup";
/// …or for the shopkeeper, because the agent counted more pages than were quoted.
inline constexpr std::string_view kHoldForPageCount = "page_count";

/// The store's lifecycle settings; the defaults when it never set any.
StoreLifecycleRecord storeLifecycle(StoreTransaction& tx, const std::string& storeId);

/// The order's lifecycle record; a blank one (no hold, no code) when it has none.
OrderLifecycleRecord orderLifecycle(StoreTransaction& tx, const OrderRecord& order);

/// Records, when the order is created, whether it waits for its customer before printing:
/// `hold` when the customer said, else the store's hold_by_default.
void recordHoldChoice(StoreTransaction& tx, const OrderRecord& order, std::optional<bool> hold);

/// True for exactly six ASCII digits.
bool isPickupCode(std::string_view code);

/// In a transaction of its own: deletes the order's ciphertext when nothing needs it any more
/// (cancelled or expired, or printed or failed for longer than the store's retention) and
/// records document_deleted_at. True when it deleted it.
bool deleteDocumentIfDue(Store& store, DocumentDirectory& documents, const std::string& orderId,
                         std::int64_t now);

/// What one sweep did.
struct SweepResult {
  int expired = 0;          ///< waiting orders that ran past their store's window
  int documentsDeleted = 0; ///< ciphertext files deleted
};

/// The background sweep at `now`: expires awaiting_upload, awaiting_payment and held orders past
/// their store's window (history note, ciphertext deleted), and deletes the ciphertext of
/// cancelled and expired orders, and of printed and failed ones past the retention window.
/// Idempotent; each order in a transaction of its own, through OrderService with `hooks` (the
/// event streams learn of the expiries).
SweepResult sweepOrders(Store& store, DocumentDirectory& documents, std::int64_t now,
                        const OrderServiceHooks& hooks = {});

/// Adds the lifecycle fields to an order's JSON: "hold", "hold_reason", "pickup_code",
/// "expires_at" (waiting states) and document.deleted_at.
void addLifecycleJson(const OrderView& view, nlohmann::json& json);

/// The store's settings as the API shows them.
nlohmann::json storeLifecycleJson(const StoreLifecycleRecord& settings);

} // namespace printrelay::cloud
