#include "common/util/text.h"

#include <gtest/gtest.h>

namespace printrelay {
namespace {

TEST(SpokenDuration, UsesTheLargestUnitThatDividesExactly) {
  EXPECT_EQ(spokenDuration(86400), "1 day");
  EXPECT_EQ(spokenDuration(36 * 3600), "36 hours");
  EXPECT_EQ(spokenDuration(3600), "1 hour");
  EXPECT_EQ(spokenDuration(90), "90 seconds");
  EXPECT_EQ(spokenDuration(7 * 86400), "7 days");
}

TEST(WaitDuration, RoundsUpInTheLargestSensibleUnit) {
  EXPECT_EQ(waitDuration(0), "1 second");
  EXPECT_EQ(waitDuration(1), "1 second");
  EXPECT_EQ(waitDuration(90), "90 seconds");
  EXPECT_EQ(waitDuration(119), "119 seconds");
  EXPECT_EQ(waitDuration(120), "2 minutes");
  EXPECT_EQ(waitDuration(237), "4 minutes");
  EXPECT_EQ(waitDuration(900), "15 minutes");
  EXPECT_EQ(waitDuration(3590), "1 hour");
  EXPECT_EQ(waitDuration(3600), "1 hour");
  EXPECT_EQ(waitDuration(3700), "62 minutes");
  EXPECT_EQ(waitDuration(7200), "2 hours");
  EXPECT_EQ(waitDuration(7201), "3 hours");
  EXPECT_EQ(waitDuration(86400 - 100), "1 day");
  EXPECT_EQ(waitDuration(30 * 3600 + 1), "31 hours");
  EXPECT_EQ(waitDuration(2 * 86400), "2 days");
  EXPECT_EQ(waitDuration(2 * 86400 + 1), "3 days");
}

TEST(WholeNumber, ReadsANumberThatIsAllOfTheText) {
  EXPECT_EQ(wholeNumber("2.5"), 2.5);
  EXPECT_EQ(wholeNumber("-1e3"), -1000.0);
  EXPECT_EQ(wholeNumber("48"), 48.0);
}

TEST(WholeNumber, RefusesEmptyTextAndLeftovers) {
  EXPECT_EQ(wholeNumber(""), std::nullopt);
  EXPECT_EQ(wholeNumber("north"), std::nullopt);
  EXPECT_EQ(wholeNumber("2.5x"), std::nullopt);
  EXPECT_EQ(wholeNumber("1 2"), std::nullopt);
  EXPECT_EQ(wholeNumber("1e999"), std::nullopt); // out of range
}

} // namespace
} // namespace printrelay
