#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::protocol {

// The wire contract between cloud, agent and clients (docs/openapi.yaml is the reference).
// Every from_json checks types and ranges and throws Error{"invalid_request"} naming the field.

inline constexpr std::string_view kApiPrefix = "/api/v1";
/// Header carrying the agent's device credential: "Authorization: Bearer <credential>".
inline constexpr std::string_view kAuthorization = "Authorization";

/// One span of pages, both ends included, counted from 1.
struct PageRange {
  int first = 1;
  int last = 1;
  bool operator==(const PageRange&) const = default;
};

/// Print options with their IPP/CUPS attribute names as JSON keys. Absent keys take the
/// defaults below; unknown keys are refused with Error{"unsupported_option"}.
struct PrintOptions {
  int copies = 1; ///< "copies", 1..999
  std::string media =
      "iso_a4_210x297mm"; ///< "media", a PWG self-describing name or A4/Letter alias
  std::string sides =
      "one-sided"; ///< "sides": one-sided | two-sided-long-edge | two-sided-short-edge
  std::string colorMode = "monochrome"; ///< "print-color-mode": monochrome | color | auto
  /// "page-ranges": "1-3,5,9-12" on the wire; ascending, not overlapping, at most
  /// kMaxPageRanges spans. Empty: every page.
  std::vector<PageRange> pageRanges;
  /// "orientation-requested": portrait | landscape | reverse-landscape | reverse-portrait;
  /// empty: as the document says.
  std::string orientation;
  int numberUp = 1;       ///< "number-up": 1, 2, 4, 6, 9 or 16 document pages per side
  bool fitToPage = false; ///< "fit-to-page": scale each page to the media
};
inline constexpr std::size_t kMaxPageRanges = 32;
inline constexpr int kMaxPageNumber = 100000;

/// Parses "1-3,5" (spaces allowed around numbers); throws Error{"invalid_request"} naming
/// "page-ranges" for anything else (descending, overlapping, 0, more than kMaxPageRanges spans).
std::vector<PageRange> parsePageRanges(std::string_view text);
/// "1-3,5": the wire and CUPS form of page ranges; "" for none.
std::string formatPageRanges(const std::vector<PageRange>& ranges);
/// How many of a `documentPages`-page document's pages the ranges select (all when empty).
/// Throws Error{"page_range_out_of_document"} when a range starts past the last page.
int selectedPageCount(const std::vector<PageRange>& ranges, int documentPages);
/// Sheets sides printed for one copy: selected pages divided by number-up, rounded up.
int printedSides(const PrintOptions& options, int documentPages);
/// IPP orientation-requested enum value (3 portrait … 6 reverse-portrait); 0 for empty.
int orientationEnum(std::string_view orientation);

void to_json(nlohmann::json& j, const PrintOptions& o);
void from_json(const nlohmann::json& j, PrintOptions& o);

/// What one printer can do, as an agent reports it in PUT /api/v1/agent/printers (the
/// "abilities" object of each printer). Empty lists mean "not reported": nothing is refused for
/// a property the spooler did not describe.
struct PrinterAbilities {
  std::vector<std::string> media;           ///< "media_supported": PWG names
  std::string defaultMedia;                 ///< "media_default"
  std::vector<std::string> sides;           ///< "sides_supported"
  std::vector<std::string> colorModes;      ///< "color_modes_supported"
  int copiesMin = 1;                        ///< "copies_min"
  int copiesMax = 999;                      ///< "copies_max"
  bool pageRanges = true;                   ///< "page_ranges_supported"
  std::vector<int> numberUp;                ///< "number_up_supported"
  std::vector<std::string> orientations;    ///< "orientations_supported"
  std::vector<std::string> documentFormats; ///< "document_formats": MIME types
};
void to_json(nlohmann::json& j, const PrinterAbilities& a);
void from_json(const nlohmann::json& j, PrinterAbilities& a);

/// Why a printer with `abilities` cannot print with `options`, one sentence per option it
/// cannot honour ("media iso_a3_297x420mm is not loaded (it has: …)"); empty when it can.
/// Media is compared after pwg-normalising the short names (A4, Letter, …).
std::vector<std::string> unsupportedOptions(const PrintOptions& options,
                                            const PrinterAbilities& abilities);

/// The PWG media name for what a customer asked for: the short names ("A4", "letter", …) become
/// "iso_a4_210x297mm", "na_letter_8.5x11in", …; anything else is returned lower-cased.
std::string pwgMedia(std::string_view media);

/// POST /api/v1/agent/enroll request.
struct EnrollRequest {
  std::string code;      ///< the one-time enrollment code from the shopkeeper
  std::string publicKey; ///< base64 of the 32-byte X25519 public key
  std::string agentName; ///< host name or label, for people
  std::string agentVersion;
};
void to_json(nlohmann::json& j, const EnrollRequest& r);
void from_json(const nlohmann::json& j, EnrollRequest& r);

/// POST /api/v1/agent/enroll response; the credential is shown once and stored hashed.
struct EnrollResponse {
  std::string agentId;
  std::string storeId;
  std::string storeName;
  std::string keyId;
  std::string credential;
};
void to_json(nlohmann::json& j, const EnrollResponse& r);
void from_json(const nlohmann::json& j, EnrollResponse& r);

/// One job handed to an agent by GET /api/v1/agent/jobs?wait=N.
struct JobOffer {
  std::string jobId;
  std::string orderId;
  std::string leaseId;
  std::int64_t leaseExpiresAt = 0; ///< Unix seconds
  /// Unix seconds by which the agent acknowledges the offer (POST /agent/jobs/{id}/ack) after
  /// journalling the lease; an offer not acknowledged by then goes back to the queue. 0: none.
  std::int64_t ackBy = 0;
  std::string documentName;
  std::string contentType;        ///< the plaintext's type, e.g. application/pdf
  std::uint64_t envelopeSize = 0; ///< ciphertext bytes
  std::string keyId;
  PrintOptions options;
  /// The printer the shop chose for this order (its default, or one named by the shopkeeper);
  /// empty: the agent routes the job to any printer that can do it.
  std::string printer;
  /// Pages the customer was quoted for (counted by the cloud or declared by the client); the
  /// agent counts again after decrypting and reports "counted" before printing.
  std::optional<int> quotedPages;
};
void to_json(nlohmann::json& j, const JobOffer& o);
void from_json(const nlohmann::json& j, JobOffer& o);

/// States an agent reports for a job.
///   printing: submitted to the spooler (carries spoolerJobId and printer)
///   printed:  the spooler finished the job
///   failed:   the job cannot be printed (message says why)
///   released: the agent gives the job back before the spooler accepted it
///   outcome_unknown: the spooler forgot a job it was handed, which may have printed; the
///             evidence (last spooler state seen, when, bytes sent) comes along
///   counted:  the agent decrypted the document and counted `pages` (and recognised
///             `contentType`) before printing; the answer's "proceed" says whether to print
///             (false: the order is held for the shopkeeper and the agent drops the job)
/// POST /api/v1/agent/jobs/{id}/events; (jobId, seq) makes it idempotent.
struct JobEvent {
  std::uint64_t seq = 0;
  std::string leaseId;
  std::string state;
  std::optional<int> spoolerJobId;
  std::string printer;
  std::string message;
  std::optional<int> pages; ///< "counted" only
  std::string contentType;  ///< "counted" only: the type recognised from the bytes
  // "outcome_unknown" only: what the agent knew of the job before the spooler forgot it.
  std::string spoolerState;                  ///< the last state seen at the spooler, if any
  std::optional<std::int64_t> spoolerSeenAt; ///< when it was seen (Unix seconds)
  std::optional<std::uint64_t> bytesSent;    ///< document bytes handed to the spooler
};
void to_json(nlohmann::json& j, const JobEvent& e);
void from_json(const nlohmann::json& j, JobEvent& e);

} // namespace printrelay::protocol
