#include "cloud/sqlite_migrations.h"

#include "cloud/clock.h"
#include "common/error.h"
#include "common/log.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace printrelay::cloud {

const std::vector<Migration>& sqliteMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "stores, enrollment codes, agents, customers, orders, jobs and job events",
       R"sql(
CREATE TABLE stores (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  address     TEXT NOT NULL,
  latitude    REAL NOT NULL,
  longitude   REAL NOT NULL,
  public_key  TEXT NOT NULL DEFAULT '',
  key_id      TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE TABLE enrollment_codes (
  code_hash     TEXT PRIMARY KEY,
  store_id      TEXT NOT NULL REFERENCES stores(id),
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER,
  used_by_agent TEXT NOT NULL DEFAULT ''
);
CREATE TABLE agents (
  id              TEXT PRIMARY KEY,
  store_id        TEXT NOT NULL REFERENCES stores(id),
  name            TEXT NOT NULL,
  version         TEXT NOT NULL,
  public_key      TEXT NOT NULL,
  key_id          TEXT NOT NULL,
  credential_hash TEXT NOT NULL UNIQUE,
  created_at      INTEGER NOT NULL,
  revoked_at      INTEGER,
  last_seen_at    INTEGER
);
CREATE TABLE customers (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE orders (
  id            TEXT PRIMARY KEY,
  store_id      TEXT NOT NULL REFERENCES stores(id),
  customer_id   TEXT NOT NULL REFERENCES customers(id),
  state         TEXT NOT NULL,
  options       TEXT NOT NULL,
  document_name TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  document_size INTEGER,
  key_id        TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE TABLE order_history (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL REFERENCES orders(id),
  state    TEXT NOT NULL,
  at       INTEGER NOT NULL,
  note     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  order_id         TEXT NOT NULL UNIQUE REFERENCES orders(id),
  store_id         TEXT NOT NULL REFERENCES stores(id),
  lease_id         TEXT NOT NULL DEFAULT '',
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  agent_id         TEXT NOT NULL DEFAULT '',
  last_event_seq   INTEGER NOT NULL DEFAULT 0,
  spooler_job_id   INTEGER,
  printer          TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE TABLE job_events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id   TEXT NOT NULL REFERENCES jobs(id),
  seq      INTEGER NOT NULL,
  payload  TEXT NOT NULL,
  response TEXT NOT NULL,
  at       INTEGER NOT NULL,
  UNIQUE (job_id, seq)
);
)sql"},
      {2, "indexes for the customer's order list, history and the dispatch queries",
       R"sql(
CREATE INDEX orders_by_customer ON orders(customer_id, created_at);
CREATE INDEX orders_by_store_state ON orders(store_id, state);
CREATE INDEX order_history_by_order ON order_history(order_id, id);
CREATE INDEX agents_by_store ON agents(store_id);
CREATE INDEX jobs_by_store ON jobs(store_id, created_at);
CREATE INDEX jobs_by_lease_expiry ON jobs(lease_expires_at) WHERE lease_id <> '';
)sql"},
      {3, "the printers each store's agent reports",
       R"sql(
CREATE TABLE store_printers (
  store_id    TEXT PRIMARY KEY REFERENCES stores(id),
  printers    TEXT NOT NULL,
  reported_at INTEGER NOT NULL
);
)sql"},
  };
  return kMigrations;
}

int appliedSchemaVersion(SQLite::Database& db) {
  if (!db.tableExists("schema_migrations")) {
    return 0;
  }
  SQLite::Statement query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.executeStep();
  return query.getColumn(0).getInt();
}

int applyMigrations(SQLite::Database& db, const std::vector<Migration>& migrations) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INTEGER PRIMARY KEY,"
          " description TEXT NOT NULL,"
          " applied_at INTEGER NOT NULL)");
  int version = appliedSchemaVersion(db);
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (version > latest) {
    throw Error("database_too_new", "the database has schema version " + std::to_string(version) +
                                        " but this build knows only up to " +
                                        std::to_string(latest));
  }
  for (const auto& migration : migrations) {
    if (migration.version <= version) {
      continue;
    }
    if (migration.version != version + 1) {
      throw Error("migration_failed",
                  "migrations are not consecutive at version " + std::to_string(migration.version));
    }
    try {
      SQLite::Transaction tx(db);
      db.exec(migration.sql);
      SQLite::Statement record(
          db, "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
      record.bind(1, migration.version);
      record.bind(2, migration.description);
      record.bind(3, static_cast<std::int64_t>(systemNow()));
      record.exec();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      throw Error("migration_failed", "schema migration " + std::to_string(migration.version) +
                                          " (" + migration.description + ") failed: " + e.what());
    }
    version = migration.version;
    log::info("database schema migrated to version " + std::to_string(version) + ": " +
              migration.description);
  }
  return version;
}

} // namespace printrelay::cloud
