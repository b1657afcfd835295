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

void LogLineSplitter::feed(const char* data, std::size_t size) {
  partial_.append(data, size);
  std::size_t start = 0;
  for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
    add(partial_.substr(start, nl - start));
    start = nl + 1;
  }
  partial_.erase(0, start);
  if (partial_.size() > 64 * 1024) { // a runaway line without '\n'
    add(std::move(partial_));
    partial_.clear();
  }
}

void LogLineSplitter::finish() {
  if (!partial_.empty()) {
    add(std::move(partial_));
    partial_.clear();
  }
}

void LogLineSplitter::add(std::string line) {
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  ring_.add(std::move(line));
}

} // namespace printrelay::agent
