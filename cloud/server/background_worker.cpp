#include "cloud/server/background_worker.h"

#include "common/util/error.h"
#include "common/util/log.h"

#include <algorithm>

namespace printrelay::cloud {
namespace {

/// How often the thread looks at the outbox without being woken (retries become due).
constexpr auto kPollInterval = std::chrono::seconds(2);
/// How often maintenance runs.
constexpr auto kMaintenanceInterval = std::chrono::minutes(10);
/// How often the orders are swept (expiry, retention).
constexpr auto kSweepInterval = std::chrono::minutes(1);
constexpr int kBatch = 20;

} // namespace

BackgroundWorker::BackgroundWorker(Store& store, Mailer& mailer, TokenService& tokens,
                                   std::string mailFrom, Clock clock, DocumentDirectory* documents)
    : store_(store), mailer_(mailer), tokens_(tokens), mailFrom_(std::move(mailFrom)),
      clock_(std::move(clock)), documents_(documents) {}

BackgroundWorker::~BackgroundWorker() {
  stop();
}

void BackgroundWorker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) {
    return;
  }
  thread_ = std::thread([this] { loop(); });
}

void BackgroundWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeUp_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void BackgroundWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeUp_.notify_all();
}

std::int64_t BackgroundWorker::backoffSeconds(int attempts) {
  const int doublings = std::clamp(attempts - 1, 0, 20);
  return std::min<std::int64_t>(std::int64_t{30} << doublings, 3600);
}

int BackgroundWorker::sendDueMail() {
  int sent = 0;
  for (;;) {
    std::vector<MailRecord> due;
    {
      const std::int64_t now = clock_();
      auto tx = store_.begin();
      due = tx->claimDueMails(now, now + kClaimSeconds, kBatch);
      tx->commit();
    }
    if (due.empty()) {
      return sent;
    }
    for (auto& mail : due) {
      std::string failure;
      try {
        mailer_.send({mailFrom_, mail.recipient, mail.subject, mail.body, mail.html});
      } catch (const std::exception& e) {
        failure = e.what();
      }
      const std::int64_t now = clock_();
      mail.attempts += 1;
      if (failure.empty()) {
        mail.sentAt = now;
        mail.lastError.clear();
        ++sent;
        log::info("mail " + std::to_string(mail.id) + " (\"" + mail.subject + "\") sent via " +
                  mailer_.describe());
      } else if (mail.attempts >= kMaxAttempts) {
        mail.failedAt = now;
        mail.lastError = failure;
        log::error("mail " + std::to_string(mail.id) + " given up after " +
                   std::to_string(mail.attempts) + " attempts: " + failure);
      } else {
        mail.nextAttemptAt = now + backoffSeconds(mail.attempts);
        mail.lastError = failure;
        log::warning("mail " + std::to_string(mail.id) + " not sent (attempt " +
                     std::to_string(mail.attempts) + "), retrying in " +
                     std::to_string(backoffSeconds(mail.attempts)) + " s: " + failure);
      }
      auto tx = store_.begin();
      tx->updateMail(mail);
      tx->commit();
    }
    if (sent == 0) {
      return 0; // everything failed: leave the rest to the backoff
    }
  }
}

void BackgroundWorker::maintain() {
  tokens_.rotateIfDue();
  auto tx = store_.begin();
  tx->purgeExpired(clock_());
  tx->commit();
}

SweepResult BackgroundWorker::sweepOrders(std::int64_t now) {
  if (documents_ == nullptr) {
    return {};
  }
  const SweepResult result = printrelay::cloud::sweepOrders(store_, *documents_, now, orderHooks_);
  if (result.expired > 0 || result.documentsDeleted > 0) {
    log::info("order sweep: " + std::to_string(result.expired) + " expired, " +
              std::to_string(result.documentsDeleted) + " documents deleted");
  }
  return result;
}

void BackgroundWorker::loop() {
  auto nextMaintenance = std::chrono::steady_clock::now();
  auto nextSweep = nextMaintenance;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    try {
      sendDueMail();
      if (std::chrono::steady_clock::now() >= nextMaintenance) {
        maintain();
        nextMaintenance = std::chrono::steady_clock::now() + kMaintenanceInterval;
      }
      if (std::chrono::steady_clock::now() >= nextSweep) {
        sweepOrders(clock_());
        if (presence_ != nullptr) {
          presence_->sweep(clock_());
        }
        nextSweep = std::chrono::steady_clock::now() + kSweepInterval;
      }
    } catch (const std::exception& e) {
      log::error(std::string("background work failed: ") + e.what());
    }
    lock.lock();
    wakeUp_.wait_for(lock, kPollInterval, [this] { return stopping_ || woken_; });
  }
}

} // namespace printrelay::cloud
