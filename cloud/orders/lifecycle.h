#pragma once

#include "cloud/storage/document_directory.h"
#include "cloud/storage/store.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay::cloud {

// The order lifecycle around printing: waiting for the customer (hold and release by pickup
// code), reprints, cancellation, expiry of waiting orders, retention of the ciphertext, and the
// customer's notices. docs/architecture.md describes the rules. Every function that takes a
// StoreTransaction works inside the caller's transaction; the caller commits.

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

/// After intake (the document is stored) or payment: held with a pickup code when the order
/// wants to wait for its customer, else queued with a job an agent can take. Writes the whole
/// order record and its history; returns the new state. Throws Error{"illegal_transition"}.
OrderState enterWaitingOrQueue(StoreTransaction& tx, OrderRecord& order, std::int64_t now,
                               std::string_view note);

/// Moves the order to held for `reason` (kHoldForPickup gives it a pickup code if it has none;
/// kHoldForPageCount waits for the shopkeeper and cannot be released by code). A lease its job
/// holds ends. Throws Error{"illegal_transition"}.
void enterHold(StoreTransaction& tx, OrderRecord& order, std::int64_t now, std::string_view reason,
               std::string_view note);

/// Moves the order to queued with a job no agent holds: a new job when the order has none or
/// ended (a reprint), else its current job with the lease cleared. Clears the hold reason.
/// Throws Error{"illegal_transition"}.
void queueOrder(StoreTransaction& tx, OrderRecord& order, std::int64_t now, std::string_view note);

/// Called when an order became printed or failed: queues the customer's mail ("ready for
/// pickup" with the store's address and the pickup code, or the failure and its reason).
void onOrderEnded(StoreTransaction& tx, const OrderRecord& order, std::int64_t now);

/// Cancels the order (awaiting_upload, awaiting_payment, held, queued or dispatched; a lease
/// ends, so the agent's later events get 409). ApiError 409 "printing_started" once printing
/// began, 409 "illegal_transition" when it already ended otherwise. The caller deletes the
/// ciphertext after committing (deleteDocumentIfDue).
void cancelOrder(StoreTransaction& tx, OrderRecord& order, std::int64_t now, std::string_view note);

/// Queues a printed or failed order again under a new job. ApiError 409 "illegal_transition"
/// for any other state, 410 "document_gone" when its ciphertext was deleted.
void reprintOrder(StoreTransaction& tx, const DocumentDirectory& documents, OrderRecord& order,
                  std::int64_t now, std::string_view note);

/// True for exactly six ASCII digits.
bool isPickupCode(std::string_view code);

/// Releases the store's order held for pickup with `code`: held → queued; returns it. ApiError
/// 404 "pickup_code_not_found" when no order of the store waits with this code, 409
/// "held_for_page_count" when it waits for the shopkeeper's page approval instead.
OrderRecord releaseByPickupCode(StoreTransaction& tx, const std::string& storeId,
                                const std::string& code, std::int64_t now, std::string_view who);

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
/// Idempotent; each order in a transaction of its own.
SweepResult sweepOrders(Store& store, DocumentDirectory& documents, std::int64_t now);

/// Adds the lifecycle fields to an order's JSON: "hold", "hold_reason", "pickup_code",
/// "expires_at" (waiting states) and document.deleted_at.
void addLifecycleJson(const OrderView& view, nlohmann::json& json);

/// The store's settings as the API shows them.
nlohmann::json storeLifecycleJson(const StoreLifecycleRecord& settings);

} // namespace printrelay::cloud
