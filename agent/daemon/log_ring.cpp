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

void pumpCapturedLog(LogRing& ring, const std::function<long long(char*, std::size_t)>& readSome,
                     const std::function<long long(const char*, std::size_t)>& writeSome) {
  LogLineSplitter lines(ring);
  char buffer[8192];
  for (;;) {
    const long long n = readSome(buffer, sizeof buffer);
    if (n <= 0) {
      break; // end of file: the capture ended (or the pipe broke)
    }
    const auto size = static_cast<std::size_t>(n);
    for (std::size_t done = 0; done < size;) {
      const long long written = writeSome(buffer + done, size - done);
      if (written <= 0) {
        break; // nowhere to write: the ring still gets the line
      }
      done += static_cast<std::size_t>(written);
    }
    lines.feed(buffer, size);
  }
  lines.finish();
}

} // namespace printrelay::agent
