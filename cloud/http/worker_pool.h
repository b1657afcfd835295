#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace printrelay::http {

/// A fixed set of threads for blocking work, with a bounded queue: a task that finds every
/// thread busy and the queue full is refused, never queued silently.
class WorkerPool {
public:
  WorkerPool(std::size_t threads, std::size_t maxQueued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Runs `task` on a worker; false when the pool is full or stopped.
  bool tryPost(std::function<void()> task);
  /// Runs what is queued, then joins the threads.
  void stop();

  std::size_t queued() const;
  std::size_t busy() const;
  std::size_t threads() const { return threads_.size(); }

private:
  void run();
  const std::size_t maxQueued_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace printrelay::http
