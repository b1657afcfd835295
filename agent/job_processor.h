#pragma once

#include "agent/job_outcome.h"
#include "agent/journal.h"
#include "agent/print_backend.h"
#include "common/hpke.h"
#include "common/protocol.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent {

class CloudClient;

/// What to do with a job the journal has in flight, once the spooler said what it knows.
enum class RecoveryAction {
  None,             ///< the job is settled; nothing to do
  Release,          ///< never reached the spooler: give it back (released)
  CancelAndRelease, ///< the spooler never got the whole document: cancel that job, give it back
  MarkPrinting,     ///< the spooler has the whole document: record printing, keep following
  KeepFollowing,    ///< queued, held or printing at the spooler: ask again later
  MarkPrinted,      ///< the spooler finished it
  MarkFailed,       ///< canceled or aborted at the spooler, or the spooler has no record of it
};

/// "none", "release", … for logs.
std::string_view toString(RecoveryAction action);

/// The recovery policy: from the journal's state and the spooler's answer to an action. A job
/// that reached the spooler whole is never printed again: it is followed, or its outcome is
/// recorded.
RecoveryAction decideRecovery(JobState state, const SpoolerJobStatus& status);

/// Checks print options against a printer's capabilities (lists the printer does not report
/// are not checked); throws Error{"unsupported_option"} naming the option.
void checkOptions(const protocol::PrintOptions& options, const PrinterCapabilities& caps);

/// Takes a job from offer to the spooler and follows it there, writing every step to the
/// journal before acting on it:
///   leased → create the spooler job → submitting (its id) → stream: download → open the
///   envelope → spooler → printing → follow → printed | failed.
/// Plaintext exists only one envelope chunk at a time, on its way to the spooler.
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

  /// Asks the spooler about every job in submitting or printing and records what it learned.
  /// Returns how many jobs are still in flight.
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
  /// The store key new documents are sealed to, and older keys documents already queued may
  /// still be sealed to (after a key rotation). The right one is picked by the offer's key id.
  void setKeys(hpke::KeyPair current, std::vector<hpke::KeyPair> older);

private:
  /// The key an offer's document is sealed to; throws envelope_wrong_key when none matches.
  const hpke::KeyPair& keyFor(const protocol::JobOffer& offer) const;
  /// Removes an ended spooler job when purging is on; failures are logged only.
  void purgeSpoolerJob(const JournalJob& job);
  void streamDocument(const protocol::JobOffer& offer, const hpke::KeyPair& key,
                      DocumentWriter& writer);
  /// Ends the document; false when the spooler's answer was lost (outcome unknown: Hold).
  bool finishDocument(const std::string& jobId, DocumentWriter& writer);
  JobOutcome settleFailure(const std::string& jobId, const std::exception& error);
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
};

} // namespace printrelay::agent
