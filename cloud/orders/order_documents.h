#pragma once

// What a document is (by its bytes) and how many pages it has, print
// options checked against the store's printers and completed by the shopkeeper's defaults, and
// the page-count hold when the agent counts more pages than the customer was quoted for.
// docs/architecture.md ("Documents, pages and printers") tells the rules in prose.

#include "cloud/storage/store.h"
#include "common/util/error.h"
#include "common/util/secure_bytes.h"
#include "common/wire/protocol.h"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace printrelay::cloud {

/// The document types an order may declare and a plaintext upload may be: PDF, PNG, JPEG and
/// plain text (the kinds common/document/document.h recognises and counts). PostScript is not one:
/// its pages cannot be counted without running it.
bool isCountableDocumentType(const std::string& mediaType);

/// Checks the first bytes of a plaintext upload (up to document::kSniffBytes) against the
/// media type it was sent as. Error "unsupported_document" when they are no PDF, PNG, JPEG or
/// plain text; "document_type_mismatch" (naming both) when they are another of them.
void checkDocumentBytes(std::span<const std::uint8_t> head, const std::string& declaredType);

/// Pages of a whole plaintext document of `mediaType`, counted in memory. Error
/// "document_unreadable", "document_encrypted" (a PDF that needs a password) or
/// "too_many_pages" (more than protocol::kMaxPageNumber).
int countUploadedPages(std::span<const std::uint8_t> bytes, const std::string& mediaType);

/// Error "page_range_out_of_document" when `options` select a page past `pages`.
void checkPageRanges(const protocol::PrintOptions& options, int pages);

/// One printer of the store's last report, with what it can do; `abilities` is nullopt when the
/// report did not describe it (such a printer refuses nothing).
struct ReportedPrinter {
  std::string name;
  std::optional<protocol::PrinterAbilities> abilities;
};

/// The printers of the store's last report; nullopt when its agent never reported any (or the
/// stored report is unreadable).
std::optional<std::vector<ReportedPrinter>> reportedPrinters(StoreTransaction& tx,
                                                             const std::string& storeId);

/// Error "options_not_supported" with, besides code and message, `printers` (each
/// printer and why it cannot) and `supported` (what the store's printers offer together);
/// `body()` is the whole error response.
class OptionsNotSupported : public Error {
public:
  OptionsNotSupported(const std::string& message, nlohmann::json printers,
                      nlohmann::json supported);
  nlohmann::json body() const;

private:
  nlohmann::json printers_;
  nlohmann::json supported_;
};

/// Accepts `options` for an order at the store when at least one printer of the last report
/// can print with them (protocol::unsupportedOptions is empty). A store whose agent never
/// reported printers accepts anything (the agent still refuses what it cannot print); one that
/// reported none is refused with Error "no_printers". Throws OptionsNotSupported otherwise.
void checkOptionsAgainstStore(StoreTransaction& tx, const std::string& storeId,
                              const protocol::PrintOptions& options);

/// The options of a new order: the customer's option object laid over the store's default
/// options (a key the customer gives with a non-null value wins), then parsed and checked like
/// any options (Error "invalid_request" / "unsupported_option").
protocol::PrintOptions optionsWithDefaults(const nlohmann::json& customerOptions,
                                           StoreTransaction& tx, const std::string& storeId);

/// The job offer's `printer` (the store's default printer, when the last report still has it
/// and it can print with the order's options; else empty: the agent chooses) and
/// `quoted_pages`.
void addDocumentFieldsToOffer(StoreTransaction& tx, const OrderRecord& order,
                              const protocol::PrintOptions& options, protocol::JobOffer& offer);

/// Adds "pages" {cloud, client, agent, quoted, source} to an order's JSON, from its page counts
/// (all null when it has none).
void addPagesToOrderJson(const std::optional<OrderPagesRecord>& record, nlohmann::json& j);

/// What the cloud answers an agent's "counted" event.
struct CountVerdict {
  bool proceed = true;
  std::string message;
};

/// Records the agent's count (and the type it recognised) for the order. When it is above the
/// quoted count the verdict says not to proceed; the caller holds the order for its page count
/// (OrderService::pagesCounted), which ends the lease. A type other than the
/// order's is only recorded (the agent reports the job failed itself), never held.
CountVerdict recordAgentCount(StoreTransaction& tx, const OrderRecord& order, int pages,
                              const std::string& contentType);

} // namespace printrelay::cloud
