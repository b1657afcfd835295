#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace printrelay::cloud {

/// Wakes agents' long-polls the moment work for their store appears. A poll takes a ticket,
/// looks for a queued job, and when there is none waits on the ticket; notify() (an order was
/// queued, a job released) wakes every poll of that store whose ticket is older. Nothing polls:
/// waiting is a condition variable per store.
class DispatchHub {
public:
  /// Why wait() returned.
  enum class Wake { Notified, Timeout, Shutdown };

  DispatchHub() = default;
  DispatchHub(const DispatchHub&) = delete;
  DispatchHub& operator=(const DispatchHub&) = delete;

  /// The store's current generation; take it before looking for work.
  std::uint64_t ticket(const std::string& storeId);

  /// Blocks until the store is notified after `ticket` was taken, `deadline` passes, or the hub
  /// shuts down.
  Wake wait(const std::string& storeId, std::uint64_t ticket,
            std::chrono::steady_clock::time_point deadline);

  /// Wakes the store's waiting polls.
  void notify(const std::string& storeId);

  /// Wakes every poll for good (server stop); later waits return Shutdown at once.
  void shutdown();

  /// How many polls wait on the store now.
  std::size_t waiting(const std::string& storeId);

  /// Blocks until at least `count` polls wait on the store or `timeout` passes; true when they
  /// do. For tests and diagnostics: a condition, never a sleep loop.
  bool awaitWaiting(const std::string& storeId, std::size_t count,
                    std::chrono::milliseconds timeout);

private:
  struct Slot {
    std::uint64_t generation = 0;
    std::size_t waiting = 0;
    std::condition_variable wake;
  };
  Slot& slot(const std::string& storeId);

  std::mutex mutex_;
  std::condition_variable waitersChanged_;
  std::map<std::string, std::unique_ptr<Slot>> slots_;
  bool shutdown_ = false;
};

} // namespace printrelay::cloud
