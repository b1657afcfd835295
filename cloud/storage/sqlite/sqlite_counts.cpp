#include "cloud/storage/sqlite/sqlite_transaction.h"

#include <SQLiteCpp/Statement.h>

namespace printrelay::cloud {

RecordCounts SqliteTransaction::countRecords(std::int64_t agentSeenSince) {
  RecordCounts counts;
  // orders_by_store_state covers the state: the count scans the index, not the table.
  SQLite::Statement states(db_, "SELECT state, COUNT(*) FROM orders GROUP BY state");
  while (states.executeStep()) {
    if (const auto state = parseOrderState(states.getColumn(0).getString())) {
      counts.ordersByState.emplace_back(*state, states.getColumn(1).getInt64());
    }
  }
  counts.agentsOnline = selectInteger("SELECT COUNT(*) FROM agents WHERE revoked_at IS NULL AND "
                                      "last_seen_at >= ?",
                                      agentSeenSince)
                            .value_or(0);
  // mail_outbox_due is a partial index over exactly these rows.
  counts.unsentMails =
      selectInteger("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL")
          .value_or(0);
  return counts;
}

} // namespace printrelay::cloud
