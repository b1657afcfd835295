// JobProcessor after the document reached the spooler: following spooler jobs to their end,
// recovery at start-up (decideRecovery), cancelling at the shop's request, purging.
#include "agent/jobs/job_event.h"
#include "agent/jobs/job_processor.h"
#include "common/util/clock.h"
#include "common/util/enum_names.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/text.h"

namespace printrelay::agent {

std::string_view toString(RecoveryAction action) {
  static constexpr auto kNames =
      enumNames(RecoveryAction::MarkOutcomeUnknown,
                {"none", "release", "cancel_and_release", "mark_printing", "keep_following",
                 "mark_printed", "mark_failed", "mark_outcome_unknown"});
  return kNames.name(action);
}

RecoveryAction decideRecovery(JobState state, const SpoolerJobStatus& status) {
  switch (state) {
  case JobState::Printed:
  case JobState::Failed:
  case JobState::Cancelled:
  case JobState::OutcomeUnknown:
    return RecoveryAction::None;
  case JobState::Leased:
    return RecoveryAction::Release;
  case JobState::Submitting:
  case JobState::Printing:
    break;
  }
  switch (status.state) {
  case SpoolerJobState::Completed:
    return RecoveryAction::MarkPrinted;
  case SpoolerJobState::Canceled:
  case SpoolerJobState::Aborted:
    // Nothing proves the document was not (partly) printed: never print it again.
    return RecoveryAction::MarkFailed;
  case SpoolerJobState::Unknown:
    // Forgotten (cupsd killed before it wrote the job down) or its number given out again: it
    // may have printed, or not. Neither printed nor failed, and never printed again.
    return RecoveryAction::MarkOutcomeUnknown;
  case SpoolerJobState::Pending:
  case SpoolerJobState::Held:
  case SpoolerJobState::Processing:
  case SpoolerJobState::Stopped:
    break;
  }
  if (state == JobState::Submitting) {
    // Still waiting for its document: the stream was cut, nothing of it can have printed.
    return status.awaitingDocument ? RecoveryAction::CancelAndRelease
                                   : RecoveryAction::MarkPrinting;
  }
  return RecoveryAction::KeepFollowing;
}

protocol::JobEvent outcomeUnknownEvent(const JournalJob& job) {
  protocol::JobEvent event = jobEvent("outcome_unknown", job, job.lastError);
  event.spoolerState = job.spoolerState;
  if (job.spoolerSeenAt != 0) {
    event.spoolerSeenAt = job.spoolerSeenAt;
  }
  event.bytesSent = job.bytesSent;
  return event;
}

void JobProcessor::purgeSpoolerJob(const JournalJob& job) {
  if (!purge_ || !job.spoolerJobId) {
    return;
  }
  try {
    if (backend_.purgeJob(spoolerJobOf(job))) {
      log::job(log::Level::Debug, job.jobId,
               "purged spooler job " + std::to_string(*job.spoolerJobId) + " and its document");
    }
  } catch (const std::exception& e) {
    log::job(log::Level::Warning, job.jobId,
             "could not purge spooler job " + std::to_string(*job.spoolerJobId) +
                 " (its document may stay in the spool): " + e.what());
  }
}

JournalJob JobProcessor::cancelAtShop(const std::string& jobId, const std::string& why) {
  const auto found = journal_.find(jobId);
  if (!found) {
    throw Error("job_not_found", "the journal has no job " + jobId);
  }
  const JournalJob& job = *found;
  if (isSettled(job.state)) {
    throw Error("job_not_cancellable",
                "job " + jobId + " already ended (" + std::string(toString(job.state)) + ")");
  }
  if (job.spoolerJobId && !backend_.cancelJob(spoolerJobOf(job))) {
    log::job(log::Level::Notice, jobId,
             "spooler job " + std::to_string(*job.spoolerJobId) +
                 " is no longer ours (or gone); nothing cancelled at the spooler");
  }
  journal_.advance(jobId, JobState::Failed, StepDetails::withError(why),
                   jobEvent("failed", job, why));
  lastSeen_.erase(jobId);
  log::job(log::Level::Notice, jobId,
           "cancelled at the shop" +
               (job.spoolerJobId ? " (spooler job " + std::to_string(*job.spoolerJobId) + ")"
                                 : std::string()) +
               ": " + why);
  purgeSpoolerJob(job);
  return *journal_.find(jobId);
}

void JobProcessor::reReport(const JournalJob& job) {
  switch (job.state) {
  case JobState::Printed:
    journal_.enqueue(job.jobId, jobEvent("printed", job));
    break;
  case JobState::Failed:
    journal_.enqueue(job.jobId, jobEvent("failed", job, job.lastError));
    break;
  case JobState::Printing:
    journal_.enqueue(job.jobId, jobEvent("printing", job));
    break;
  case JobState::OutcomeUnknown:
    journal_.enqueue(job.jobId, outcomeUnknownEvent(job));
    break;
  case JobState::Submitting: // followJobs() decides and reports
  case JobState::Leased:
  case JobState::Cancelled:
    break;
  }
}

void JobProcessor::recover() {
  for (const auto& job : journal_.unsettled()) {
    if (job.state == JobState::Leased || !job.spoolerJobId) {
      const std::string why = "agent_restarted: the agent stopped before the job reached the "
                              "spooler";
      journal_.advance(job.jobId, JobState::Cancelled, StepDetails::withError(why),
                       jobEvent("released", job, why));
      log::job(log::Level::Notice, job.jobId, "given back: it never reached the spooler");
      continue;
    }
    try {
      reconcile(job);
    } catch (const std::exception& e) {
      log::job(log::Level::Warning, job.jobId,
               std::string("cannot ask the spooler yet; will retry: ") + e.what());
    }
  }
}

std::size_t JobProcessor::followJobs() {
  std::size_t inFlight = 0;
  for (const auto& job : journal_.unsettled()) {
    if (job.state == JobState::Leased) {
      continue;
    }
    try {
      reconcile(job);
    } catch (const std::exception& e) {
      log::job(log::Level::Debug, job.jobId, std::string("cannot ask the spooler: ") + e.what());
    }
    if (const auto now = journal_.find(job.jobId); now && !isSettled(now->state)) {
      ++inFlight;
    }
  }
  return inFlight;
}

void JobProcessor::reconcile(const JournalJob& job) {
  const int spoolerJobId = job.spoolerJobId.value_or(0);
  const SpoolerJobStatus status = backend_.jobStatus(spoolerJobOf(job));
  const RecoveryAction action = decideRecovery(job.state, status);
  const std::string where =
      status.foreign ? "spooler job " + std::to_string(spoolerJobId) + " is another job now ('" +
                           status.name + "'): the spooler forgot ours and gave its number out again"
                     : "spooler job " + std::to_string(spoolerJobId) + " is " +
                           std::string(toString(status.state)) +
                           (status.reasons.empty() ? "" : " (" + joined(status.reasons, ",") + ")");
  if (auto [it, inserted] = lastSeen_.try_emplace(job.jobId, status.state);
      inserted || it->second != status.state) {
    it->second = status.state;
    log::job(log::Level::Info, job.jobId, where);
    if (status.state != SpoolerJobState::Unknown) {
      // The evidence should the spooler forget the job later: what it last said, and when.
      journal_.noteSpoolerState(job.jobId, toString(status.state), systemNow());
    }
    if (status.state == SpoolerJobState::Stopped) {
      log::printer(log::Level::Warning, job.printer,
                   "stopped with job " + job.jobId + " on it; it needs attention");
    }
  }
  switch (action) {
  case RecoveryAction::None:
  case RecoveryAction::KeepFollowing:
    return;
  case RecoveryAction::Release: {
    const std::string why = "agent_restarted: the job never reached the spooler";
    journal_.advance(job.jobId, JobState::Cancelled, StepDetails::withError(why),
                     jobEvent("released", job, why));
    break;
  }
  case RecoveryAction::CancelAndRelease: {
    backend_.cancelJob(spoolerJobOf(job));
    const std::string why = "agent_restarted: the document never reached the spooler whole";
    journal_.advance(job.jobId, JobState::Cancelled, StepDetails::withError(why),
                     jobEvent("released", job, why));
    log::job(log::Level::Notice, job.jobId,
             "cancelled incomplete spooler job " + std::to_string(spoolerJobId) +
                 " and gave the job back");
    break;
  }
  case RecoveryAction::MarkPrinting:
    journal_.advance(job.jobId, JobState::Printing, StepDetails{}, jobEvent("printing", job));
    return; // still followed
  case RecoveryAction::MarkPrinted:
    journal_.advance(job.jobId, JobState::Printed, StepDetails{}, jobEvent("printed", job));
    log::job(log::Level::Info, job.jobId, "printed on " + job.printer);
    purgeSpoolerJob(job);
    break;
  case RecoveryAction::MarkOutcomeUnknown: {
    const std::string why = status.foreign
                                ? "spooler_job_unknown: " + where
                                : "spooler_job_unknown: the spooler has no record of job " +
                                      std::to_string(spoolerJobId) + "; it may have printed";
    journal_.advance(job.jobId, JobState::OutcomeUnknown, StepDetails::withError(why));
    const auto now = *journal_.find(job.jobId);
    journal_.enqueue(job.jobId, outcomeUnknownEvent(now));
    log::job(log::Level::Warning, job.jobId,
             "outcome unknown (the shop checks the tray and resolves it): " + why +
                 "; last spooler state " +
                 (now.spoolerState.empty() ? std::string("none seen") : now.spoolerState));
    break; // never purged: it is not ours to remove any more
  }
  case RecoveryAction::MarkFailed: {
    const std::string why =
        status.state != SpoolerJobState::Unknown
            ? "spooler_job_" + std::string(toString(status.state)) + ": " + where
        : status.foreign ? "spooler_job_unknown: " + where
                         : "spooler_job_unknown: the spooler has no record of job " +
                               std::to_string(spoolerJobId);
    journal_.advance(job.jobId, JobState::Failed, StepDetails::withError(why),
                     jobEvent("failed", job, why));
    log::job(log::Level::Error, job.jobId, "failed: " + why);
    purgeSpoolerJob(job);
    break;
  }
  }
  lastSeen_.erase(job.jobId);
}

} // namespace printrelay::agent
