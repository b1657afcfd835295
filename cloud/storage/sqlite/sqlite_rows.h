#pragma once

#include "cloud/storage/sqlite/sqlite_table.h"
#include "cloud/storage/store.h"

namespace printrelay::cloud {

// The SQLite store's tables: per table, its columns and the record fields they hold (the schema
// itself is in sqlite_migrations.cpp). Each method of SqliteTransaction reads and writes rows
// through these.

inline constexpr Table kStores{
    "stores",
    column("id", &StoreRecord::id),
    column("name", &StoreRecord::name),
    column("address", &StoreRecord::address),
    column("latitude", &StoreRecord::latitude),
    column("longitude", &StoreRecord::longitude),
    column("public_key", &StoreRecord::publicKey),
    column("key_id", &StoreRecord::keyId),
    column("created_at", &StoreRecord::createdAt),
};

inline constexpr Table kEnrollmentCodes{
    "enrollment_codes",
    column("code_hash", &EnrollmentCodeRecord::codeHash),
    column("store_id", &EnrollmentCodeRecord::storeId),
    column("created_at", &EnrollmentCodeRecord::createdAt),
    column("expires_at", &EnrollmentCodeRecord::expiresAt),
    column("used_at", &EnrollmentCodeRecord::usedAt),
    column("used_by_agent", &EnrollmentCodeRecord::usedByAgentId),
};

inline constexpr Table kAgents{
    "agents",
    column("id", &AgentRecord::id),
    column("store_id", &AgentRecord::storeId),
    column("name", &AgentRecord::name),
    column("version", &AgentRecord::version),
    column("public_key", &AgentRecord::publicKey),
    column("key_id", &AgentRecord::keyId),
    column("credential_hash", &AgentRecord::credentialHash),
    column("created_at", &AgentRecord::createdAt),
    column("revoked_at", &AgentRecord::revokedAt),
    column("last_seen_at", &AgentRecord::lastSeenAt),
};

inline constexpr Table kStorePrintDefaults{
    "store_print_defaults",
    column("store_id", &StorePrintDefaultsRecord::storeId),
    column("printer", &StorePrintDefaultsRecord::printer),
    column("options", &StorePrintDefaultsRecord::optionsJson), // a JSON object
    column("updated_at", &StorePrintDefaultsRecord::updatedAt),
};

inline constexpr Table kStorePrices{
    "store_prices",
    column("store_id", &StorePricesRecord::storeId),
    column("price_list", &StorePricesRecord::priceListJson), // pricing.h's JSON
    column("payment_policy", &StorePricesRecord::paymentPolicy),
    column("updated_at", &StorePricesRecord::updatedAt),
};

inline constexpr Table kPaymentEvents{
    "payment_events",
    column("event_id", &PaymentEventRecord::eventId),
    column("type", &PaymentEventRecord::type),
    column("order_id", &PaymentEventRecord::orderId),
    column("outcome", &PaymentEventRecord::outcome),
    column("received_at", &PaymentEventRecord::receivedAt),
};

inline constexpr Table kStoreLifecycle{
    "store_lifecycle",
    column("store_id", &StoreLifecycleRecord::storeId),
    column("hold_by_default", &StoreLifecycleRecord::holdByDefault),
    column("upload_window_seconds", &StoreLifecycleRecord::uploadWindowSeconds),
    column("payment_window_seconds", &StoreLifecycleRecord::paymentWindowSeconds),
    column("release_window_seconds", &StoreLifecycleRecord::releaseWindowSeconds),
    column("retention_seconds", &StoreLifecycleRecord::retentionSeconds),
    column("updated_at", &StoreLifecycleRecord::updatedAt),
};

inline constexpr Table kUsers{
    "users",
    column("id", &UserRecord::id),
    column("email", &UserRecord::email, ColumnKind::EmptyIsNull), // NULL for old guests
    column("role", &UserRecord::role),
    column("name", &UserRecord::name),
    column("password_hash", &UserRecord::passwordHash),
    column("email_verified_at", &UserRecord::emailVerifiedAt),
    column("deactivated_at", &UserRecord::deactivatedAt),
    column("created_at", &UserRecord::createdAt),
    column("updated_at", &UserRecord::updatedAt),
};

inline constexpr Table kSessions{
    "sessions",
    column("id", &SessionRecord::id),
    column("user_id", &SessionRecord::userId),
    column("created_at", &SessionRecord::createdAt),
    column("expires_at", &SessionRecord::expiresAt),
    column("revoked_at", &SessionRecord::revokedAt),
    column("revoked_reason", &SessionRecord::revokedReason),
};

inline constexpr Table kRefreshTokens{
    "refresh_tokens",
    column("token_hash", &RefreshTokenRecord::tokenHash),
    column("session_id", &RefreshTokenRecord::sessionId),
    column("created_at", &RefreshTokenRecord::createdAt),
    column("expires_at", &RefreshTokenRecord::expiresAt),
    column("used_at", &RefreshTokenRecord::usedAt),
};

inline constexpr Table kAccountTokens{
    "account_tokens",
    column("token_hash", &AccountTokenRecord::tokenHash),
    column("user_id", &AccountTokenRecord::userId),
    column("purpose", &AccountTokenRecord::purpose),
    column("created_at", &AccountTokenRecord::createdAt),
    column("expires_at", &AccountTokenRecord::expiresAt),
    column("used_at", &AccountTokenRecord::usedAt),
};

inline constexpr Table kMails{
    "mail_outbox",
    column("id", &MailRecord::id, ColumnKind::AssignedByStore),
    column("recipient", &MailRecord::recipient),
    column("subject", &MailRecord::subject),
    column("body", &MailRecord::body),
    column("html_body", &MailRecord::html),
    column("created_at", &MailRecord::createdAt),
    column("attempts", &MailRecord::attempts),
    column("next_attempt_at", &MailRecord::nextAttemptAt),
    column("sent_at", &MailRecord::sentAt),
    column("failed_at", &MailRecord::failedAt),
    column("last_error", &MailRecord::lastError),
};

inline constexpr Table kOrders{
    "orders",
    column("id", &OrderRecord::id),
    column("store_id", &OrderRecord::storeId),
    column("customer_id", &OrderRecord::customerId),
    column("state", &OrderRecord::state),
    column("options", &OrderRecord::optionsJson),
    column("document_name", &OrderRecord::documentName),
    column("content_type", &OrderRecord::contentType),
    column("document_size", &OrderRecord::documentSize),
    column("key_id", &OrderRecord::keyId),
    column("created_at", &OrderRecord::createdAt),
    column("updated_at", &OrderRecord::updatedAt),
};

inline constexpr Table kOrderHistory{
    "order_history",
    column("order_id", &OrderStateChange::orderId),
    column("state", &OrderStateChange::state),
    column("at", &OrderStateChange::at),
    column("note", &OrderStateChange::note),
};

inline constexpr Table kOrderPages{
    "order_pages",
    column("order_id", &OrderPagesRecord::orderId),
    column("cloud_pages", &OrderPagesRecord::cloudPages),
    column("client_pages", &OrderPagesRecord::clientPages),
    column("agent_pages", &OrderPagesRecord::agentPages),
    column("quoted_pages", &OrderPagesRecord::quotedPages),
    column("source", &OrderPagesRecord::source),
    column("agent_content_type", &OrderPagesRecord::agentContentType),
    column("approved_at", &OrderPagesRecord::approvedAt),
};

/// A charge is read beside its order's page counts (alias "p"; the charge's own is "c"): its
/// pages and their source are the quoted count, or once the charge is final the agent's count
/// (the quoted one when the agent did not count), source "agent".
inline constexpr Table kOrderCharges =
    Table{"order_charges",
          column("order_id", &OrderChargeRecord::orderId),
          column("CASE WHEN c.finalized_at IS NULL THEN p.quoted_pages "
                 "ELSE COALESCE(p.agent_pages, p.quoted_pages) END",
                 &OrderChargeRecord::pages, ColumnKind::Expression),
          column("CASE WHEN c.finalized_at IS NULL THEN p.source ELSE 'agent' END",
                 &OrderChargeRecord::pagesSource, ColumnKind::Expression),
          column("price_list", &OrderChargeRecord::priceListJson),
          column("breakdown", &OrderChargeRecord::breakdownJson),
          column("total_minor", &OrderChargeRecord::totalMinor),
          column("currency", &OrderChargeRecord::currency),
          column("quoted_total_minor", &OrderChargeRecord::quotedTotalMinor),
          column("finalized_at", &OrderChargeRecord::finalizedAt),
          column("payment_state", &OrderChargeRecord::paymentState),
          column("payment_method", &OrderChargeRecord::paymentMethod),
          column("paid_minor", &OrderChargeRecord::paidMinor),
          column("paid_at", &OrderChargeRecord::paidAt),
          column("payment_reference", &OrderChargeRecord::paymentReference),
          column("refunded_minor", &OrderChargeRecord::refundedMinor),
          column("refunded_at", &OrderChargeRecord::refundedAt),
          column("refund_reason", &OrderChargeRecord::refundReason),
          column("created_at", &OrderChargeRecord::createdAt),
          column("updated_at", &OrderChargeRecord::updatedAt)}
        .readFrom("order_charges c LEFT JOIN order_pages p ON p.order_id = c.order_id", "c");

inline constexpr Table kOrderLifecycle{
    "order_lifecycle",
    column("order_id", &OrderLifecycleRecord::orderId),
    column("store_id", &OrderLifecycleRecord::storeId),
    column("wants_hold", &OrderLifecycleRecord::wantsHold),
    column("hold_reason", &OrderLifecycleRecord::holdReason),
    column("pickup_code", &OrderLifecycleRecord::pickupCode),
    column("document_deleted_at", &OrderLifecycleRecord::documentDeletedAt),
};

inline constexpr Table kJobs{
    "jobs",
    column("id", &JobRecord::id),
    column("order_id", &JobRecord::orderId),
    column("store_id", &JobRecord::storeId),
    column("lease_id", &JobRecord::leaseId),
    column("lease_expires_at", &JobRecord::leaseExpiresAt),
    column("agent_id", &JobRecord::agentId),
    column("last_event_seq", &JobRecord::lastEventSeq),
    column("spooler_job_id", &JobRecord::spoolerJobId),
    column("printer", &JobRecord::printer),
    column("created_at", &JobRecord::createdAt),
    column("updated_at", &JobRecord::updatedAt),
};

/// The job is its order's current one (the newest: a reprint adds a job).
inline constexpr const char* kCurrentJob =
    "jobs.rowid = (SELECT MAX(newer.rowid) FROM jobs AS newer "
    "WHERE newer.order_id = jobs.order_id)";

inline constexpr Table kJobEvents{
    "job_events",
    column("job_id", &JobEventRecord::jobId),
    column("seq", &JobEventRecord::seq),
    column("payload", &JobEventRecord::payloadJson), // the event as the agent posted it
    column("response", &JobEventRecord::responseJson),
    column("at", &JobEventRecord::at),
};

} // namespace printrelay::cloud
