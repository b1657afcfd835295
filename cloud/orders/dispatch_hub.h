#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace printrelay::cloud {

/// Wakes agents' long-polls the moment work for their store appears. A poll takes a ticket,
/// looks for a queued job, and when there is none parks a waiter (no thread held); notify() (an
/// order was queued, a job released) runs every parked waiter of that store whose ticket is
/// older. Parked waiters run on the hub's one dispatcher thread, which may block
/// (claim a job in the database) and also runs posted tasks.
class DispatchHub {
public:
  using Clock = std::chrono::steady_clock;
  /// A parked poll's step, run on the dispatcher thread when its store is notified or its
  /// recheck time comes: nullopt when it is done, else when to look again without a notify
  /// (Clock::time_point::max(): never).
  using Waiter = std::function<std::optional<Clock::time_point>()>;

  DispatchHub() = default;
  /// Finishes the posted tasks and stops the dispatcher thread.
  ~DispatchHub();
  DispatchHub(const DispatchHub&) = delete;
  DispatchHub& operator=(const DispatchHub&) = delete;

  /// The store's current generation; take it before looking for work.
  std::uint64_t ticket(const std::string& storeId);

  /// Runs the store's parked waiters.
  void notify(const std::string& storeId);

  /// Stops for good (server stop): parked waiters are dropped (their requests are answered by
  /// the server's drain) and later park() calls park nothing.
  void shutdown();

  /// Parks `waiter` for the store: it runs at once when the store was notified since `ticket`,
  /// then on every notify and at its recheck time (`recheckAt` first), until it is done or
  /// `deadline` passes (then it is dropped without running). Returns an id for unpark(); 0 when
  /// the hub is shut down (nothing parked).
  std::uint64_t park(const std::string& storeId, std::uint64_t ticket, Clock::time_point recheckAt,
                     Clock::time_point deadline, Waiter waiter);
  /// Drops a parked waiter (its client went away). Never blocks for long: safe on an I/O thread.
  void unpark(const std::string& storeId, std::uint64_t id);
  /// Runs `task` on the dispatcher thread (blocking work a caller on an I/O thread must not do).
  void post(std::function<void()> task);
  /// Runs the posted tasks still queued and stops the dispatcher thread (server stop).
  void close();

  /// How many polls are parked on the store now.
  std::size_t waiting(const std::string& storeId);

  /// Blocks until at least `count` polls are parked on the store or `timeout` passes; true when
  /// they do. For tests and diagnostics: a condition, never a sleep loop.
  bool awaitWaiting(const std::string& storeId, std::size_t count,
                    std::chrono::milliseconds timeout);

private:
  struct Parked {
    std::uint64_t ticket = 0;
    Clock::time_point recheckAt;
    Clock::time_point deadline;
    Waiter waiter;
  };
  struct Slot {
    std::uint64_t generation = 0;
    std::map<std::uint64_t, Parked> parked;
  };
  struct Due {
    std::string storeId;
    std::uint64_t id;
    Parked parked;
  };
  Slot& slot(const std::string& storeId);
  /// Starts the dispatcher thread on first use (the lock held).
  void startDispatcher();
  void runDispatcher();
  /// Takes the parked waiters due now (the lock held); `next`: the earliest time to look again.
  std::vector<Due> takeDue(Clock::time_point now, Clock::time_point& next);

  std::mutex mutex_;
  std::condition_variable waitersChanged_;
  std::condition_variable dispatcherWake_;
  std::map<std::string, std::unique_ptr<Slot>> slots_;
  std::deque<std::function<void()>> tasks_;
  std::thread dispatcher_;
  std::uint64_t nextParkedId_ = 1;
  bool shutdown_ = false;
  bool closing_ = false;
};

} // namespace printrelay::cloud
