#pragma once

#include "common/wire/order_state.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/VariadicBind.h>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace printrelay::cloud {

// A SQLite table described once, as a list of its columns and the record fields they hold, so
// that its SQL, its binding and its reading all come from that one list (sqlite_rows.h lists the
// store's tables).

/// How a column holds its field.
enum class ColumnKind {
  Value,           ///< read and written as it is
  EmptyIsNull,     ///< a text column where NULL stands for the empty string
  AssignedByStore, ///< read, never written: a key the database assigns
  Expression,      ///< read from an SQL expression over the query's tables, never written
};

/// One column of a table: its name (for an Expression, the SQL that gives it) and the field of
/// `Record` it holds.
template <typename Record, typename T> struct TableColumn {
  std::string_view name;
  T Record::*field;
  ColumnKind kind = ColumnKind::Value;
};

/// A column holding `field` (see TableColumn).
template <typename Record, typename T>
constexpr TableColumn<Record, T> column(std::string_view name, T Record::*field,
                                        ColumnKind kind = ColumnKind::Value) {
  return {name, field, kind};
}

/// The order state stored as `name`; throws Error{"store_corrupt"} for an unknown one.
OrderState stateFrom(const std::string& name);

// A field's value as SQLite stores it: text, integers (unsigned ones and booleans too), reals,
// an order state as its name, and NULL for an empty optional.
void bindValue(SQLite::Statement& st, int index, const std::string& value);
void bindValue(SQLite::Statement& st, int index, std::int64_t value);
void bindValue(SQLite::Statement& st, int index, std::uint64_t value);
void bindValue(SQLite::Statement& st, int index, int value);
void bindValue(SQLite::Statement& st, int index, bool value);
void bindValue(SQLite::Statement& st, int index, double value);
void bindValue(SQLite::Statement& st, int index, OrderState value);
template <typename T>
void bindValue(SQLite::Statement& st, int index, const std::optional<T>& value) {
  if (value) {
    bindValue(st, index, *value);
  } else {
    st.bind(index);
  }
}

void readValue(const SQLite::Column& column, std::string& out);
void readValue(const SQLite::Column& column, std::int64_t& out);
void readValue(const SQLite::Column& column, std::uint64_t& out);
void readValue(const SQLite::Column& column, int& out);
void readValue(const SQLite::Column& column, bool& out);
void readValue(const SQLite::Column& column, double& out);
void readValue(const SQLite::Column& column, OrderState& out);
template <typename T> void readValue(const SQLite::Column& column, std::optional<T>& out) {
  if (column.isNull()) {
    out.reset();
    return;
  }
  T value{};
  readValue(column, value);
  out = std::move(value);
}

/// A table of `Record`s. Its columns are read in the order listed, each qualified by the table's
/// name (or the alias it is read under); only the Value and EmptyIsNull ones are written.
template <typename Record, typename... T> class Table {
public:
  constexpr Table(std::string_view name, TableColumn<Record, T>... columns)
      : name_(name), source_(name), alias_(name), columns_(columns...) {}

  /// The same table read from `source` (a FROM clause, e.g. with a join its Expression columns
  /// need), its own columns qualified by `alias`.
  constexpr Table readFrom(std::string_view source, std::string_view alias) const {
    Table t = *this;
    t.source_ = source;
    t.alias_ = alias;
    return t;
  }

  /// How many columns a row of it has, as read.
  static constexpr int size() { return sizeof...(T); }

  /// The columns as read, each qualified by `alias` (Expressions as they are).
  std::string columns(std::string_view alias) const {
    std::string out;
    forEach([&](const auto& c) {
      out += out.empty() ? "" : ", ";
      if (c.kind != ColumnKind::Expression) {
        out += std::string(alias) + ".";
      }
      out += c.name;
    });
    return out;
  }

  /// SELECT of every column FROM the table (or its source), followed by `rest`.
  std::string select(std::string_view rest) const {
    return "SELECT " + columns(alias_) + " FROM " + std::string(source_) + " " + std::string(rest);
  }

  /// Reads a row of its columns from column `first` on.
  Record read(SQLite::Statement& st, int first = 0) const {
    Record r;
    int index = first;
    forEach([&](const auto& c) {
      const SQLite::Column value = st.getColumn(index++);
      if (c.kind == ColumnKind::EmptyIsNull && value.isNull()) {
        r.*c.field = {};
      } else {
        readValue(value, r.*c.field);
      }
    });
    return r;
  }

  /// The first row `rest` (WHERE …, bound to `args`) selects; nullopt when none.
  template <typename... Args>
  std::optional<Record> findOne(SQLite::Database& db, std::string_view rest,
                                const Args&... args) const {
    SQLite::Statement st(db, select(rest));
    SQLite::bind(st, args...);
    if (!st.executeStep()) {
      return std::nullopt;
    }
    return read(st);
  }

  /// Every row `rest` (WHERE …, ORDER BY …, bound to `args`) selects.
  template <typename... Args>
  std::vector<Record> findAll(SQLite::Database& db, std::string_view rest,
                              const Args&... args) const {
    SQLite::Statement st(db, select(rest));
    SQLite::bind(st, args...);
    std::vector<Record> out;
    while (st.executeStep()) {
      out.push_back(read(st));
    }
    return out;
  }

  /// `verb` ("INSERT", "INSERT OR IGNORE", …) of the record's written columns; returns the rows
  /// changed.
  int insert(SQLite::Database& db, const Record& r, std::string_view verb = "INSERT") const {
    SQLite::Statement st(db, insertSql(verb));
    bindWritten(st, r);
    return st.exec();
  }

  /// Inserts the record or, when its `key` is there, overwrites that row's other columns.
  void upsert(SQLite::Database& db, const Record& r, std::string_view key) const {
    std::string sql =
        insertSql("INSERT") + " ON CONFLICT (" + std::string(key) + ") DO UPDATE SET ";
    bool first = true;
    forEach([&](const auto& c) {
      if (written(c) && c.name != key) {
        sql += (first ? "" : ", ") + std::string(c.name) + " = excluded." + std::string(c.name);
        first = false;
      }
    });
    SQLite::Statement st(db, sql);
    bindWritten(st, r);
    st.exec();
  }

  /// Overwrites the columns `set` of the row whose `key` is the record's; returns the rows
  /// changed.
  int update(SQLite::Database& db, const Record& r, std::initializer_list<std::string_view> set,
             std::string_view key) const {
    std::string assignments;
    for (const auto name : set) {
      assignments += (assignments.empty() ? "" : ", ") + std::string(name) + " = ?";
    }
    SQLite::Statement st(db, "UPDATE " + std::string(name_) + " SET " + assignments + " WHERE " +
                                 std::string(key) + " = ?");
    int index = 1;
    for (const auto name : set) {
      bindNamed(st, index++, r, name);
    }
    bindNamed(st, index, r, key);
    return st.exec();
  }

private:
  template <typename Visit> void forEach(Visit visit) const {
    std::apply([&](const auto&... c) { (visit(c), ...); }, columns_);
  }

  template <typename Column> static bool written(const Column& c) {
    return c.kind == ColumnKind::Value || c.kind == ColumnKind::EmptyIsNull;
  }

  template <typename Column>
  static void bindColumn(SQLite::Statement& st, int index, const Record& r, const Column& c) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(r.*c.field)>, std::string>) {
      if (c.kind == ColumnKind::EmptyIsNull && (r.*c.field).empty()) {
        st.bind(index);
        return;
      }
    }
    bindValue(st, index, r.*c.field);
  }

  std::string insertSql(std::string_view verb) const {
    std::string names;
    std::string marks;
    forEach([&](const auto& c) {
      if (written(c)) {
        names += (names.empty() ? "" : ", ") + std::string(c.name);
        marks += marks.empty() ? "?" : ", ?";
      }
    });
    return std::string(verb) + " INTO " + std::string(name_) + " (" + names + ") VALUES (" + marks +
           ")";
  }

  void bindWritten(SQLite::Statement& st, const Record& r) const {
    int index = 1;
    forEach([&](const auto& c) {
      if (written(c)) {
        bindColumn(st, index++, r, c);
      }
    });
  }

  void bindNamed(SQLite::Statement& st, int index, const Record& r, std::string_view name) const {
    bool found = false;
    forEach([&](const auto& c) {
      if (!found && c.name == name) {
        bindColumn(st, index, r, c);
        found = true;
      }
    });
    if (!found) {
      throw std::logic_error("table " + std::string(name_) + " has no column " + std::string(name));
    }
  }

  std::string_view name_;
  std::string_view source_;
  std::string_view alias_;
  std::tuple<TableColumn<Record, T>...> columns_;
};

} // namespace printrelay::cloud
