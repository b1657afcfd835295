#include "agent/agent_daemon.h"

#include "common/error.h"
#include "common/log.h"

#include <algorithm>

namespace printrelay::agent {
namespace {

std::string openJournal(const Settings& settings) {
  ensurePrivateDirectory(settings.stateDir);
  return StatePaths(settings.stateDir).journal().string();
}

std::string describePrinter(const std::string& printer) {
  return printer.empty() ? "the CUPS default destination" : "printer " + printer;
}

} // namespace

Agent::Agent(Settings settings, Enrollment enrollment, std::unique_ptr<PrintBackend> backend,
             AgentTiming timing)
    : settings_(std::move(settings)), timing_(timing), enrollment_(std::move(enrollment)),
      backend_(std::move(backend)), journal_(openJournal(settings_)),
      cloud_(CloudEndpoint{.baseUrl = settings_.cloudUrl, .caFile = settings_.caFile},
             enrollment_.credential),
      reporter_(journal_, cloud_),
      processor_(journal_, cloud_, *backend_, enrollment_.key, settings_.printer,
                 [this] {
                   notifier_.heartbeat();
                   return !stop_.load();
                 }),
      pollBackoff_(BackoffPolicy{settings_.backoffInitial, settings_.backoffMax}),
      queueBackoff_(BackoffPolicy{settings_.backoffInitial, settings_.backoffMax}) {}

Agent::~Agent() = default;

void Agent::requestStop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  cloud_.interruptPoll();
}

void Agent::requestReload() {
  reload_ = true;
}

void Agent::pause(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  std::unique_lock lock(mutex_);
  while (!stop_ && std::chrono::steady_clock::now() < until) {
    const auto slice = std::min<std::chrono::steady_clock::duration>(
        until - std::chrono::steady_clock::now(), std::chrono::seconds(5));
    wake_.wait_for(lock, slice, [this] { return stop_.load(); });
    lock.unlock();
    notifier_.heartbeat();
    lock.lock();
  }
}

bool Agent::flushOutbox() {
  const std::size_t pending = journal_.pendingCount();
  if (pending == 0) {
    offline_ = false;
    return true;
  }
  switch (reporter_.flush()) {
  case FlushResult::Done:
    if (offline_) {
      log::notice("the cloud is reachable again; the outbox is flushed");
    }
    offline_ = false;
    return true;
  case FlushResult::Offline:
    if (!offline_) {
      log::warning(std::to_string(journal_.pendingCount()) +
                   " status event(s) wait in the outbox until the cloud is reachable");
    }
    offline_ = true;
    return true;
  case FlushResult::Unauthorized:
    return false;
  }
  return true;
}

void Agent::handleProcessingOutcome(JobOutcome outcome) {
  switch (outcome) {
  case JobOutcome::Ok:
  case JobOutcome::Cancel:
  case JobOutcome::Hold:
    queueBackoff_.reset();
    return;
  case JobOutcome::Retry:
  case JobOutcome::StopQueue: {
    // The job went back to the cloud, which may offer it again at once: do not spin on it.
    const auto delay = queueBackoff_.next();
    log::printer(outcome == JobOutcome::StopQueue ? log::Level::Warning : log::Level::Info,
                 settings_.printer.empty() ? "(default)" : settings_.printer,
                 "not taking jobs for " + std::to_string(delay.count()) + " ms (" +
                     std::string(toString(outcome)) + ")");
    pause(delay);
    return;
  }
  }
}

int Agent::run() {
  log::notice("agent starting: store " +
              (enrollment_.identity.storeName.empty() ? enrollment_.identity.storeId
                                                      : enrollment_.identity.storeName) +
              ", cloud " + settings_.cloudUrl + ", " + describePrinter(settings_.printer));
  processor_.recover();
  try {
    if (const auto pruned = journal_.prune(timing_.pruneAge); pruned > 0) {
      log::info("forgot " + std::to_string(pruned) + " settled job(s) from the journal");
    }
  } catch (const std::exception& e) {
    log::warning(std::string("cannot prune the journal: ") + e.what());
  }
  notifier_.ready("polling " + settings_.cloudUrl);

  while (!stop_) {
    notifier_.heartbeat();
    if (reload_.exchange(false) && reloadHandler_) {
      reloadHandler_();
    }
    // Jobs at the spooler are followed even while the cloud is away or refuses us.
    const std::size_t inFlight = processor_.followJobs();
    if (!flushOutbox()) {
      if (!refused_) {
        log::error("the cloud refused the device credential; this agent may have been revoked "
                   "(enroll again with: printrelay-agent enroll --force --code CODE)");
        notifier_.status("credential refused by the cloud");
      }
      refused_ = true;
      pause(pollBackoff_.policy().max);
      continue;
    }
    if (stop_) {
      break;
    }
    const int wait =
        inFlight > 0
            ? std::min(settings_.pollWaitSeconds,
                       static_cast<int>(std::max<long long>(1, timing_.followInterval.count())))
            : settings_.pollWaitSeconds;
    std::vector<protocol::JobOffer> offers;
    try {
      offers = cloud_.pollJobs(wait);
      if (pollBackoff_.attempts() > 0 || refused_) {
        log::notice("connected to the cloud again");
        notifier_.status("polling " + settings_.cloudUrl);
      }
      pollBackoff_.reset();
      refused_ = false;
    } catch (const CloudError& e) {
      if (stop_) {
        break;
      }
      if (e.unauthorized()) {
        if (!refused_) {
          log::error(std::string("the cloud refused the device credential (") + e.what() +
                     "); this agent may have been revoked");
          notifier_.status("credential refused by the cloud");
        }
        refused_ = true;
        pause(pollBackoff_.policy().max);
        continue;
      }
      const auto delay = pollBackoff_.next();
      log::write(pollBackoff_.attempts() <= 1 ? log::Level::Warning : log::Level::Info,
                 std::string(e.what()) + "; retrying in " + std::to_string(delay.count()) + " ms");
      notifier_.status("cloud unreachable");
      pause(delay);
      continue;
    }
    for (const auto& offer : offers) {
      JobOutcome outcome = JobOutcome::Ok;
      try {
        if (stop_) {
          processor_.giveBack(offer, "agent_stopping: the agent stopped before starting the job");
          continue;
        }
        outcome = processor_.process(offer);
      } catch (const std::exception& e) {
        // Only the journal can fail here: stop taking jobs until it works again.
        log::job(log::Level::Error, offer.jobId, std::string("cannot process: ") + e.what());
        outcome = JobOutcome::StopQueue;
      }
      flushOutbox();
      handleProcessingOutcome(outcome);
    }
  }

  notifier_.stopping();
  if (!offline_ && !refused_) {
    flushOutbox(); // best effort: a released job goes back to the queue at once
  }
  log::notice("agent stopped");
  return 0;
}

} // namespace printrelay::agent
