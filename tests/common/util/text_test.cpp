#include "common/util/text.h"

#include <gtest/gtest.h>

namespace printrelay {
namespace {

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
