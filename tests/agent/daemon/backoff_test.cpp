#include "agent/daemon/backoff.h"

#include <gtest/gtest.h>

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

TEST(BackoffTest, ABadPolicyIsMadeSafe) {
  // max below initial and a shrinking multiplier would spin or overflow; they are clamped.
  Backoff backoff(BackoffPolicy{milliseconds(0), milliseconds(0), 0.5}, 5);
  EXPECT_EQ(backoff.policy().initial, milliseconds(1));
  EXPECT_EQ(backoff.policy().max, milliseconds(1));
  EXPECT_EQ(backoff.policy().multiplier, 1.0);
}

} // namespace
} // namespace printrelay::agent
