#pragma once

#include <exception>
#include <span>
#include <string>
#include <string_view>

namespace printrelay::agent {

/// What becomes of a job after a step failed, as CUPS backends answer
/// CUPS_BACKEND_OK / RETRY / HOLD / STOP / CANCEL. The policy is the table in job_outcome.cpp.
enum class JobOutcome {
  Ok,        ///< the step succeeded
  Retry,     ///< transient: nothing printed; give the job back (released) and go on
  Hold,      ///< the spooler has the job but cannot be asked now: keep it, ask again later
  StopQueue, ///< the printer or spooler cannot take jobs: give the job back, pause polling
  Cancel,    ///< the job itself cannot be printed: report it failed
};

/// "ok", "retry", "hold", "stop_queue", "cancel".
std::string_view toString(JobOutcome outcome);

/// One row of the policy: errors whose code equals `code` (or starts with it when `prefix`)
/// lead to `outcome`.
struct OutcomeRule {
  std::string_view code;
  bool prefix;
  JobOutcome outcome;
};

/// The policy table, first match wins.
std::span<const OutcomeRule> outcomeRules();

/// The outcome for an error code (printrelay::Error::code()); codes no rule names cancel the job,
/// so an unforeseen error can never make a job go round forever.
JobOutcome outcomeForCode(std::string_view code);

/// The outcome for any exception: a CloudError retries (the cloud, not the job, failed), an
/// Error goes by its code, anything else (allocation, system errors) retries.
JobOutcome outcomeFor(const std::exception& error);

} // namespace printrelay::agent
