#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>

namespace printrelay::cloud {

void SqliteTransaction::insertOrder(const OrderRecord& o) {
  kOrders.insert(db_, o);
}

std::optional<OrderRecord> SqliteTransaction::findOrder(const std::string& id) {
  return kOrders.findOne(db_, "WHERE id = ?", id);
}

void SqliteTransaction::updateOrder(const OrderRecord& o) {
  if (kOrders.update(db_, o,
                     {"state", "options", "document_name", "content_type", "document_size",
                      "key_id", "updated_at"},
                     "id") != 1) {
    throw Error("store_not_found", "no order " + o.id + " to update");
  }
}

void SqliteTransaction::appendOrderHistory(const OrderStateChange& c) {
  kOrderHistory.insert(db_, c);
}

std::vector<OrderStateChange> SqliteTransaction::orderHistory(const std::string& orderId) {
  return kOrderHistory.findAll(db_, "WHERE order_id = ? ORDER BY id", orderId);
}

void SqliteTransaction::putOrderPages(const OrderPagesRecord& p) {
  kOrderPages.upsert(db_, p, "order_id");
}

std::optional<OrderPagesRecord> SqliteTransaction::findOrderPages(const std::string& orderId) {
  return kOrderPages.findOne(db_, "WHERE order_id = ?", orderId);
}

void SqliteTransaction::putOrderCharge(const OrderChargeRecord& c) {
  kOrderCharges.insert(db_, c, "INSERT OR REPLACE");
}

std::optional<OrderChargeRecord> SqliteTransaction::findOrderCharge(const std::string& orderId) {
  return kOrderCharges.findOne(db_, "WHERE c.order_id = ?", orderId);
}

std::optional<OrderLifecycleRecord>
SqliteTransaction::findOrderLifecycle(const std::string& orderId) {
  return kOrderLifecycle.findOne(db_, "WHERE order_id = ?", orderId);
}

void SqliteTransaction::putOrderLifecycle(const OrderLifecycleRecord& r) {
  kOrderLifecycle.upsert(db_, r, "order_id");
}

std::vector<OrderRecord> SqliteTransaction::ordersWithPickupCode(const std::string& storeId,
                                                                 const std::string& pickupCode) {
  return kOrders.findAll(db_,
                         "JOIN order_lifecycle l ON l.order_id = orders.id "
                         "WHERE l.store_id = ? AND l.pickup_code = ? "
                         "AND orders.state NOT IN ('cancelled', 'expired') "
                         "AND (orders.state NOT IN ('printed', 'failed') "
                         "OR l.document_deleted_at IS NULL) "
                         "ORDER BY orders.created_at, orders.id",
                         storeId, pickupCode);
}

std::vector<OrderRecord> SqliteTransaction::ordersInStateSince(const std::string& storeId,
                                                               OrderState state,
                                                               std::int64_t enteredAtOrBefore,
                                                               bool storedDocumentOnly, int limit) {
  return kOrders.findAll(
      db_,
      "WHERE orders.store_id = ? AND orders.state = ? "
      "AND (? = 0 OR (orders.document_size IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
      "order_lifecycle l WHERE l.order_id = orders.id AND l.document_deleted_at IS NOT NULL))) "
      "AND COALESCE((SELECT MAX(h.at) FROM order_history h WHERE h.order_id = orders.id "
      "AND h.state = orders.state), orders.updated_at) <= ? "
      "ORDER BY orders.created_at, orders.id LIMIT ?",
      storeId, std::string(toString(state)), storedDocumentOnly ? 1 : 0, enteredAtOrBefore, limit);
}

} // namespace printrelay::cloud
