#include "agent/daemon/agent_daemon.h"

#include "agent/cloud/cloud_requests.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/text.h"

#include <algorithm>
#include <thread>

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
      followCloud_(CloudEndpoint{.baseUrl = settings_.cloudUrl, .caFile = settings_.caFile},
                   enrollment_.credential),
      followReporter_(journal_, followCloud_),
      processor_(journal_, cloud_, *backend_, enrollment_.key, settings_.printer,
                 [this] {
                   notifier_.heartbeat();
                   return !stop_.load();
                 }),
      printerReporter_(
          *backend_,
          [this](const nlohmann::json& printers) {
            CloudRequests(CloudEndpoint{.baseUrl = settings_.cloudUrl, .caFile = settings_.caFile},
                          enrollment_.credential)
                .reportPrinters(printers);
          },
          PrinterReporter::Timing{timing_.printerCheckInterval, timing_.printerReportInterval}),
      pollBackoff_(BackoffPolicy{settings_.backoffInitial, settings_.backoffMax}),
      queueBackoff_(BackoffPolicy{settings_.backoffInitial, settings_.backoffMax}) {
  processor_.setPurgeSpoolerJobs(settings_.purgeSpoolerJobs);
  processor_.setMaxDocumentBytes(settings_.maxDocumentBytes);
}

Agent::~Agent() = default;

bool Agent::setPaused(bool paused, std::string by, std::int64_t since) {
  const bool changed = state_.setPaused(paused, std::move(by), since);
  if (changed) {
    const auto snapshot = state_.snapshot();
    if (paused) {
      log::notice("intake paused" +
                  (snapshot.pausedBy.empty() ? std::string() : " by " + snapshot.pausedBy) +
                  ": not asking the cloud for new jobs (printrelayctl resume)");
      // A waiting long-poll is left to finish: cutting it could lose a job the cloud hands
      // out at that moment until its lease expires. What it brings is given back.
      notifier_.status("paused: not taking new jobs");
    } else {
      log::notice("intake resumed: asking the cloud for jobs again");
      notifier_.status("polling " + settings().cloudUrl);
    }
  }
  { std::lock_guard lock(mutex_); }
  wake_.notify_all();
  return changed;
}

Settings Agent::settings() const {
  std::lock_guard lock(infoMutex_);
  return settings_;
}

AgentIdentity Agent::identity() const {
  std::lock_guard lock(infoMutex_);
  return enrollment_.identity;
}

std::vector<std::string> Agent::applySettings(const Settings& fresh) {
  std::vector<std::string> restart;
  const auto needsRestart = [&](bool changed, const char* key) {
    if (changed) {
      restart.emplace_back(key);
    }
  };
  needsRestart(fresh.cloudUrl != settings_.cloudUrl, "cloud_url");
  needsRestart(fresh.caFile != settings_.caFile, "ca_file");
  needsRestart(fresh.stateDir != settings_.stateDir, "state_dir");
  needsRestart(fresh.cupsServer != settings_.cupsServer, "cups_server");
  needsRestart(fresh.cupsConfigDir != settings_.cupsConfigDir, "cups_config_dir");
  needsRestart(fresh.controlSocket != settings_.controlSocket, "control_socket");
  needsRestart(fresh.logBufferLines != settings_.logBufferLines, "log_buffer_lines");
  {
    std::lock_guard lock(infoMutex_);
    settings_.printer = fresh.printer;
    settings_.pollWaitSeconds = fresh.pollWaitSeconds;
    settings_.backoffInitial = fresh.backoffInitial;
    settings_.backoffMax = fresh.backoffMax;
    settings_.offlineProbe = fresh.offlineProbe;
    settings_.logLevel = fresh.logLevel;
    settings_.purgeSpoolerJobs = fresh.purgeSpoolerJobs;
    settings_.maxDocumentBytes = fresh.maxDocumentBytes;
  }
  log::setLevel(log::parseLevel(fresh.logLevel));
  processor_.setPrinter(fresh.printer);
  processor_.setPurgeSpoolerJobs(fresh.purgeSpoolerJobs);
  processor_.setMaxDocumentBytes(fresh.maxDocumentBytes);
  printerReporter_.forceNext(); // the agent's printer may have changed
  pollBackoff_ = Backoff(BackoffPolicy{fresh.backoffInitial, fresh.backoffMax});
  queueBackoff_ = Backoff(BackoffPolicy{fresh.backoffInitial, fresh.backoffMax});
  return restart;
}

void Agent::setStoreKey(hpke::KeyPair key, std::vector<hpke::KeyPair> older, std::string keyId) {
  processor_.setKeys(key, std::move(older));
  std::lock_guard lock(infoMutex_);
  enrollment_.key = std::move(key);
  enrollment_.identity.keyId = std::move(keyId);
}

void Agent::setOlderStoreKeys(std::vector<hpke::KeyPair> older) {
  processor_.setKeys(enrollment_.key, std::move(older));
}

void Agent::noteOnline() {
  const auto before = state_.snapshot();
  if (!state_.markOnline()) {
    return;
  }
  if (before.link == CloudLink::Offline || before.link == CloudLink::Refused) {
    log::notice("online again: the cloud answers (" + std::string(toString(before.link)) +
                " since " + isoTime(before.linkSince) + ", " +
                humanDuration(unixNow() - before.linkSince) + ")");
  } else {
    log::info("online: connected to the cloud at " + settings_.cloudUrl);
  }
  notifier_.status("online, polling " + settings_.cloudUrl);
  if (before.link == CloudLink::Offline || before.link == CloudLink::Refused) {
    // The cloud may have missed changes (or lost its copy): report the printers again.
    printerReporter_.forceNext();
  }
  printerReporter_.tick(settings_.printer);
  if (reconnectHandler_) {
    try {
      reconnectHandler_();
    } catch (const std::exception& e) {
      log::warning(std::string("after reconnecting: ") + e.what());
    }
  }
}

void Agent::checkInWhilePaused() {
  const auto now = std::chrono::steady_clock::now();
  if (now < nextCheckIn_) {
    return;
  }
  nextCheckIn_ = now + std::chrono::seconds(std::max(1, settings_.pollWaitSeconds));
  try {
    cloud_.checkIn();
    noteOnline();
  } catch (const CloudError& e) {
    if (e.unauthorized()) {
      noteRefused(e.what());
    } else if (e.transient()) {
      noteOffline(e.what());
    } else {
      noteOnline(); // it answered, with an error of its own
    }
  }
}

void Agent::noteOffline(const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  if (state_.markOffline(why)) {
    offlineReminder_ = now;
    log::warning("offline since " + isoTime(state_.snapshot().linkSince) + ": " + why +
                 "; jobs wait at the cloud, status events in the outbox");
  } else if (now - offlineReminder_ >= std::chrono::minutes(10)) {
    offlineReminder_ = now;
    const auto snapshot = state_.snapshot();
    log::warning("still offline since " + isoTime(snapshot.linkSince) + " (" +
                 humanDuration(unixNow() - snapshot.linkSince) + "): " + why + "; " +
                 std::to_string(journal_.pendingCount()) + " status event(s) wait");
  }
  notifier_.status("offline since " + isoTime(state_.snapshot().linkSince));
}

void Agent::noteRefused(const std::string& why) {
  if (state_.markRefused(why)) {
    notifier_.status("credential refused by the cloud since " +
                     isoTime(state_.snapshot().linkSince));
  }
}

void Agent::requestStop(StopMode mode) {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    stopNow_ = stopNow_ || mode == StopMode::Now;
  }
  wake_.notify_all();
}

bool Agent::beginPoll(int wait) {
  std::lock_guard lock(mutex_);
  if (stop_) {
    return false;
  }
  polling_ = true;
  pollDue_ =
      std::chrono::steady_clock::now() + std::chrono::seconds(wait) + timing_.pollAnswerMargin;
  return true;
}

void Agent::endPoll() {
  {
    std::lock_guard lock(mutex_);
    polling_ = false;
  }
  wake_.notify_all();
}

void Agent::cutPollWhenStopping() {
  // Cutting a long-poll the cloud is still holding loses any job it hands out before its wait
  // ends (the cloud leases the job, then writes into a closed connection), so a graceful stop
  // lets the poll end by itself and gives back what it brings. Only an overdue answer or an
  // urgent stop cuts it.
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stop_.load() || runEnded_; });
  if (polling_ && !stopNow_ && !runEnded_) {
    const auto left =
        std::chrono::ceil<std::chrono::seconds>(pollDue_ - std::chrono::steady_clock::now());
    log::notice("letting the long-poll in flight end (at most " + std::to_string(left.count()) +
                " s) so no job the cloud hands out now is lost; stop again to cut it");
  }
  while (!runEnded_) {
    if (polling_ && (stopNow_ || std::chrono::steady_clock::now() >= pollDue_)) {
      lock.unlock();
      cloud_.interruptPoll();
      lock.lock();
      wake_.wait(lock, [this] { return !polling_ || runEnded_; });
      continue;
    }
    if (polling_) {
      wake_.wait_until(lock, pollDue_, [this] { return !polling_ || stopNow_ || runEnded_; });
    } else {
      wake_.wait(lock, [this] { return polling_ || runEnded_; });
    }
  }
}

void Agent::followWhileActive() {
  std::unique_lock lock(mutex_);
  while (!runEnded_) {
    wake_.wait_for(lock, timing_.activeFollowInterval, [this] { return runEnded_; });
    if (runEnded_ || inFlight_.load() == 0) {
      continue;
    }
    lock.unlock();
    if (std::unique_lock work(workMutex_, std::try_to_lock); work.owns_lock()) {
      const std::size_t pendingBefore = journal_.pendingCount();
      inFlight_ = processor_.followJobs();
      if (journal_.pendingCount() > pendingBefore) {
        followReporter_.flush(); // the outcome goes out now, not after the long-poll
      }
    }
    lock.lock();
  }
}

void Agent::pauseWhileOffline(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  const auto probe = settings_.offlineProbe;
  while (!stop_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return;
    }
    pause(probe.count() > 0 ? std::min(left, probe) : left);
    if (probe.count() > 0 && !stop_ && std::chrono::steady_clock::now() < until &&
        cloud_.reachable()) {
      log::info("the cloud answers again; polling now instead of waiting out the retry delay");
      return;
    }
  }
}

void Agent::requestReload() {
  reload_ = true;
}

std::chrono::milliseconds Agent::refusedPause() const {
  // A refused credential does not come back by itself: no need to ask as often as when offline.
  return std::max<std::chrono::milliseconds>(pollBackoff_.policy().max, std::chrono::seconds(60));
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
    noteOnline();
    return true;
  case FlushResult::Offline:
    if (!offline_) {
      log::warning(std::to_string(journal_.pendingCount()) +
                   " status event(s) wait in the outbox until the cloud is reachable");
    }
    offline_ = true;
    noteOffline("status events cannot be delivered");
    return true;
  case FlushResult::Unauthorized:
    noteRefused("the cloud refused the device credential");
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
  std::unique_lock work(workMutex_);
  processor_.recover();
  try {
    if (const auto pruned = journal_.prune(timing_.pruneAge); pruned > 0) {
      log::info("forgot " + std::to_string(pruned) + " settled job(s) from the journal");
    }
  } catch (const std::exception& e) {
    log::warning(std::string("cannot prune the journal: ") + e.what());
  }
  work.unlock();
  // Beside the loop for as long as run() runs (ended and joined however it ends): one thread
  // cuts an overdue long-poll once a stop is requested, one follows jobs at the spooler.
  struct BesideTheLoop {
    Agent& agent;
    std::thread thread;
    ~BesideTheLoop() {
      {
        std::lock_guard lock(agent.mutex_);
        agent.runEnded_ = true;
      }
      agent.wake_.notify_all();
      thread.join();
    }
  };
  const BesideTheLoop pollCutter{*this, std::thread([this] { cutPollWhenStopping(); })};
  const BesideTheLoop follower{*this, std::thread([this] { followWhileActive(); })};
  notifier_.ready(state_.paused() ? "paused: not taking new jobs"
                                  : "polling " + settings_.cloudUrl);

  while (!stop_) {
    notifier_.heartbeat();
    if (reload_.exchange(false) && reloadHandler_) {
      reloadHandler_();
    }
    // Jobs at the spooler are followed even while the cloud is away or refuses us.
    work.lock();
    const std::size_t inFlight = processor_.followJobs();
    inFlight_ = inFlight;
    const bool credentialAccepted = flushOutbox();
    work.unlock();
    if (!credentialAccepted) {
      if (!refused_) {
        log::error("the cloud refused the device credential; this agent may have been revoked "
                   "(enroll again with: PRINTRELAY_ENROLL_CODE=CODE printrelay-agent enroll "
                   "--force)");
        notifier_.status("credential refused by the cloud");
      }
      refused_ = true;
      pause(refusedPause());
      continue;
    }
    if (stop_) {
      break;
    }
    // At start, on a change, periodically: the cloud checks orders against these abilities.
    printerReporter_.tick(settings_.printer);
    if (state_.paused()) {
      // Intake paused at the shop: no long-poll, but printing jobs are still followed and the
      // agent still checks in, so neither the cloud nor `status` shows it offline.
      checkInWhilePaused();
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock,
                     std::chrono::seconds(std::max<long long>(1, timing_.followInterval.count())),
                     [this] { return stop_.load() || !state_.paused(); });
      continue;
    }
    const int wait =
        inFlight > 0
            ? std::min(settings_.pollWaitSeconds,
                       static_cast<int>(std::max<long long>(1, timing_.followInterval.count())))
            : settings_.pollWaitSeconds;
    std::vector<protocol::JobOffer> offers;
    if (!beginPoll(wait)) {
      break;
    }
    try {
      offers = cloud_.pollJobs(wait);
      endPoll();
      noteOnline();
      pollBackoff_.reset();
      refused_ = false;
    } catch (const CloudError& e) {
      endPoll();
      if (stop_) {
        break;
      }
      if (state_.paused() && e.status() == 0) {
        continue; // paused meanwhile: the paused branch checks in instead of backing off
      }
      if (e.unauthorized()) {
        noteRefused(e.what());
        if (!refused_) {
          log::error(std::string("the cloud refused the device credential: ") + e.what() +
                     ". This agent may have been revoked; enroll again with: "
                     "PRINTRELAY_ENROLL_CODE=CODE printrelay-agent enroll --force");
          notifier_.status("credential refused by the cloud");
        }
        refused_ = true;
        pause(refusedPause());
        continue;
      }
      const auto delay = pollBackoff_.next();
      log::write(pollBackoff_.attempts() <= 1 ? log::Level::Warning : log::Level::Info,
                 std::string(e.what()) + "; retrying in " + std::to_string(delay.count()) + " ms");
      if (e.transient()) {
        noteOffline(e.what());
        pauseWhileOffline(delay);
      } else {
        noteOnline(); // it answered, with an error of its own
        pause(delay);
      }
      continue;
    }
    for (const auto& offer : offers) {
      JobOutcome outcome = JobOutcome::Ok;
      work.lock();
      try {
        if (stop_) {
          processor_.giveBack(offer, "agent_stopping: the agent stopped before starting the job");
        } else if (state_.paused()) {
          processor_.giveBack(offer, "agent_paused: intake was paused at the shop");
        } else {
          state_.setCurrentJob(offer.jobId);
          outcome = processor_.process(offer);
          inFlight_ = processor_.followJobs();
        }
      } catch (const std::exception& e) {
        // Only the journal can fail here: stop taking jobs until it works again.
        log::job(log::Level::Error, offer.jobId, std::string("cannot process: ") + e.what());
        outcome = JobOutcome::StopQueue;
      }
      state_.setCurrentJob({});
      flushOutbox();
      work.unlock();
      handleProcessingOutcome(outcome);
    }
  }

  notifier_.stopping();
  work.lock();
  if (!offline_ && !refused_) {
    flushOutbox(); // best effort: a released job goes back to the queue at once
  }
  log::notice("agent stopped");
  return 0;
}

} // namespace printrelay::agent
