#include "common/util/enum_names.h"

#include <gtest/gtest.h>

namespace printrelay {
namespace {

enum class Fruit { Apple, Pear, Plum };

// enumNames(Fruit::Pear, {"apple", "pear", "plum"}) and enumNames(Fruit::Plum, {"apple",
// "pear"}) do not compile.
constexpr auto kFruitNames = enumNames(Fruit::Plum, {"apple", "pear", "plum"});

TEST(EnumNames, NamesEachValueByItsPlaceInTheTable) {
  EXPECT_EQ(kFruitNames.name(Fruit::Apple), "apple");
  EXPECT_EQ(kFruitNames.name(Fruit::Pear), "pear");
  EXPECT_EQ(kFruitNames.name(Fruit::Plum), "plum");
}

TEST(EnumNames, AValueOutsideTheTableHasNoName) {
  EXPECT_EQ(kFruitNames.name(static_cast<Fruit>(3)), "");
  EXPECT_EQ(kFruitNames.name(static_cast<Fruit>(-1)), "");
}

TEST(EnumNames, ParsesANameBackToItsValue) {
  EXPECT_EQ(kFruitNames.parse("apple"), Fruit::Apple);
  EXPECT_EQ(kFruitNames.parse("plum"), Fruit::Plum);
  static_assert(kFruitNames.parse("pear") == Fruit::Pear);
}

TEST(EnumNames, AnUnknownOrDifferentlySpelledNameParsesToNothing) {
  EXPECT_EQ(kFruitNames.parse("cherry"), std::nullopt);
  EXPECT_EQ(kFruitNames.parse("Apple"), std::nullopt);
  EXPECT_EQ(kFruitNames.parse(""), std::nullopt);
}

} // namespace
} // namespace printrelay
