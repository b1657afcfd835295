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

OrderRecord readOrder(SQLite::Statement& st) {
  OrderRecord o;
  o.id = st.getColumn(0).getString();
  o.storeId = st.getColumn(1).getString();
  o.customerId = st.getColumn(2).getString();
  o.state = stateFrom(st.getColumn(3).getString());
  o.optionsJson = st.getColumn(4).getString();
  o.documentName = st.getColumn(5).getString();
  o.contentType = st.getColumn(6).getString();
  if (const auto size = optionalInt(st.getColumn(7)); size) {
    o.documentSize = static_cast<std::uint64_t>(*size);
  }
  o.keyId = st.getColumn(8).getString();
  o.createdAt = st.getColumn(9).getInt64();
  o.updatedAt = st.getColumn(10).getInt64();
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

JobRecord readJob(SQLite::Statement& st) {
  JobRecord j;
  j.id = st.getColumn(0).getString();
  j.orderId = st.getColumn(1).getString();
  j.storeId = st.getColumn(2).getString();
  j.leaseId = st.getColumn(3).getString();
  j.leaseExpiresAt = st.getColumn(4).getInt64();
  j.agentId = st.getColumn(5).getString();
  j.lastEventSeq = static_cast<std::uint64_t>(st.getColumn(6).getInt64());
  if (const auto spooler = optionalInt(st.getColumn(7)); spooler) {
    j.spoolerJobId = static_cast<int>(*spooler);
  }
  j.printer = st.getColumn(8).getString();
  j.createdAt = st.getColumn(9).getInt64();
  j.updatedAt = st.getColumn(10).getInt64();
  return j;
}

} // namespace printrelay::cloud
