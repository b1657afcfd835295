// JobProcessor from offer to spooler: routing, the document in memory, counting, sending
// (following jobs at the spooler and recovery are in job_followup.cpp).
#include "agent/jobs/job_processor.h"

#include "agent/cloud/cloud_client.h"
#include "agent/jobs/document_transfer.h"
#include "agent/jobs/job_event.h"
#include "agent/jobs/printer_routing.h"
#include "common/crypto/envelope.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/text.h"

#include <algorithm>

namespace printrelay::agent {
namespace {

std::string describe(const std::exception& error) {
  if (const auto* e = dynamic_cast<const Error*>(&error); e != nullptr) {
    return e->code() + ": " + e->what();
  }
  return std::string("internal_error: ") + error.what();
}

std::string titleFor(const protocol::JobOffer& offer) {
  const std::string tag = spoolerJobTag(offer.jobId);
  return offer.documentName.empty() ? tag : offer.documentName + " (" + tag + ")";
}

} // namespace

DocumentCount countDocument(const protocol::JobOffer& offer,
                            std::span<const std::uint8_t> document) {
  DocumentCount count;
  count.kind = document::sniff(document.first(std::min(document.size(), document::kSniffBytes)));
  if (count.kind == document::Kind::Unknown) {
    throw Error("document_unrecognised",
                "the decrypted document is not a PDF, PNG, JPEG or plain text document; it is "
                "not printed");
  }
  const std::string declared = mediaTypeOf(offer.contentType);
  const std::string_view found = document::mediaType(count.kind);
  if (!declared.empty() && document::kindOfMediaType(declared) != count.kind) {
    throw Error("document_type_mismatch", "the order says the document is " + declared +
                                              " but its bytes are " + std::string(found) +
                                              "; it is not printed");
  }
  if (count.kind == document::Kind::Pdf && !document::canCountPdfPages()) {
    return count; // this build has no PDF library: printed without a count
  }
  count.pages = document::countPages(count.kind, document);
  protocol::selectedPageCount(offer.options.pageRanges, *count.pages); // a range past the end
  return count;
}

SpoolerJobRef spoolerJobOf(const JournalJob& job) {
  return SpoolerJobRef{job.printer, job.spoolerJobId.value_or(0), spoolerJobTag(job.jobId),
                       job.spoolerJobUuid};
}

JobProcessor::JobProcessor(Journal& journal, CloudClient& cloud, PrintBackend& backend,
                           hpke::KeyPair key, std::string printer, std::function<bool()> keepGoing)
    : journal_(journal), cloud_(cloud), backend_(backend), key_(std::move(key)),
      printer_(std::move(printer)), keepGoing_(std::move(keepGoing)) {
  if (!keepGoing_) {
    keepGoing_ = [] { return true; };
  }
}

JobOutcome JobProcessor::process(const protocol::JobOffer& offer) {
  const std::string& jobId = offer.jobId;
  if (const auto existing = journal_.find(jobId);
      existing && existing->state != JobState::Leased && existing->state != JobState::Cancelled) {
    journal_.updateLease(jobId, offer.leaseId);
    log::job(log::Level::Notice, jobId,
             "offered again but already " + std::string(toString(existing->state)) +
                 "; not printing it again, re-reporting its state");
    try {
      cloud_.acknowledgeOffer(jobId, offer.leaseId);
    } catch (const CloudError& e) {
      // The re-reported events carry the lease: the cloud takes them or refuses them alike.
      log::job(log::Level::Info, jobId, std::string("cannot acknowledge the offer: ") + e.what());
    }
    reReport(*journal_.find(jobId));
    return JobOutcome::Ok;
  }
  journal_.recordLease(offer);
  log::job(log::Level::Info, jobId,
           "leased (order " + offer.orderId + ", " + std::to_string(offer.envelopeSize) +
               " sealed bytes)");
  if (const auto refused = acknowledge(offer); refused) {
    return *refused;
  }

  std::string printer;
  std::optional<SpoolerJobRef> spoolerJob;
  std::unique_ptr<DocumentWriter> writer;
  SecureBytes document;
  std::uint64_t bytesSent = 0;
  try {
    const hpke::KeyPair& key = keyFor(offer);
    printer = routeJob(offer);
    if (!keepGoing_()) {
      throw Error("agent_stopping", "the agent is stopping");
    }
    document = openDocument(offer, key);
    const DocumentCount count = countDocument(offer, document);
    const std::string found(document::mediaType(count.kind));
    if (!count.pages) {
      log::job(log::Level::Info, jobId,
               "recognised " + found + "; this build cannot count PDF pages, so it is printed " +
                   "without a count");
    } else {
      log::printer(log::Level::Info, printer,
                   "job " + jobId + ": " + found + " with " + std::to_string(*count.pages) +
                       " page(s)" +
                       (offer.quotedPages ? ", quoted for " + std::to_string(*offer.quotedPages)
                                          : std::string()));
      if (!reportCounted(offer, printer, count)) {
        wipe(document);
        const std::string why =
            "held_by_shop: the shop holds the order (" + std::to_string(*count.pages) +
            " pages counted" +
            (offer.quotedPages ? ", " + std::to_string(*offer.quotedPages) + " quoted"
                               : std::string()) +
            "); not printed, the document was dropped";
        journal_.advance(jobId, JobState::Cancelled, StepDetails::withError(why));
        log::job(log::Level::Notice, jobId, why);
        return JobOutcome::Ok;
      }
    }
    if (!keepGoing_()) {
      throw Error("agent_stopping", "the agent is stopping");
    }
    // Every job already at the spooler is asked about before a new one may take its number.
    followJobs();
    const CreatedJob created = backend_.createJob(printer, titleFor(offer), offer.options, found);
    spoolerJob = SpoolerJobRef{printer, created.id, spoolerJobTag(jobId), created.uuid};
    journal_.advance(jobId, JobState::Submitting,
                     StepDetails::submitted(created.id, printer, created.uuid));
    log::job(log::Level::Info, jobId,
             "submitting to printer " + printer + " as spooler job " + std::to_string(created.id) +
                 (created.uuid.empty() ? std::string() : " (" + created.uuid + ")"));
    writer = backend_.startDocument(printer, created.id, offer.documentName, found);
    sendDocument(document, *writer, keepGoing_);
    bytesSent = document.size();
    wipe(document);
    if (!finishDocument(jobId, *writer)) {
      // The journal keeps the job in submitting; followJobs() asks the spooler what it has.
      return JobOutcome::Hold;
    }
    writer.reset();
  } catch (const std::exception& error) {
    wipe(document);
    if (writer) {
      writer->abort();
    }
    if (spoolerJob) {
      try {
        if (backend_.cancelJob(*spoolerJob)) {
          log::job(log::Level::Info, jobId,
                   "cancelled spooler job " + std::to_string(spoolerJob->id) +
                       " before its document was complete");
        }
      } catch (const std::exception& cancelError) {
        // The job still lacks its document, so it cannot print.
        log::job(log::Level::Warning, jobId,
                 "could not cancel spooler job " + std::to_string(spoolerJob->id) + ": " +
                     cancelError.what());
      }
    }
    return settleFailure(jobId, error);
  }
  const auto job = *journal_.find(jobId);
  StepDetails sent;
  sent.bytesSent = bytesSent; // the evidence should the spooler forget the job
  journal_.advance(jobId, JobState::Printing, sent, jobEvent("printing", job));
  log::printer(log::Level::Info, printer,
               "job " + jobId + " is spooled as " + std::to_string(spoolerJob->id));
  return JobOutcome::Ok;
}

std::optional<JobOutcome> JobProcessor::acknowledge(const protocol::JobOffer& offer) {
  try {
    cloud_.acknowledgeOffer(offer.jobId, offer.leaseId);
    return std::nullopt;
  } catch (const CloudError& e) {
    // Unacknowledged, the offer goes back to the queue at its deadline and may reach another
    // agent: printing it here too could print it twice, so the job is dropped unprinted. No
    // event: the cloud takes it back by itself.
    const bool takenBack = e.status() == 409;
    const std::string why =
        std::string(takenBack ? "offer_taken_back: " : "offer_not_acknowledged: ") + e.what() +
        "; not printed, the cloud offers it again";
    journal_.advance(offer.jobId, JobState::Cancelled, StepDetails::withError(why));
    log::job(log::Level::Notice, offer.jobId, why);
    return takenBack ? JobOutcome::Ok : JobOutcome::Retry;
  }
}

void JobProcessor::giveBack(const protocol::JobOffer& offer, const std::string& why) {
  if (const auto existing = journal_.find(offer.jobId);
      existing && existing->state != JobState::Leased && existing->state != JobState::Cancelled) {
    journal_.updateLease(offer.jobId, offer.leaseId);
    reReport(*journal_.find(offer.jobId));
    return;
  }
  const auto job = journal_.recordLease(offer);
  journal_.advance(offer.jobId, JobState::Cancelled, StepDetails::withError(why),
                   jobEvent("released", job, why));
  log::job(log::Level::Info, offer.jobId, "given back: " + why);
}

const hpke::KeyPair& JobProcessor::keyFor(const protocol::JobOffer& offer) const {
  const std::string ours = envelope::keyIdFor(key_.publicKey());
  if (offer.keyId.empty() || offer.keyId == ours) {
    return key_;
  }
  for (const auto& older : olderKeys_) {
    if (envelope::keyIdFor(older.publicKey()) == offer.keyId) {
      return older;
    }
  }
  throw Error("envelope_wrong_key",
              "the document is sealed to key " + offer.keyId + ", not to this store's key " + ours);
}

void JobProcessor::setKeys(hpke::KeyPair current, std::vector<hpke::KeyPair> older) {
  key_ = std::move(current);
  olderKeys_ = std::move(older);
}

std::string JobProcessor::routeJob(const protocol::JobOffer& offer) {
  std::string agentPrinter = printer_;
  if (agentPrinter.empty()) {
    try {
      agentPrinter = backend_.resolvePrinter({}); // the spooler's default destination
    } catch (const Error& e) {
      if (e.code() != "printer_not_found" && e.code() != "printer_not_accepting") {
        throw;
      }
    }
  }
  const auto candidates = routingCandidates(backend_);
  const RoutingDecision decision =
      choosePrinter(offer.options, offer.contentType, offer.printer, agentPrinter, candidates);
  for (const auto& refusal : decision.refusals) {
    log::job(log::Level::Debug, offer.jobId, "passed over " + refusal);
  }
  if (decision.printer.empty()) {
    const std::string why = describeRefusals(decision);
    for (const auto& c : candidates) {
      log::printer(log::Level::Info, c.info.name, "cannot take job " + offer.jobId);
    }
    // Able but not accepting jobs now: give the job back and wait; otherwise it never can.
    throw Error(decision.ableButNotAccepting ? "printer_not_accepting" : "unsupported_option", why);
  }
  if (!offer.printer.empty() && decision.printer != offer.printer) {
    const auto it =
        std::find_if(candidates.begin(), candidates.end(),
                     [&](const RoutingCandidate& c) { return c.info.name == offer.printer; });
    log::printer(log::Level::Notice, offer.printer,
                 it == candidates.end()
                     ? "the shop chose this printer for job " + offer.jobId +
                           " but the spooler has no such printer; routing it elsewhere"
                     : "the shop chose this printer for job " + offer.jobId +
                           " but it cannot take it now; routing it elsewhere");
  }
  log::printer(log::Level::Info, decision.printer,
               "takes job " + offer.jobId + " (" + decision.because + ")");
  return decision.printer;
}

SecureBytes JobProcessor::openDocument(const protocol::JobOffer& offer, const hpke::KeyPair& key) {
  if (offer.envelopeSize > maxDocumentBytes_) {
    throw Error("document_too_large",
                "the document is " + std::to_string(offer.envelopeSize / (1024 * 1024)) +
                    " MiB sealed; this agent takes documents up to " +
                    std::to_string(maxDocumentBytes_ / (1024 * 1024)) + " MiB (max_document_mib)");
  }
  // The plaintext is never larger than its envelope.
  const std::uint64_t limit = offer.envelopeSize > 0 ? offer.envelopeSize : maxDocumentBytes_;
  SecureBytes plaintext = downloadDocument(cloud_, offer, key, limit, keepGoing_);
  log::job(log::Level::Debug, offer.jobId,
           "document opened into memory: " + std::to_string(plaintext.size()) + " bytes");
  return plaintext;
}

bool JobProcessor::reportCounted(const protocol::JobOffer& offer, const std::string& printer,
                                 const DocumentCount& count) {
  protocol::JobEvent counted;
  counted.state = "counted";
  counted.printer = printer;
  counted.pages = count.pages;
  counted.contentType = std::string(document::mediaType(count.kind));
  // Journaled like every event (the job's next seq, its lease), but sent at once: its answer
  // decides whether to print. It is never sent again later: a job whose answer did not come is
  // given back, and a new lease counts again.
  const std::uint64_t seq = journal_.enqueue(offer.jobId, counted);
  const auto events = journal_.eventsFor(offer.jobId);
  const auto row = std::find_if(events.begin(), events.end(),
                                [seq](const OutboxEvent& e) { return e.seq == seq; });
  if (row == events.end()) {
    throw Error("journal_corrupt", "the counted event of job " + offer.jobId + " is missing");
  }
  nlohmann::json answer;
  try {
    answer = cloud_.postEventForAnswer(offer.jobId, row->body);
  } catch (const CloudError& e) {
    journal_.markSent(row->id, "dropped: " + std::string(e.what()).substr(0, 200));
    if (e.status() == 400) {
      // A cloud from before page counting refuses the state; it has nothing to hold.
      log::job(log::Level::Notice, offer.jobId,
               std::string("the cloud does not take counted events (") + e.what() +
                   "); printing without its answer");
      return true;
    }
    throw;
  }
  journal_.markSent(row->id, "delivered");
  const auto it = answer.find("proceed");
  if (it == answer.end() || it->is_null()) {
    return true;
  }
  if (!it->is_boolean()) {
    throw CloudError(502, "cloud_bad_response",
                     "the answer to counted has a 'proceed' that is not true or false");
  }
  return it->get<bool>();
}

bool JobProcessor::finishDocument(const std::string& jobId, DocumentWriter& writer) {
  try {
    writer.finish();
    return true;
  } catch (const Error& e) {
    // A definite refusal is handled like any failure; a lost answer is not: the spooler may
    // hold the whole document and print it, so the job must not be given back blindly.
    if (e.code() != "spooler_unavailable" && e.code() != "spooler_write_failed") {
      throw;
    }
    log::job(log::Level::Warning, jobId,
             std::string("the spooler did not confirm the end of the document (") + e.what() +
                 "); asking it what it has before going on");
    return false;
  }
}

JobOutcome JobProcessor::settleFailure(const std::string& jobId, const std::exception& error) {
  const JobOutcome outcome = outcomeFor(error);
  const std::string why = describe(error);
  try {
    const auto job = *journal_.find(jobId);
    if (outcome == JobOutcome::Cancel) {
      journal_.advance(jobId, JobState::Failed, StepDetails::withError(why),
                       jobEvent("failed", job, why));
      log::job(log::Level::Error, jobId, "failed: " + why);
    } else {
      journal_.advance(jobId, JobState::Cancelled, StepDetails::withError(why),
                       jobEvent("released", job, why));
      log::job(log::Level::Warning, jobId,
               "given back to the cloud (" + std::string(toString(outcome)) + "): " + why);
    }
  } catch (const std::exception& journalError) {
    log::job(log::Level::Error, jobId,
             std::string("cannot record the job's outcome: ") + journalError.what());
    return JobOutcome::StopQueue;
  }
  return outcome;
}

} // namespace printrelay::agent
