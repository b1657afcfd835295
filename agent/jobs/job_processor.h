#pragma once

#include "agent/jobs/job_outcome.h"
#include "agent/jobs/journal.h"
#include "agent/spooler/print_backend.h"
#include "common/crypto/hpke.h"
#include "common/document/document.h"
#include "common/util/secure_bytes.h"
#include "common/wire/protocol.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent {

class CloudClient;

/// The largest document the agent decrypts into memory unless max_document_mib says otherwise.
inline constexpr std::uint64_t kDefaultMaxDocumentBytes = 256ull * 1024 * 1024;

/// What to do with a job the journal has in flight, once the spooler said what it knows.
enum class RecoveryAction {
  None,             ///< the job is settled; nothing to do
  Release,          ///< never reached the spooler: give it back (released)
  CancelAndRelease, ///< the spooler never got the whole document: cancel that job, give it back
  MarkPrinting,     ///< the spooler has the whole document: record printing, keep following
  KeepFollowing,    ///< queued, held or printing at the spooler: ask again later
  MarkPrinted,      ///< the spooler finished it
  MarkFailed,       ///< canceled or aborted at the spooler
  /// The spooler has no record of a job it was handed (forgotten in a crash, its number given
  /// out again): it may have printed, so it is neither printed nor failed: the shop says which.
  MarkOutcomeUnknown,
};

/// "none", "release", … for logs.
std::string_view toString(RecoveryAction action);

/// The recovery policy: from the journal's state and the spooler's answer to an action. A job
/// that reached the spooler whole is never printed again: it is followed, or its outcome is
/// recorded.
RecoveryAction decideRecovery(JobState state, const SpoolerJobStatus& status);

/// The outcome_unknown event of a journal job, with its evidence (last spooler state seen,
/// when, bytes sent).
protocol::JobEvent outcomeUnknownEvent(const JournalJob& job);

/// The spooler job a journal job was submitted as, with what identifies it (spoolerJobTag of
/// the job id, the recorded job-uuid); a job without a spooler job id gets number 0.
SpoolerJobRef spoolerJobOf(const JournalJob& job);

/// What the agent learned from a decrypted document before printing it.
struct DocumentCount {
  document::Kind kind = document::Kind::Unknown;
  std::optional<int> pages; ///< nullopt when this build cannot count (PDF on Windows)
};

/// Recognises and counts a decrypted document held in memory, against what the offer says:
/// throws Error{"document_unrecognised"} for anything but PDF, PNG, JPEG and plain text,
/// Error{"document_type_mismatch"} when the bytes are not the offer's content_type,
/// document::countPages' errors (document_unreadable, document_encrypted), and
/// Error{"page_range_out_of_document"} when a page range starts past the last page. A PDF on a
/// build that cannot count PDFs (document::canCountPdfPages() false) has no pages.
DocumentCount countDocument(const protocol::JobOffer& offer,
                            std::span<const std::uint8_t> document);

/// Takes a job from offer to the spooler and follows it there, writing every step to the
/// journal before acting on it:
///   leased → route it to a printer that can do it (printer_routing.h) → download and open
///   the envelope into memory → recognise and count → report counted (the cloud answers
///   whether to print) → create the spooler job → submitting (its id) → send the document from
///   memory → printing → follow → printed | failed.
/// The plaintext exists only in memory (SecureBytes, wiped after use), bounded by the offer's
/// envelope size and max_document_mib; it is never written to disk. A job the cloud holds
/// (proceed false: more pages than quoted) is dropped without printing and recorded cancelled
/// with "held_by_shop" (it may be offered again once the shopkeeper approves).
class JobProcessor {
public:
  /// `printer` is the configured destination (empty: the spooler's default). `keepGoing` is
  /// called for every piece of a streaming document (the daemon pings its watchdog there);
  /// returning false cancels the document cleanly (shutdown).
  JobProcessor(Journal& journal, CloudClient& cloud, PrintBackend& backend, hpke::KeyPair key,
               std::string printer, std::function<bool()> keepGoing = {});

  /// Handles one offer until the spooler holds the whole document (or the job is given back
  /// or failed). A job the journal already has past leased is not printed again: its state
  /// is re-reported under the new lease. Returns the outcome that paces the daemon; Hold when
  /// the spooler did not confirm the end of the document (the job stays submitting and
  /// followJobs() settles it from what the spooler says).
  JobOutcome process(const protocol::JobOffer& offer);

  /// Gives an offer back without starting it (the agent is stopping): recorded, then reported
  /// released. A job the journal has past leased is re-reported instead.
  void giveBack(const protocol::JobOffer& offer, const std::string& why);

  /// Start-up recovery after a stop or crash: leased jobs are given back; submitted ones are
  /// reconciled with what the spooler says (decideRecovery).
  void recover();

  /// Asks the spooler about every job in submitting or printing and records what it learned
  /// (a spooler job whose identity is not ours counts as unknown). Returns how many jobs are
  /// still in flight. process() calls it before it creates a spooler job, so no job is asked
  /// about after a new one may have taken its number.
  std::size_t followJobs();

  /// Cancels a job at the shop's request: cancels its spooler job (when it has one), records it
  /// failed with `why` and reports `failed`. Throws Error{"job_not_found"} for an unknown job,
  /// Error{"job_not_cancellable"} for one that already ended, and the backend's error when the
  /// spooler cannot be asked (nothing is recorded then). Call between jobs (the daemon's work
  /// lock), never while process() runs.
  JournalJob cancelAtShop(const std::string& jobId, const std::string& why);

  /// Purge ended spooler jobs (and their documents) once their outcome is recorded.
  void setPurgeSpoolerJobs(bool purge) { purge_ = purge; }
  /// The configured destination (empty: the spooler's default), e.g. after a reload.
  void setPrinter(std::string printer) { printer_ = std::move(printer); }
  /// The largest document (sealed size, and so plaintext) the agent takes into memory.
  void setMaxDocumentBytes(std::uint64_t bytes) { maxDocumentBytes_ = bytes; }
  /// The store key new documents are sealed to, and older keys documents already queued may
  /// still be sealed to (after a key rotation). The right one is picked by the offer's key id.
  void setKeys(hpke::KeyPair current, std::vector<hpke::KeyPair> older);

private:
  /// The key an offer's document is sealed to; throws envelope_wrong_key when none matches.
  const hpke::KeyPair& keyFor(const protocol::JobOffer& offer) const;
  /// Removes an ended spooler job when purging is on; failures are logged only.
  void purgeSpoolerJob(const JournalJob& job);
  /// The printer for a job (the routing rule in printer_routing.h); throws unsupported_option
  /// listing why no printer can print it, printer_not_accepting when the able ones take no
  /// jobs now, or the backend's errors.
  std::string routeJob(const protocol::JobOffer& offer);
  /// Downloads the sealed document and opens it into memory.
  SecureBytes openDocument(const protocol::JobOffer& offer, const hpke::KeyPair& key);
  /// Posts the counted event (journaled, sent at once: its answer decides) and returns the
  /// answer's "proceed" (true when absent, or when the cloud does not know counted yet).
  bool reportCounted(const protocol::JobOffer& offer, const std::string& printer,
                     const DocumentCount& count);
  /// Ends the document; false when the spooler's answer was lost (outcome unknown: Hold).
  bool finishDocument(const std::string& jobId, DocumentWriter& writer);
  JobOutcome settleFailure(const std::string& jobId, const std::exception& error);
  /// Acknowledges the journalled lease to the cloud; when it cannot (taken back, unreachable)
  /// the job is dropped unprinted and the outcome for the loop is returned.
  std::optional<JobOutcome> acknowledge(const protocol::JobOffer& offer);
  void reReport(const JournalJob& job);
  /// Applies decideRecovery to one job; throws when the spooler cannot be asked.
  void reconcile(const JournalJob& job);

  Journal& journal_;
  CloudClient& cloud_;
  PrintBackend& backend_;
  hpke::KeyPair key_;
  std::vector<hpke::KeyPair> olderKeys_;
  std::string printer_;
  std::function<bool()> keepGoing_;
  std::map<std::string, SpoolerJobState> lastSeen_;
  bool purge_ = false;
  std::uint64_t maxDocumentBytes_ = kDefaultMaxDocumentBytes;
};

} // namespace printrelay::agent
