#include "agent/daemon/log_ring.h"

#include <algorithm>

namespace printrelay::agent {

LogRing::LogRing(std::size_t capacity) : capacity_(capacity) {}

void LogRing::add(std::string line) {
  std::lock_guard lock(mutex_);
  ++total_;
  if (capacity_ == 0) {
    return;
  }
  if (lines_.size() == capacity_) {
    lines_.pop_front();
  }
  lines_.push_back(std::move(line));
}

std::vector<std::string> LogRing::last(std::size_t count) const {
  std::lock_guard lock(mutex_);
  const std::size_t n = std::min(count, lines_.size());
  return {lines_.end() - static_cast<std::ptrdiff_t>(n), lines_.end()};
}

std::size_t LogRing::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

} // namespace printrelay::agent
