#include "agent/daemon/backoff.h"

#include <algorithm>
#include <cmath>

namespace printrelay::agent {

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), random_(seed) {
  policy_.initial = std::max(policy_.initial, std::chrono::milliseconds(1));
  policy_.max = std::max(policy_.max, policy_.initial);
  policy_.multiplier = std::max(policy_.multiplier, 1.0);
}

std::chrono::milliseconds Backoff::ceiling() const {
  const double initial = static_cast<double>(policy_.initial.count());
  const double max = static_cast<double>(policy_.max.count());
  // Computed in floating point and clamped, so a long outage cannot overflow.
  const double grown = initial * std::pow(policy_.multiplier, static_cast<double>(attempts_));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(grown, max)));
}

std::chrono::milliseconds Backoff::next() {
  const auto cap = ceiling();
  std::uniform_int_distribution<std::int64_t> draw(0, cap.count());
  if (attempts_ < 1000) {
    ++attempts_;
  }
  return std::chrono::milliseconds(draw(random_));
}

void Backoff::reset() {
  attempts_ = 0;
}

} // namespace printrelay::agent
