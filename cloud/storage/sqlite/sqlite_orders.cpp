#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"
#include "common/util/error.h"

#include <SQLiteCpp/Statement.h>

namespace printrelay::cloud {

void SqliteTransaction::insertOrder(const OrderRecord& o) {
  SQLite::Statement st(db_, std::string("INSERT INTO orders (") + kOrderColumns +
                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, o.id);
  st.bind(2, o.storeId);
  st.bind(3, o.customerId);
  st.bind(4, std::string(toString(o.state)));
  st.bind(5, o.optionsJson);
  st.bind(6, o.documentName);
  st.bind(7, o.contentType);
  bindOptional(st, 8, o.documentSize ? std::optional<std::int64_t>(*o.documentSize) : std::nullopt);
  st.bind(9, o.keyId);
  st.bind(10, o.createdAt);
  st.bind(11, o.updatedAt);
  st.exec();
}

std::optional<OrderRecord> SqliteTransaction::findOrder(const std::string& id) {
  SQLite::Statement st(db_, std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readOrder(st);
}

void SqliteTransaction::updateOrder(const OrderRecord& o) {
  SQLite::Statement st(db_, "UPDATE orders SET state = ?, options = ?, document_name = ?, "
                            "content_type = ?, document_size = ?, key_id = ?, updated_at = ? "
                            "WHERE id = ?");
  st.bind(1, std::string(toString(o.state)));
  st.bind(2, o.optionsJson);
  st.bind(3, o.documentName);
  st.bind(4, o.contentType);
  bindOptional(st, 5, o.documentSize ? std::optional<std::int64_t>(*o.documentSize) : std::nullopt);
  st.bind(6, o.keyId);
  st.bind(7, o.updatedAt);
  st.bind(8, o.id);
  if (st.exec() != 1) {
    throw Error("store_not_found", "no order " + o.id + " to update");
  }
}

void SqliteTransaction::appendOrderHistory(const OrderStateChange& c) {
  SQLite::Statement st(db_,
                       "INSERT INTO order_history (order_id, state, at, note) VALUES (?, ?, ?, ?)");
  st.bind(1, c.orderId);
  st.bind(2, std::string(toString(c.state)));
  st.bind(3, c.at);
  st.bind(4, c.note);
  st.exec();
}

std::vector<OrderStateChange> SqliteTransaction::orderHistory(const std::string& orderId) {
  SQLite::Statement st(
      db_, "SELECT order_id, state, at, note FROM order_history WHERE order_id = ? ORDER BY id");
  st.bind(1, orderId);
  std::vector<OrderStateChange> out;
  while (st.executeStep()) {
    OrderStateChange c;
    c.orderId = st.getColumn(0).getString();
    c.state = stateFrom(st.getColumn(1).getString());
    c.at = st.getColumn(2).getInt64();
    c.note = st.getColumn(3).getString();
    out.push_back(std::move(c));
  }
  return out;
}

void SqliteTransaction::putOrderPages(const OrderPagesRecord& p) {
  SQLite::Statement st(
      db_, "INSERT INTO order_pages (order_id, cloud_pages, client_pages, agent_pages, "
           "quoted_pages, source, agent_content_type, approved_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET "
           "cloud_pages = excluded.cloud_pages, client_pages = excluded.client_pages, "
           "agent_pages = excluded.agent_pages, quoted_pages = excluded.quoted_pages, "
           "source = excluded.source, agent_content_type = excluded.agent_content_type, "
           "approved_at = excluded.approved_at");
  const auto wide = [](const std::optional<int>& v) {
    return v ? std::optional<std::int64_t>(*v) : std::nullopt;
  };
  st.bind(1, p.orderId);
  bindOptional(st, 2, wide(p.cloudPages));
  bindOptional(st, 3, wide(p.clientPages));
  bindOptional(st, 4, wide(p.agentPages));
  bindOptional(st, 5, wide(p.quotedPages));
  st.bind(6, p.source);
  st.bind(7, p.agentContentType);
  bindOptional(st, 8, p.approvedAt);
  st.exec();
}

std::optional<OrderPagesRecord> SqliteTransaction::findOrderPages(const std::string& orderId) {
  SQLite::Statement st(db_, std::string("SELECT ") + kPagesColumns +
                                " FROM order_pages WHERE order_id = ?");
  st.bind(1, orderId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readOrderPages(st);
}

void SqliteTransaction::putOrderCharge(const OrderChargeRecord& c) {
  SQLite::Statement st(db_, std::string("INSERT OR REPLACE INTO order_charges (") + kChargeColumns +
                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, c.orderId);
  st.bind(2, c.priceListJson);
  st.bind(3, c.breakdownJson);
  st.bind(4, c.totalMinor);
  st.bind(5, c.currency);
  st.bind(6, c.quotedTotalMinor);
  bindOptional(st, 7, c.finalizedAt);
  st.bind(8, c.paymentState);
  st.bind(9, c.paymentMethod);
  st.bind(10, c.paidMinor);
  bindOptional(st, 11, c.paidAt);
  st.bind(12, c.paymentReference);
  st.bind(13, c.refundedMinor);
  bindOptional(st, 14, c.refundedAt);
  st.bind(15, c.refundReason);
  st.bind(16, c.createdAt);
  st.bind(17, c.updatedAt);
  st.exec();
}

std::optional<OrderChargeRecord> SqliteTransaction::findOrderCharge(const std::string& orderId) {
  SQLite::Statement st(db_, "SELECT " + qualified("c", kChargeColumns) + ", " + kChargePages +
                                " FROM order_charges c "
                                "LEFT JOIN order_pages p ON p.order_id = c.order_id "
                                "WHERE c.order_id = ?");
  st.bind(1, orderId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readOrderCharge(st);
}

std::optional<OrderLifecycleRecord>
SqliteTransaction::findOrderLifecycle(const std::string& orderId) {
  SQLite::Statement st(db_, std::string("SELECT ") + kOrderLifecycleColumns +
                                " FROM order_lifecycle WHERE order_id = ?");
  st.bind(1, orderId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  return readOrderLifecycle(st);
}

void SqliteTransaction::putOrderLifecycle(const OrderLifecycleRecord& r) {
  SQLite::Statement st(db_,
                       "INSERT INTO order_lifecycle (order_id, store_id, wants_hold, hold_reason, "
                       "pickup_code, document_deleted_at) VALUES (?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (order_id) DO UPDATE SET store_id = excluded.store_id, "
                       "wants_hold = excluded.wants_hold, hold_reason = excluded.hold_reason, "
                       "pickup_code = excluded.pickup_code, "
                       "document_deleted_at = excluded.document_deleted_at");
  st.bind(1, r.orderId);
  st.bind(2, r.storeId);
  st.bind(3, r.wantsHold ? 1 : 0);
  st.bind(4, r.holdReason);
  st.bind(5, r.pickupCode);
  bindOptional(st, 6, r.documentDeletedAt);
  st.exec();
}

std::vector<OrderRecord> SqliteTransaction::ordersWithPickupCode(const std::string& storeId,
                                                                 const std::string& pickupCode) {
  SQLite::Statement st(db_, std::string("SELECT ") + kOrderColumnsOfO +
                                " FROM order_lifecycle l JOIN orders o ON o.id = l.order_id "
                                "WHERE l.store_id = ? AND l.pickup_code = ? "
                                "AND o.state NOT IN ('cancelled', 'expired') "
                                "AND (o.state NOT IN ('printed', 'failed') "
                                "OR l.document_deleted_at IS NULL) "
                                "ORDER BY o.created_at, o.id");
  st.bind(1, storeId);
  st.bind(2, pickupCode);
  std::vector<OrderRecord> out;
  while (st.executeStep()) {
    out.push_back(readOrder(st));
  }
  return out;
}

std::vector<OrderRecord> SqliteTransaction::ordersInStateSince(const std::string& storeId,
                                                               OrderState state,
                                                               std::int64_t enteredAtOrBefore,
                                                               bool storedDocumentOnly, int limit) {
  SQLite::Statement st(
      db_, std::string("SELECT ") + kOrderColumnsOfO +
               " FROM orders o WHERE o.store_id = ? AND o.state = ? "
               "AND (? = 0 OR (o.document_size IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
               "order_lifecycle l WHERE l.order_id = o.id AND l.document_deleted_at IS NOT "
               "NULL))) "
               "AND COALESCE((SELECT MAX(h.at) FROM order_history h WHERE h.order_id = o.id "
               "AND h.state = o.state), o.updated_at) <= ? "
               "ORDER BY o.created_at, o.id LIMIT ?");
  st.bind(1, storeId);
  st.bind(2, std::string(toString(state)));
  st.bind(3, storedDocumentOnly ? 1 : 0);
  st.bind(4, enteredAtOrBefore);
  st.bind(5, limit);
  std::vector<OrderRecord> out;
  while (st.executeStep()) {
    out.push_back(readOrder(st));
  }
  return out;
}

} // namespace printrelay::cloud
