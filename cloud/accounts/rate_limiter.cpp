#include "cloud/accounts/rate_limiter.h"

namespace printrelay::cloud {
namespace {

/// Past this many keys, keys with no event in the window are dropped on the next record().
constexpr std::size_t kSweepAbove = 10000;

} // namespace

RateLimiter::RateLimiter(std::int64_t windowSeconds, std::uint32_t limit, Clock clock)
    : window_(windowSeconds), limit_(limit), clock_(std::move(clock)) {}

void RateLimiter::prune(std::deque<std::int64_t>& events, std::int64_t now) const {
  while (!events.empty() && events.front() <= now - window_) {
    events.pop_front();
  }
}

bool RateLimiter::exhausted(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = events_.find(key);
  if (it == events_.end()) {
    return limit_ == 0;
  }
  prune(it->second, clock_());
  return it->second.size() >= limit_;
}

void RateLimiter::record(const std::string& key) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_();
  if (events_.size() > kSweepAbove) {
    for (auto it = events_.begin(); it != events_.end();) {
      prune(it->second, now);
      it = it->second.empty() ? events_.erase(it) : std::next(it);
    }
  }
  auto& events = events_[key];
  prune(events, now);
  events.push_back(now);
  while (events.size() > limit_ + 1) {
    events.pop_front(); // only the last limit+1 matter
  }
}

bool RateLimiter::tryAcquire(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& events = events_[key];
  const std::int64_t now = clock_();
  prune(events, now);
  if (events.size() >= limit_) {
    return false;
  }
  events.push_back(now);
  return true;
}

void RateLimiter::reset(const std::string& key) {
  std::lock_guard lock(mutex_);
  events_.erase(key);
}

std::int64_t RateLimiter::retryAfter(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = events_.find(key);
  if (it == events_.end() || it->second.empty()) {
    return 0;
  }
  const std::int64_t now = clock_();
  prune(it->second, now);
  return it->second.empty() ? 0 : it->second.front() + window_ - now;
}

} // namespace printrelay::cloud
