#pragma once

#include "cloud/storage/store.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay::cloud {

// The SQLite store's column lists and the readers and binders its table groups share. A reader
// takes the columns in the order of its column list, starting at column 0 unless told `first`.

/// The column as an integer; nullopt when it is NULL.
std::optional<std::int64_t> optionalInt(const SQLite::Column& column);

/// Binds the value, or NULL when there is none.
void bindOptional(SQLite::Statement& st, int index, const std::optional<std::int64_t>& value);

/// The order state stored as `name`; throws Error{"store_corrupt"} for an unknown one.
OrderState stateFrom(const std::string& name);

inline constexpr const char* kStoreColumns =
    "id, name, address, latitude, longitude, public_key, key_id, created_at";
/// Reads a row selected with kStoreColumns.
StoreRecord readStore(SQLite::Statement& st);

inline constexpr const char* kAgentColumns =
    "id, store_id, name, version, public_key, key_id, "
    "credential_hash, created_at, revoked_at, last_seen_at";
/// Reads a row selected with kAgentColumns.
AgentRecord readAgent(SQLite::Statement& st);

inline constexpr const char* kOrderColumns =
    "id, store_id, customer_id, state, options, document_name, content_type, document_size, "
    "key_id, created_at, updated_at";

/// kOrderColumns qualified by the alias "o".
inline constexpr const char* kOrderColumnsOfO =
    "o.id, o.store_id, o.customer_id, o.state, o.options, o.document_name, o.content_type, "
    "o.document_size, o.key_id, o.created_at, o.updated_at";
/// Reads a row selected with kOrderColumns.
OrderRecord readOrder(SQLite::Statement& st, int first = 0);

inline constexpr const char* kUserColumns =
    "id, email, role, name, password_hash, email_verified_at, "
    "deactivated_at, created_at, updated_at";
/// Reads a row selected with kUserColumns.
UserRecord readUser(SQLite::Statement& st);

inline constexpr const char* kMailColumns = "id, recipient, subject, body, created_at, attempts, "
                                            "next_attempt_at, sent_at, failed_at, last_error";
/// Reads a row selected with kMailColumns.
MailRecord readMail(SQLite::Statement& st);

inline constexpr const char* kJobColumns =
    "jobs.id, jobs.order_id, jobs.store_id, jobs.lease_id, jobs.lease_expires_at, jobs.agent_id, "
    "jobs.last_event_seq, jobs.spooler_job_id, jobs.printer, jobs.created_at, jobs.updated_at";

/// The job is its order's current one (the newest: a reprint adds a job).
inline constexpr const char* kCurrentJob =
    "jobs.rowid = (SELECT MAX(newer.rowid) FROM jobs AS newer "
    "WHERE newer.order_id = jobs.order_id)";

/// Reads a row selected with kJobColumns.
JobRecord readJob(SQLite::Statement& st, int first = 0);

inline constexpr const char* kChargeColumns =
    "order_id, price_list, breakdown, total_minor, currency, quoted_total_minor, finalized_at, "
    "payment_state, payment_method, paid_minor, paid_at, payment_reference, refunded_minor, "
    "refunded_at, refund_reason, created_at, updated_at";

/// A charge's page count and its source, read from the order's page counts (alias "p") beside
/// the charge (alias "c"): the quoted count, or once the charge is final the agent's count (the
/// quoted one when the agent did not count), source "agent".
inline constexpr const char* kChargePages =
    "CASE WHEN c.finalized_at IS NULL THEN p.quoted_pages "
    "ELSE COALESCE(p.agent_pages, p.quoted_pages) END, "
    "CASE WHEN c.finalized_at IS NULL THEN p.source ELSE 'agent' END";
inline constexpr int kChargePagesCount = 2;

/// Reads the columns of kChargeColumns, then those of kChargePages, from column `first` on.
OrderChargeRecord readOrderCharge(SQLite::Statement& st, int first = 0);

inline constexpr const char* kPagesColumns =
    "order_id, cloud_pages, client_pages, agent_pages, quoted_pages, source, agent_content_type, "
    "approved_at";

/// Reads the columns of kPagesColumns from column `first` on.
OrderPagesRecord readOrderPages(SQLite::Statement& st, int first = 0);

inline constexpr const char* kOrderLifecycleColumns =
    "order_id, store_id, wants_hold, hold_reason, pickup_code, document_deleted_at";

/// Reads the columns of kOrderLifecycleColumns from column `first` on.
OrderLifecycleRecord readOrderLifecycle(SQLite::Statement& st, int first = 0);

inline constexpr const char* kStoreLifecycleColumns =
    "store_id, hold_by_default, upload_window_seconds, payment_window_seconds, "
    "release_window_seconds, retention_seconds, updated_at";

/// Reads the columns of kStoreLifecycleColumns from column `first` on.
StoreLifecycleRecord readStoreLifecycle(SQLite::Statement& st, int first = 0);

/// The number of columns in a column list.
constexpr int columnCount(std::string_view columns) {
  int count = 1;
  for (const char c : columns) {
    count += c == ',' ? 1 : 0;
  }
  return count;
}

/// A column list with every column prefixed by `alias` ("p", "id, name" → "p.id, p.name").
std::string qualified(std::string_view alias, std::string_view columns);

} // namespace printrelay::cloud
