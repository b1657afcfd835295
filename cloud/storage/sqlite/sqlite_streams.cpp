#include "cloud/storage/sqlite/sqlite_transaction.h"

namespace printrelay::cloud {

namespace {

inline constexpr Table kStreamEvents{
    "stream_events",
    column("id", &StreamEventRecord::id, ColumnKind::AssignedByStore),
    column("kind", &StreamEventRecord::kind),
    column("store_id", &StreamEventRecord::storeId),
    column("order_id", &StreamEventRecord::orderId),
    column("customer_id", &StreamEventRecord::customerId),
    column("state", &StreamEventRecord::state),
    column("data", &StreamEventRecord::dataJson),
    column("at", &StreamEventRecord::at),
};

inline constexpr Table kStreamTickets{
    "stream_tickets",
    column("ticket_hash", &StreamTicketRecord::ticketHash),
    column("user_id", &StreamTicketRecord::userId),
    column("session_id", &StreamTicketRecord::sessionId),
    column("path", &StreamTicketRecord::path),
    column("created_at", &StreamTicketRecord::createdAt),
    column("expires_at", &StreamTicketRecord::expiresAt),
    column("used_at", &StreamTicketRecord::usedAt),
};

} // namespace

std::int64_t SqliteTransaction::appendStreamEvent(const StreamEventRecord& e) {
  kStreamEvents.insert(db_, e);
  return db_.getLastInsertRowid();
}

std::vector<StreamEventRecord>
SqliteTransaction::streamEventsAfter(const StreamEventFilter& f, std::int64_t afterId, int limit) {
  if (!f.orderId.empty()) {
    return kStreamEvents.findAll(db_, "WHERE order_id = ? AND id > ? ORDER BY id LIMIT ?",
                                 f.orderId, afterId, limit);
  }
  if (!f.customerId.empty()) {
    return kStreamEvents.findAll(db_, "WHERE customer_id = ? AND id > ? ORDER BY id LIMIT ?",
                                 f.customerId, afterId, limit);
  }
  return kStreamEvents.findAll(db_, "WHERE store_id = ? AND id > ? ORDER BY id LIMIT ?", f.storeId,
                               afterId, limit);
}

std::int64_t SqliteTransaction::lastStreamEventId() {
  return selectInteger("SELECT MAX(id) FROM stream_events").value_or(0);
}

std::optional<StreamEventRecord> SqliteTransaction::lastAgentPresence(const std::string& storeId) {
  return kStreamEvents.findOne(db_,
                               "WHERE store_id = ? AND kind = 'agent' AND "
                               "state IN ('online', 'offline') ORDER BY id DESC LIMIT 1",
                               storeId);
}

void SqliteTransaction::insertStreamTicket(const StreamTicketRecord& t) {
  kStreamTickets.insert(db_, t);
}

std::optional<StreamTicketRecord>
SqliteTransaction::findStreamTicket(const std::string& ticketHash) {
  return kStreamTickets.findOne(db_, "WHERE ticket_hash = ?", ticketHash);
}

bool SqliteTransaction::markStreamTicketUsed(const std::string& ticketHash, std::int64_t at) {
  return execute("UPDATE stream_tickets SET used_at = ? WHERE ticket_hash = ? AND used_at IS NULL",
                 at, ticketHash) == 1;
}

void SqliteTransaction::deleteExpiredStreamTickets(std::int64_t now) {
  execute("DELETE FROM stream_tickets WHERE expires_at < ?", now);
}

} // namespace printrelay::cloud
