#include "cloud/storage/sqlite/sqlite_migrations.h"

#include "common/util/clock.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace printrelay::cloud {

namespace {

/// The live event feed (event streams and their resume by Last-Event-ID) and the single-use
/// stream tickets, kept as SHA-256. A function of its own so the version can be renumbered when
/// another migration lands first.
Migration streamEventsMigration(int version) {
  return {version, "the live event feed of orders and agents, and single-use stream tickets",
          R"sql(
CREATE TABLE stream_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind        TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  order_id    TEXT NOT NULL DEFAULT '',
  customer_id TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL DEFAULT '',
  data        TEXT NOT NULL DEFAULT '',
  at          INTEGER NOT NULL
);
CREATE INDEX stream_events_by_store ON stream_events(store_id, id);
CREATE INDEX stream_events_by_customer ON stream_events(customer_id, id) WHERE customer_id <> '';
CREATE INDEX stream_events_by_order ON stream_events(order_id, id) WHERE order_id <> '';
CREATE TABLE stream_tickets (
  ticket_hash TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id),
  session_id  TEXT NOT NULL,
  path        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
);
CREATE INDEX stream_tickets_by_expiry ON stream_tickets(expires_at);
)sql"};
}

} // namespace

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
      {3,
       "accounts (users, shopkeepers' stores, sessions, refresh and e-mailed tokens, revoked "
       "access tokens), the mail outbox; orders belong to users; guest customers retired",
       R"sql(
CREATE TABLE users (
  id                TEXT PRIMARY KEY,
  email             TEXT UNIQUE,
  role              TEXT NOT NULL CHECK (role IN ('customer', 'shopkeeper', 'admin')),
  name              TEXT NOT NULL DEFAULT '',
  password_hash     TEXT NOT NULL DEFAULT '',
  email_verified_at INTEGER,
  deactivated_at    INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
-- Guests had only a bearer token: they stay as deactivated accounts without e-mail or password,
-- so their orders keep an owner.
INSERT INTO users (id, email, role, name, password_hash, deactivated_at, created_at, updated_at)
  SELECT id, NULL, 'customer', 'guest', '', created_at, created_at, created_at FROM customers;
-- orders.customer_id now references users: rebuild the table (history and jobs point at it, so
-- their foreign keys are checked at commit, when every order is back).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE orders_v2 AS SELECT * FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
  id            TEXT PRIMARY KEY,
  store_id      TEXT NOT NULL REFERENCES stores(id),
  customer_id   TEXT NOT NULL REFERENCES users(id),
  state         TEXT NOT NULL,
  options       TEXT NOT NULL,
  document_name TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  document_size INTEGER,
  key_id        TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
INSERT INTO orders (id, store_id, customer_id, state, options, document_name, content_type,
                    document_size, key_id, created_at, updated_at)
  SELECT id, store_id, customer_id, state, options, document_name, content_type, document_size,
         key_id, created_at, updated_at FROM orders_v2 ORDER BY rowid;
DROP TABLE orders_v2;
CREATE INDEX orders_by_customer ON orders(customer_id, created_at);
CREATE INDEX orders_by_store_state ON orders(store_id, state);
CREATE INDEX orders_by_store ON orders(store_id, created_at);
DROP TABLE customers;
CREATE TABLE shopkeeper_stores (
  user_id     TEXT NOT NULL REFERENCES users(id),
  store_id    TEXT NOT NULL REFERENCES stores(id),
  assigned_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, store_id)
);
CREATE TABLE sessions (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users(id),
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  revoked_at     INTEGER,
  revoked_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens(session_id);
CREATE TABLE revoked_access_tokens (
  jti        TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE TABLE account_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id),
  purpose    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
);
CREATE INDEX account_tokens_by_user ON account_tokens(user_id, purpose);
CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient       TEXT NOT NULL,
  subject         TEXT NOT NULL,
  body            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  sent_at         INTEGER,
  failed_at       INTEGER,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at)
  WHERE sent_at IS NULL AND failed_at IS NULL;
)sql"},
      {4, "the printers each store's agent reports",
       R"sql(
CREATE TABLE store_printers (
  store_id    TEXT PRIMARY KEY REFERENCES stores(id),
  printers    TEXT NOT NULL,
  reported_at INTEGER NOT NULL
);
)sql"},
      {5,
       "order lifecycle: stores' hold and expiry settings, orders' hold, pickup code and "
       "document deletion; an order may have several jobs (a reprint adds one)",
       R"sql(
CREATE TABLE store_lifecycle (
  store_id               TEXT PRIMARY KEY REFERENCES stores(id),
  hold_by_default        INTEGER NOT NULL,
  upload_window_seconds  INTEGER NOT NULL,
  payment_window_seconds INTEGER NOT NULL,
  release_window_seconds INTEGER NOT NULL,
  retention_seconds      INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
);
CREATE TABLE order_lifecycle (
  order_id            TEXT PRIMARY KEY REFERENCES orders(id),
  store_id            TEXT NOT NULL REFERENCES stores(id),
  wants_hold          INTEGER NOT NULL DEFAULT 0,
  hold_reason         TEXT NOT NULL DEFAULT '',
  pickup_code         TEXT NOT NULL DEFAULT '',
  document_deleted_at INTEGER
);
CREATE INDEX order_lifecycle_by_pickup_code ON order_lifecycle(store_id, pickup_code)
  WHERE pickup_code <> '';
CREATE INDEX order_history_by_order_state ON order_history(order_id, state, at);
-- jobs.order_id loses its UNIQUE: rebuild the table (job_events points at it, so its foreign
-- key is checked at commit, when every job is back).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE jobs_v4 AS SELECT * FROM jobs;
DROP TABLE jobs;
CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  order_id         TEXT NOT NULL REFERENCES orders(id),
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
INSERT INTO jobs (id, order_id, store_id, lease_id, lease_expires_at, agent_id, last_event_seq,
                  spooler_job_id, printer, created_at, updated_at)
  SELECT id, order_id, store_id, lease_id, lease_expires_at, agent_id, last_event_seq,
         spooler_job_id, printer, created_at, updated_at FROM jobs_v4 ORDER BY rowid;
DROP TABLE jobs_v4;
CREATE INDEX jobs_by_store ON jobs(store_id, created_at);
CREATE INDEX jobs_by_order ON jobs(order_id);
CREATE INDEX jobs_by_lease_expiry ON jobs(lease_expires_at) WHERE lease_id <> '';
)sql"},
      {6, "prices and payment policy per store, the charge of each order, processed payment events",
       R"sql(
CREATE TABLE store_prices (
  store_id       TEXT PRIMARY KEY REFERENCES stores(id),
  price_list     TEXT NOT NULL,
  payment_policy TEXT NOT NULL CHECK (payment_policy IN ('print_then_pay', 'pay_first')),
  updated_at     INTEGER NOT NULL
);
CREATE TABLE order_charges (
  order_id           TEXT PRIMARY KEY REFERENCES orders(id),
  pages              INTEGER NOT NULL,
  pages_source       TEXT NOT NULL,
  price_list         TEXT NOT NULL,
  breakdown          TEXT NOT NULL,
  total_minor        INTEGER NOT NULL,
  currency           TEXT NOT NULL,
  quoted_total_minor INTEGER NOT NULL,
  finalized_at       INTEGER,
  payment_state      TEXT NOT NULL CHECK (payment_state IN ('unpaid', 'paid', 'refunded')),
  payment_method     TEXT NOT NULL DEFAULT '',
  paid_minor         INTEGER NOT NULL DEFAULT 0,
  paid_at            INTEGER,
  payment_reference  TEXT NOT NULL DEFAULT '',
  refunded_minor     INTEGER NOT NULL DEFAULT 0,
  refunded_at        INTEGER,
  refund_reason      TEXT NOT NULL DEFAULT '',
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE TABLE payment_events (
  event_id    TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  order_id    TEXT NOT NULL DEFAULT '',
  outcome     TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
)sql"},
      {7, "page counts per order and shopkeepers' print defaults per store",
       R"sql(
CREATE TABLE order_pages (
  order_id           TEXT PRIMARY KEY REFERENCES orders(id),
  cloud_pages        INTEGER,
  client_pages       INTEGER,
  agent_pages        INTEGER,
  quoted_pages       INTEGER,
  source             TEXT NOT NULL DEFAULT '',
  agent_content_type TEXT NOT NULL DEFAULT '',
  hold_reason        TEXT NOT NULL DEFAULT '',
  approved_at        INTEGER
);
CREATE TABLE store_print_defaults (
  store_id   TEXT PRIMARY KEY REFERENCES stores(id),
  printer    TEXT NOT NULL DEFAULT '',
  options    TEXT NOT NULL DEFAULT '{}',
  updated_at INTEGER NOT NULL
);
)sql"},
      {8, "one hold reason per order: order_pages.hold_reason moves to order_lifecycle",
       R"sql(
INSERT INTO order_lifecycle (order_id, store_id, hold_reason)
  SELECT order_pages.order_id, orders.store_id, order_pages.hold_reason
  FROM order_pages JOIN orders ON orders.id = order_pages.order_id
  WHERE order_pages.hold_reason <> '' AND orders.state = 'held'
ON CONFLICT (order_id) DO UPDATE SET hold_reason = excluded.hold_reason
  WHERE order_lifecycle.hold_reason = '';
ALTER TABLE order_pages DROP COLUMN hold_reason;
)sql"},
      {9,
       "one quoted page count per order: a charge reads its page count from order_pages, and "
       "order_charges.pages and pages_source go",
       R"sql(
-- A charge's pages are now the order's quoted count (and its source), or once the charge is
-- final the agent's count (the quoted one when the agent did not count), source 'agent'. Where
-- order_pages would give another count than the charge holds (no row for an order older than
-- order_pages, or counts that changed after the charge was priced), the charge's count moves
-- there first, so that no charge changes its count.
INSERT INTO order_pages (order_id, quoted_pages, source)
  SELECT order_id, pages, pages_source FROM order_charges WHERE finalized_at IS NULL
ON CONFLICT (order_id) DO UPDATE SET quoted_pages = excluded.quoted_pages, source = excluded.source
  WHERE order_pages.quoted_pages IS NOT excluded.quoted_pages
     OR order_pages.source IS NOT excluded.source;
INSERT INTO order_pages (order_id, agent_pages)
  SELECT order_id, pages FROM order_charges WHERE finalized_at IS NOT NULL
ON CONFLICT (order_id) DO UPDATE SET agent_pages = excluded.agent_pages
  WHERE COALESCE(order_pages.agent_pages, order_pages.quoted_pages) IS NOT excluded.agent_pages;
ALTER TABLE order_charges DROP COLUMN pages;
ALTER TABLE order_charges DROP COLUMN pages_source;
)sql"},
      {10, "mails carry an HTML part beside the plain text",
       R"sql(
ALTER TABLE mail_outbox ADD COLUMN html_body TEXT NOT NULL DEFAULT '';
)sql"},
      streamEventsMigration(11),
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
