#include "cloud/storage/sqlite/sqlite_rows.h"
#include "cloud/storage/sqlite/sqlite_transaction.h"

#include <SQLiteCpp/Statement.h>
#include <functional>

namespace printrelay::cloud {
namespace {

/// The WHERE, ORDER BY and LIMIT of a page of orders (on the alias "o") and what they bind.
struct PageClauses {
  std::string sql;
  std::vector<std::function<void(SQLite::Statement&, int)>> binds;

  void bindAll(SQLite::Statement& st) const {
    for (std::size_t i = 0; i < binds.size(); ++i) {
      binds[i](st, static_cast<int>(i) + 1);
    }
  }
};

PageClauses pageClauses(const OrderListQuery& q) {
  PageClauses out{" WHERE 1 = 1", {}};
  auto& sql = out.sql;
  auto& binds = out.binds;
  if (!q.customerId.empty()) {
    sql += " AND o.customer_id = ?";
    binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.customerId); });
  }
  if (!q.storeId.empty()) {
    sql += " AND o.store_id = ?";
    binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.storeId); });
  }
  if (!q.states.empty()) {
    sql += " AND o.state IN (";
    for (std::size_t i = 0; i < q.states.size(); ++i) {
      sql += i == 0 ? "?" : ", ?";
      binds.emplace_back([&q, i](SQLite::Statement& st, int n) {
        st.bind(n, std::string(toString(q.states[i])));
      });
    }
    sql += ")";
  }
  if (q.createdAfter) {
    sql += " AND o.created_at > ?";
    binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, *q.createdAfter); });
  }
  if (q.createdBefore) {
    sql += " AND o.created_at < ?";
    binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, *q.createdBefore); });
  }
  if (q.after) {
    // Row-value comparison: strictly after the cursor in the chosen order.
    sql +=
        q.oldestFirst ? " AND (o.created_at, o.id) > (?, ?)" : " AND (o.created_at, o.id) < (?, ?)";
    binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.after->first); });
    binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.after->second); });
  }
  sql += q.oldestFirst ? " ORDER BY o.created_at ASC, o.id ASC"
                       : " ORDER BY o.created_at DESC, o.id DESC";
  sql += " LIMIT ?";
  binds.emplace_back([&](SQLite::Statement& st, int i) { st.bind(i, q.limit); });
  return out;
}

/// An order with everything its view shows, in one row: the current job and the order's pages,
/// charge and lifecycle by LEFT JOIN (NULL columns when there is none), its store's lifecycle
/// settings, and when it entered its state (its newest history entry for that state).
const std::string& orderViewSelect() {
  static const std::string sql =
      "SELECT " + kOrders.columns("o") + ", " + kJobs.columns("jobs") + ", " +
      kOrderPages.columns("p") + ", " + kOrderCharges.columns("c") + ", " +
      kOrderLifecycle.columns("l") + ", " + kStoreLifecycle.columns("s") +
      ", (SELECT h.at FROM order_history h WHERE h.order_id = o.id AND h.state = o.state "
      "ORDER BY h.id DESC LIMIT 1) "
      "FROM orders o "
      "LEFT JOIN jobs ON jobs.rowid = (SELECT MAX(newer.rowid) FROM jobs AS newer "
      "WHERE newer.order_id = o.id) "
      "LEFT JOIN order_pages p ON p.order_id = o.id "
      "LEFT JOIN order_charges c ON c.order_id = o.id "
      "LEFT JOIN order_lifecycle l ON l.order_id = o.id "
      "LEFT JOIN store_lifecycle s ON s.store_id = o.store_id";
  return sql;
}

/// Reads the next record of a row of orderViewSelect() into `out`, when its first column is not
/// NULL (the record was there), and moves `column` past its columns.
template <typename Record, typename Table>
void readJoined(SQLite::Statement& st, const Table& table, int& column,
                std::optional<Record>& out) {
  if (!st.getColumn(column).isNull()) {
    out = table.read(st, column);
  }
  column += table.size();
}

/// Reads a row of orderViewSelect().
OrderView readOrderView(SQLite::Statement& st) {
  OrderView v;
  v.order = kOrders.read(st);
  int column = kOrders.size();
  readJoined(st, kJobs, column, v.job);
  readJoined(st, kOrderPages, column, v.pages);
  readJoined(st, kOrderCharges, column, v.charge);
  readJoined(st, kOrderLifecycle, column, v.lifecycle);
  readJoined(st, kStoreLifecycle, column, v.storeLifecycle);
  readValue(st.getColumn(column), v.enteredStateAt);
  return v;
}

} // namespace

std::vector<OrderRecord> SqliteTransaction::listOrders(const OrderListQuery& q) {
  const PageClauses clauses = pageClauses(q);
  SQLite::Statement st(db_, "SELECT " + kOrders.columns("o") + " FROM orders o" + clauses.sql);
  clauses.bindAll(st);
  std::vector<OrderRecord> out;
  while (st.executeStep()) {
    out.push_back(kOrders.read(st));
  }
  return out;
}

std::vector<OrderView> SqliteTransaction::listOrderViews(const OrderListQuery& q) {
  const PageClauses clauses = pageClauses(q);
  SQLite::Statement st(db_, orderViewSelect() + clauses.sql);
  clauses.bindAll(st);
  std::vector<OrderView> out;
  while (st.executeStep()) {
    out.push_back(readOrderView(st));
  }
  for (auto& view : out) {
    addOutcomeReport(view);
  }
  return out;
}

void SqliteTransaction::addOutcomeReport(OrderView& view) {
  if (view.order.state != OrderState::OutcomeUnknown || !view.job || !view.job->lastEventSeq) {
    return;
  }
  if (const auto event = findJobEvent(view.job->id, view.job->lastEventSeq); event) {
    view.outcomeReportJson = event->payloadJson;
  }
}

std::optional<OrderView> SqliteTransaction::findOrderView(const std::string& orderId,
                                                          bool withHistory) {
  SQLite::Statement st(db_, orderViewSelect() + " WHERE o.id = ?");
  st.bind(1, orderId);
  if (!st.executeStep()) {
    return std::nullopt;
  }
  OrderView view = readOrderView(st);
  addOutcomeReport(view);
  if (withHistory) {
    view.history = orderHistory(orderId);
  }
  return view;
}

} // namespace printrelay::cloud
