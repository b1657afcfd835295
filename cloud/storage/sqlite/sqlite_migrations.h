#pragma once

#include <SQLiteCpp/Database.h>
#include <string>
#include <vector>

namespace printrelay::cloud {

/// One step of the SQLite schema: applied once, in its own transaction, and recorded in the
/// schema_migrations table.
struct Migration {
  int version;
  std::string description;
  std::string sql;
};

/// The SQLite schema as an ordered list of migrations (versions 1, 2, … without gaps).
const std::vector<Migration>& sqliteMigrations();

/// The highest version recorded in schema_migrations; 0 for a new database.
int appliedSchemaVersion(SQLite::Database& db);

/// Applies every migration newer than the database's version, each in a transaction that also
/// records it, and returns the resulting version. A failing migration rolls back alone and
/// throws Error{"migration_failed"}; a database newer than `migrations` throws
/// Error{"database_too_new"}.
int applyMigrations(SQLite::Database& db, const std::vector<Migration>& migrations);

} // namespace printrelay::cloud
