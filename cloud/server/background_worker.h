#pragma once

#include "cloud/accounts/token_service.h"
#include "cloud/mail/mailer.h"
#include "cloud/orders/event_feed.h"
#include "cloud/orders/lifecycle.h"
#include "cloud/storage/document_directory.h"
#include "cloud/storage/store.h"
#include "common/util/clock.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace printrelay::cloud {

/// The cloud's background thread: sends the mail outbox (retrying with exponential backoff),
/// rotates the token signing keys when due, purges expired tokens and, given the document
/// directory, sweeps the orders (expiry of waiting orders, deletion of ciphertext past its
/// retention; cloud/orders/lifecycle.h). Lifecycle: construct, start(), stop() (or destroy).
class BackgroundWorker {
public:
  BackgroundWorker(Store& store, Mailer& mailer, TokenService& tokens, std::string mailFrom,
                   Clock clock, DocumentDirectory* documents = nullptr);
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;
  ~BackgroundWorker();

  /// What the order sweep wakes (the live event streams), and whose agents' presence it sweeps;
  /// before start().
  void setOrderHooks(OrderServiceHooks hooks) { orderHooks_ = std::move(hooks); }
  void setAgentPresence(AgentPresence* presence) { presence_ = presence; }

  void start();
  /// Stops the thread and waits for it; idempotent.
  void stop();
  /// Asks the thread to look at the outbox now (a transaction just queued mail).
  void wake();

  /// One pass over the outbox: sends every due mail; returns how many were sent.
  int sendDueMail();
  /// Rotates the signing keys when due and purges expired records.
  void maintain();
  /// One order sweep at `now` (sweepOrders); does nothing without a document directory.
  SweepResult sweepOrders(std::int64_t now);

  /// Seconds to wait before attempt `attempts + 1`: 30 s doubling per attempt, at most an hour.
  static std::int64_t backoffSeconds(int attempts);
  /// A mail is given up after this many failed attempts.
  static constexpr int kMaxAttempts = 10;
  /// How long a claimed mail is left alone by other senders while it is being sent.
  static constexpr std::int64_t kClaimSeconds = 300;

private:
  void loop();

  Store& store_;
  Mailer& mailer_;
  TokenService& tokens_;
  std::string mailFrom_;
  Clock clock_;
  DocumentDirectory* documents_;
  OrderServiceHooks orderHooks_;
  AgentPresence* presence_ = nullptr;
  std::mutex mutex_;
  std::condition_variable wakeUp_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

} // namespace printrelay::cloud
