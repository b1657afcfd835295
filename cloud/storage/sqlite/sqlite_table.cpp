#include "cloud/storage/sqlite/sqlite_table.h"

#include "common/util/error.h"

namespace printrelay::cloud {

OrderState stateFrom(const std::string& name) {
  const auto state = parseOrderState(name);
  if (!state) {
    throw Error("store_corrupt", "unknown order state '" + name + "' in the database");
  }
  return *state;
}

void bindValue(SQLite::Statement& st, int index, const std::string& value) {
  st.bind(index, value);
}

void bindValue(SQLite::Statement& st, int index, std::int64_t value) {
  st.bind(index, value);
}

void bindValue(SQLite::Statement& st, int index, std::uint64_t value) {
  st.bind(index, static_cast<std::int64_t>(value));
}

void bindValue(SQLite::Statement& st, int index, int value) {
  st.bind(index, value);
}

void bindValue(SQLite::Statement& st, int index, bool value) {
  st.bind(index, value ? 1 : 0);
}

void bindValue(SQLite::Statement& st, int index, double value) {
  st.bind(index, value);
}

void bindValue(SQLite::Statement& st, int index, OrderState value) {
  st.bind(index, std::string(toString(value)));
}

void readValue(const SQLite::Column& column, std::string& out) {
  out = column.getString();
}

void readValue(const SQLite::Column& column, std::int64_t& out) {
  out = column.getInt64();
}

void readValue(const SQLite::Column& column, std::uint64_t& out) {
  out = static_cast<std::uint64_t>(column.getInt64());
}

void readValue(const SQLite::Column& column, int& out) {
  out = column.getInt();
}

void readValue(const SQLite::Column& column, bool& out) {
  out = column.getInt() != 0;
}

void readValue(const SQLite::Column& column, double& out) {
  out = column.getDouble();
}

void readValue(const SQLite::Column& column, OrderState& out) {
  out = stateFrom(column.getString());
}

} // namespace printrelay::cloud
