#include "agent/jobs/job_outcome.h"

#include "agent/cloud/cloud_client.h"
#include "common/util/enum_names.h"
#include "common/util/error.h"

#include <array>

namespace printrelay::agent {
namespace {

// Before the spooler holds a complete document, nothing has been printed, so giving a job back
// is always safe; once it does, the processor never consults this table (it follows the job).
constexpr std::array kRules{
    // The document is bad or not for us: printing it can never succeed.
    OutcomeRule{"envelope_", true, JobOutcome::Cancel},
    OutcomeRule{"hpke_", true, JobOutcome::Cancel},
    OutcomeRule{"unsupported_option", false, JobOutcome::Cancel},
    OutcomeRule{"document_", true, JobOutcome::Cancel}, // unrecognised, type mismatch, too large
    OutcomeRule{"page_range_out_of_document", false, JobOutcome::Cancel},
    OutcomeRule{"spooler_format_unsupported", false, JobOutcome::Cancel},
    // The cloud is away or the lease is gone: the job goes back to the queue.
    OutcomeRule{"cloud_", true, JobOutcome::Retry},
    OutcomeRule{"http_", true, JobOutcome::Retry},
    OutcomeRule{"lease_", true, JobOutcome::Retry},
    OutcomeRule{"job_not_found", false, JobOutcome::Retry},
    OutcomeRule{"internal_error", false, JobOutcome::Retry},
    OutcomeRule{"agent_stopping", false, JobOutcome::Retry},
    OutcomeRule{"spooler_write_failed", false, JobOutcome::Retry},
    // The printer or the spooler cannot take jobs now.
    OutcomeRule{"spooler_unavailable", false, JobOutcome::StopQueue},
    OutcomeRule{"printer_not_found", false, JobOutcome::StopQueue},
    OutcomeRule{"printer_not_accepting", false, JobOutcome::StopQueue},
    OutcomeRule{"spooler_refused", false, JobOutcome::StopQueue},
    // The journal could not record a step: stop taking jobs until it can.
    OutcomeRule{"journal_", true, JobOutcome::StopQueue},
};

constexpr auto kOutcomeNames =
    enumNames(JobOutcome::Cancel, {"ok", "retry", "hold", "stop_queue", "cancel"});

} // namespace

std::string_view toString(JobOutcome outcome) {
  return kOutcomeNames.name(outcome);
}

std::span<const OutcomeRule> outcomeRules() {
  return kRules;
}

JobOutcome outcomeForCode(std::string_view code) {
  for (const auto& rule : kRules) {
    if (rule.prefix ? code.starts_with(rule.code) : code == rule.code) {
      return rule.outcome;
    }
  }
  return JobOutcome::Cancel;
}

JobOutcome outcomeFor(const std::exception& error) {
  // Whatever the cloud answered while serving a job, the job itself is not at fault.
  if (dynamic_cast<const CloudError*>(&error) != nullptr) {
    return JobOutcome::Retry;
  }
  if (const auto* e = dynamic_cast<const Error*>(&error); e != nullptr) {
    return outcomeForCode(e->code());
  }
  return JobOutcome::Retry;
}

} // namespace printrelay::agent
