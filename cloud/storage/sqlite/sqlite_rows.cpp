#include "cloud/storage/sqlite/sqlite_rows.h"

#include "common/util/error.h"

namespace printrelay::cloud {

std::optional<std::int64_t> optionalInt(const SQLite::Column& column) {
  if (column.isNull()) {
    return std::nullopt;
  }
  return column.getInt64();
}

void bindOptional(SQLite::Statement& st, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    st.bind(index, *value);
  } else {
    st.bind(index);
  }
}

OrderState stateFrom(const std::string& name) {
  const auto state = parseOrderState(name);
  if (!state) {
    throw Error("store_corrupt", "unknown order state '" + name + "' in the database");
  }
  return *state;
}

StoreRecord readStore(SQLite::Statement& st) {
  StoreRecord s;
  s.id = st.getColumn(0).getString();
  s.name = st.getColumn(1).getString();
  s.address = st.getColumn(2).getString();
  s.latitude = st.getColumn(3).getDouble();
  s.longitude = st.getColumn(4).getDouble();
  s.publicKey = st.getColumn(5).getString();
  s.keyId = st.getColumn(6).getString();
  s.createdAt = st.getColumn(7).getInt64();
  return s;
}

AgentRecord readAgent(SQLite::Statement& st) {
  AgentRecord a;
  a.id = st.getColumn(0).getString();
  a.storeId = st.getColumn(1).getString();
  a.name = st.getColumn(2).getString();
  a.version = st.getColumn(3).getString();
  a.publicKey = st.getColumn(4).getString();
  a.keyId = st.getColumn(5).getString();
  a.credentialHash = st.getColumn(6).getString();
  a.createdAt = st.getColumn(7).getInt64();
  a.revokedAt = optionalInt(st.getColumn(8));
  a.lastSeenAt = optionalInt(st.getColumn(9));
  return a;
}

OrderRecord readOrder(SQLite::Statement& st, int first) {
  OrderRecord o;
  o.id = st.getColumn(first).getString();
  o.storeId = st.getColumn(first + 1).getString();
  o.customerId = st.getColumn(first + 2).getString();
  o.state = stateFrom(st.getColumn(first + 3).getString());
  o.optionsJson = st.getColumn(first + 4).getString();
  o.documentName = st.getColumn(first + 5).getString();
  o.contentType = st.getColumn(first + 6).getString();
  if (const auto size = optionalInt(st.getColumn(first + 7)); size) {
    o.documentSize = static_cast<std::uint64_t>(*size);
  }
  o.keyId = st.getColumn(first + 8).getString();
  o.createdAt = st.getColumn(first + 9).getInt64();
  o.updatedAt = st.getColumn(first + 10).getInt64();
  return o;
}

UserRecord readUser(SQLite::Statement& st) {
  UserRecord u;
  u.id = st.getColumn(0).getString();
  u.email = st.getColumn(1).isNull() ? std::string() : st.getColumn(1).getString();
  u.role = st.getColumn(2).getString();
  u.name = st.getColumn(3).getString();
  u.passwordHash = st.getColumn(4).getString();
  u.emailVerifiedAt = optionalInt(st.getColumn(5));
  u.deactivatedAt = optionalInt(st.getColumn(6));
  u.createdAt = st.getColumn(7).getInt64();
  u.updatedAt = st.getColumn(8).getInt64();
  return u;
}

MailRecord readMail(SQLite::Statement& st) {
  MailRecord m;
  m.id = st.getColumn(0).getInt64();
  m.recipient = st.getColumn(1).getString();
  m.subject = st.getColumn(2).getString();
  m.body = st.getColumn(3).getString();
  m.createdAt = st.getColumn(4).getInt64();
  m.attempts = st.getColumn(5).getInt();
  m.nextAttemptAt = st.getColumn(6).getInt64();
  m.sentAt = optionalInt(st.getColumn(7));
  m.failedAt = optionalInt(st.getColumn(8));
  m.lastError = st.getColumn(9).getString();
  return m;
}

JobRecord readJob(SQLite::Statement& st, int first) {
  JobRecord j;
  j.id = st.getColumn(first).getString();
  j.orderId = st.getColumn(first + 1).getString();
  j.storeId = st.getColumn(first + 2).getString();
  j.leaseId = st.getColumn(first + 3).getString();
  j.leaseExpiresAt = st.getColumn(first + 4).getInt64();
  j.agentId = st.getColumn(first + 5).getString();
  j.lastEventSeq = static_cast<std::uint64_t>(st.getColumn(first + 6).getInt64());
  if (const auto spooler = optionalInt(st.getColumn(first + 7)); spooler) {
    j.spoolerJobId = static_cast<int>(*spooler);
  }
  j.printer = st.getColumn(first + 8).getString();
  j.createdAt = st.getColumn(first + 9).getInt64();
  j.updatedAt = st.getColumn(first + 10).getInt64();
  return j;
}

OrderPagesRecord readOrderPages(SQLite::Statement& st, int first) {
  const auto narrow = [&](int column) -> std::optional<int> {
    const auto v = optionalInt(st.getColumn(column));
    return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
  };
  OrderPagesRecord p;
  p.orderId = st.getColumn(first).getString();
  p.cloudPages = narrow(first + 1);
  p.clientPages = narrow(first + 2);
  p.agentPages = narrow(first + 3);
  p.quotedPages = narrow(first + 4);
  p.source = st.getColumn(first + 5).getString();
  p.agentContentType = st.getColumn(first + 6).getString();
  p.approvedAt = optionalInt(st.getColumn(first + 7));
  return p;
}

OrderChargeRecord readOrderCharge(SQLite::Statement& st, int first) {
  OrderChargeRecord c;
  c.orderId = st.getColumn(first).getString();
  c.priceListJson = st.getColumn(first + 1).getString();
  c.breakdownJson = st.getColumn(first + 2).getString();
  c.totalMinor = st.getColumn(first + 3).getInt64();
  c.currency = st.getColumn(first + 4).getString();
  c.quotedTotalMinor = st.getColumn(first + 5).getInt64();
  c.finalizedAt = optionalInt(st.getColumn(first + 6));
  c.paymentState = st.getColumn(first + 7).getString();
  c.paymentMethod = st.getColumn(first + 8).getString();
  c.paidMinor = st.getColumn(first + 9).getInt64();
  c.paidAt = optionalInt(st.getColumn(first + 10));
  c.paymentReference = st.getColumn(first + 11).getString();
  c.refundedMinor = st.getColumn(first + 12).getInt64();
  c.refundedAt = optionalInt(st.getColumn(first + 13));
  c.refundReason = st.getColumn(first + 14).getString();
  c.createdAt = st.getColumn(first + 15).getInt64();
  c.updatedAt = st.getColumn(first + 16).getInt64();
  c.pages = st.getColumn(first + 17).getInt();
  c.pagesSource = st.getColumn(first + 18).getString();
  return c;
}

OrderLifecycleRecord readOrderLifecycle(SQLite::Statement& st, int first) {
  OrderLifecycleRecord r;
  r.orderId = st.getColumn(first).getString();
  r.storeId = st.getColumn(first + 1).getString();
  r.wantsHold = st.getColumn(first + 2).getInt() != 0;
  r.holdReason = st.getColumn(first + 3).getString();
  r.pickupCode = st.getColumn(first + 4).getString();
  r.documentDeletedAt = optionalInt(st.getColumn(first + 5));
  return r;
}

StoreLifecycleRecord readStoreLifecycle(SQLite::Statement& st, int first) {
  StoreLifecycleRecord r;
  r.storeId = st.getColumn(first).getString();
  r.holdByDefault = st.getColumn(first + 1).getInt() != 0;
  r.uploadWindowSeconds = st.getColumn(first + 2).getInt64();
  r.paymentWindowSeconds = st.getColumn(first + 3).getInt64();
  r.releaseWindowSeconds = st.getColumn(first + 4).getInt64();
  r.retentionSeconds = st.getColumn(first + 5).getInt64();
  r.updatedAt = st.getColumn(first + 6).getInt64();
  return r;
}

std::string qualified(std::string_view alias, std::string_view columns) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = columns.find(", ", start);
    out += std::string(alias) + "." + std::string(columns.substr(start, comma - start));
    if (comma == std::string_view::npos) {
      return out;
    }
    out += ", ";
    start = comma + 2;
  }
}

} // namespace printrelay::cloud
