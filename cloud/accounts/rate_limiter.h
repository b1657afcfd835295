#pragma once

#include "common/util/clock.h"

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace printrelay::cloud {

/// Counts events per key in a sliding window (login failures per account and per client
/// address, orders and uploads per user, …). In memory, per node. Thread-safe.
class RateLimiter {
public:
  RateLimiter(std::int64_t windowSeconds, std::uint32_t limit, Clock clock);

  /// Whether `key` already has `limit` events in the window (the next one would be too many).
  bool exhausted(const std::string& key);
  /// Records one event for `key`.
  void record(const std::string& key);
  /// Records one event unless the key is exhausted; false (nothing recorded) when it is.
  bool tryAcquire(const std::string& key);
  /// Forgets the key's events (a successful login clears its account's failures).
  void reset(const std::string& key);
  /// Seconds until the oldest event in the window leaves it (for Retry-After); 0 if none.
  std::int64_t retryAfter(const std::string& key);

  std::uint32_t limit() const { return limit_; }

private:
  void prune(std::deque<std::int64_t>& events, std::int64_t now) const;

  std::int64_t window_;
  std::uint32_t limit_;
  Clock clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::int64_t>> events_;
};

} // namespace printrelay::cloud
