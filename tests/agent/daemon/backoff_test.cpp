#include "agent/daemon/backoff.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <vector>

namespace printrelay::agent {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, CeilingDoublesFromInitialAndStopsAtMax) {
  Backoff backoff(BackoffPolicy{milliseconds(500), milliseconds(60000), 2.0}, 1);
  const std::vector<long> expected{500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
  for (long cap : expected) {
    EXPECT_EQ(backoff.ceiling().count(), cap);
    backoff.next();
  }
}

TEST(BackoffTest, EveryDelayLiesWithinZeroAndTheCeiling) {
  Backoff backoff(BackoffPolicy{milliseconds(100), milliseconds(5000), 2.0}, 42);
  for (int i = 0; i < 500; ++i) {
    const auto cap = backoff.ceiling();
    const auto delay = backoff.next();
    ASSERT_GE(delay.count(), 0);
    ASSERT_LE(delay, cap);
    ASSERT_LE(delay, milliseconds(5000));
  }
}

TEST(BackoffTest, FullJitterSpreadsOverTheWholeRange) {
  Backoff backoff(BackoffPolicy{milliseconds(1000), milliseconds(1000), 2.0}, 7);
  long low = 1000;
  long high = 0;
  for (int i = 0; i < 2000; ++i) {
    const long d = backoff.next().count();
    low = std::min(low, d);
    high = std::max(high, d);
  }
  EXPECT_LT(low, 100);
  EXPECT_GT(high, 900);
}

TEST(BackoffTest, ResetStartsOverAtTheInitialCeiling) {
  Backoff backoff(BackoffPolicy{milliseconds(200), milliseconds(10000), 2.0}, 3);
  for (int i = 0; i < 5; ++i) {
    backoff.next();
  }
  EXPECT_EQ(backoff.attempts(), 5u);
  EXPECT_EQ(backoff.ceiling(), milliseconds(6400));
  backoff.reset();
  EXPECT_EQ(backoff.attempts(), 0u);
  EXPECT_EQ(backoff.ceiling(), milliseconds(200));
}

TEST(BackoffTest, SameSeedSameDelays) {
  Backoff a(BackoffPolicy{}, 99);
  Backoff b(BackoffPolicy{}, 99);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(a.next(), b.next());
  }
}

TEST(BackoffTest, LongOutagesNeverOverflowTheCap) {
  Backoff backoff(BackoffPolicy{milliseconds(500), milliseconds(60000), 2.0}, 5);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_LE(backoff.next(), milliseconds(60000));
  }
  EXPECT_EQ(backoff.ceiling(), milliseconds(60000));
}

TEST(BackoffTest, TheDefaultPolicyIsBackWithinSecondsOfANetworkReturning) {
  // The default ceiling (backoff_max_ms) bounds every wait after any outage: however long the
  // link was down, the next poll comes at most 5 s after it returns (the offline probe, every
  // offline_probe_ms, usually ends the wait sooner).
  Backoff backoff(BackoffPolicy{}, 2026);
  EXPECT_EQ(backoff.policy().max, milliseconds(5000));
  milliseconds longest{0};
  for (int i = 0; i < 10000; ++i) {
    longest = std::max(longest, backoff.next());
  }
  EXPECT_LE(longest, milliseconds(5000));
  EXPECT_GT(longest, milliseconds(4500)); // jittered over the whole range, up to the cap
}

TEST(BackoffTest, AFixedSeedGivesTheSameJitteredSequence) {
  // Deterministic for a seed (the jitter is drawn from it), different across seeds.
  const auto draw = [](std::uint64_t seed) {
    Backoff backoff(BackoffPolicy{milliseconds(500), milliseconds(5000), 2.0}, seed);
    std::vector<long> out;
    for (int i = 0; i < 12; ++i) {
      out.push_back(static_cast<long>(backoff.next().count()));
    }
    return out;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
  const auto delays = draw(7);
  const std::vector<long> ceilings{500,  1000, 2000, 4000, 5000, 5000,
                                   5000, 5000, 5000, 5000, 5000, 5000};
  for (std::size_t i = 0; i < delays.size(); ++i) {
    EXPECT_GE(delays[i], 0);
    EXPECT_LE(delays[i], ceilings[i]) << "attempt " << i;
  }
}

TEST(BackoffTest, ABadPolicyIsMadeSafe) {
  // max below initial and a shrinking multiplier would spin or overflow; they are clamped.
  Backoff backoff(BackoffPolicy{milliseconds(0), milliseconds(0), 0.5}, 5);
  EXPECT_EQ(backoff.policy().initial, milliseconds(1));
  EXPECT_EQ(backoff.policy().max, milliseconds(1));
  EXPECT_EQ(backoff.policy().multiplier, 1.0);
}

} // namespace
} // namespace printrelay::agent
