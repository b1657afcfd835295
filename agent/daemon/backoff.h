#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace printrelay::agent {

/// How retry delays grow: the ceiling starts at `initial`, is multiplied by `multiplier` after
/// every failure and never exceeds `max`.
struct BackoffPolicy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{5000};
  double multiplier = 2.0;
};

/// Capped exponential backoff with full jitter: each delay is drawn uniformly from
/// [0, ceiling], so many agents that lost the cloud together do not come back together.
class Backoff {
public:
  /// `seed` makes the jitter reproducible in tests.
  explicit Backoff(BackoffPolicy policy, std::uint64_t seed = std::random_device{}());

  /// The delay to wait after one more failure; grows the ceiling for the next one.
  std::chrono::milliseconds next();
  /// The upper bound of the delay next() would draw now.
  std::chrono::milliseconds ceiling() const;
  /// Forgets the failures (after a success).
  void reset();
  /// Failures since the last reset.
  unsigned attempts() const { return attempts_; }
  const BackoffPolicy& policy() const { return policy_; }

private:
  BackoffPolicy policy_;
  std::mt19937_64 random_;
  unsigned attempts_ = 0;
};

} // namespace printrelay::agent
