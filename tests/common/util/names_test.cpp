// The one rule for user-supplied names: every hidden or disguising character is found (with its
// position) or neutralised, and ordinary text in any script passes untouched.
#include "common/util/names.h"

#include <gtest/gtest.h>

namespace printrelay {
namespace {

/// The UTF-8 of one code point.
std::string utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

/// Every character the rule names.
std::vector<char32_t> hiddenCharacters() {
  std::vector<char32_t> all;
  for (char32_t c = 0; c < 0x20; ++c) {
    all.push_back(c);
  }
  for (char32_t c = 0x7F; c <= 0x9F; ++c) {
    all.push_back(c);
  }
  for (char32_t c : {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E,
                     0x200F, 0x061C, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x2028, 0x2029}) {
    all.push_back(c);
  }
  return all;
}

TEST(NameRule, OrdinaryNamesInAnyScriptPass) {
  for (const char* name : {"Copy Corner", "Zoë's Print Shop", "report (final).pdf",
                           "\xd9\x85\xd8\xb7\xd8\xa8\xd8\xb9\xd8\xa9", // Arabic
                           "\xe5\x8d\xb0\xe5\x88\xb7\xe5\xba\x97",     // CJK
                           "\xf0\x9f\x96\xa8 printer",
                           "a\xc2\xa0"
                           "b",
                           ""}) { // emoji, NBSP
    EXPECT_FALSE(nameProblem(name)) << name;
    EXPECT_EQ(neutralisedName(name), name);
  }
}

TEST(NameRule, EveryHiddenCharacterIsFoundWithItsPosition) {
  for (char32_t c : hiddenCharacters()) {
    const std::string name = "ab" + utf8(c) + "cd";
    const auto problem = nameProblem(name);
    ASSERT_TRUE(problem) << std::hex << static_cast<unsigned>(c);
    EXPECT_EQ(problem->position, 3u);
    ASSERT_TRUE(problem->character);
    EXPECT_EQ(*problem->character, c);
    EXPECT_TRUE(isHiddenInNames(c));
  }
}

TEST(NameRule, ThePositionCountsCharactersNotBytes) {
  const auto problem = nameProblem("Zo\xc3\xab\xe2\x80\xae"
                                   "fdp.exe");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->position, 4u);
  EXPECT_EQ(problem->describe(), "U+202E (right-to-left override) at character 4");
  EXPECT_EQ(nameProblem("a\xc2\x85")->describe(), "U+0085 (a control character) at character 2");
  EXPECT_EQ(nameProblem("a\xc2\x9b")->describe(), "U+009B (a control character) at character 2");
}

TEST(NameRule, InvalidUtf8IsAProblem) {
  for (const std::string& bad : {std::string("a\xff"), std::string("a\xc3"),
                                 std::string("a\xc0\xaf"),         // overlong '/'
                                 std::string("a\xed\xa0\x80"),     // a surrogate
                                 std::string("a\xf4\x90\x80\x80"), // above U+10FFFF
                                 std::string("a\x80")}) {          // stray continuation
    const auto problem = nameProblem(bad);
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->position, 2u);
    EXPECT_FALSE(problem->character);
    EXPECT_EQ(problem->describe(), "invalid UTF-8 at character 2");
  }
}

TEST(NameRule, NeutralisingRemovesInvisiblesAndMarksControls) {
  EXPECT_EQ(neutralisedName("invoice\xe2\x80\xae"
                            "fdp.exe"),
            "invoicefdp.exe");
  EXPECT_EQ(neutralisedName("a\xe2\x80\x8b"
                            "b\xef\xbb\xbf"
                            "c"),
            "abc");
  EXPECT_EQ(neutralisedName("a\nb\xc2\x85"
                            "c"),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd"
            "c");
  EXPECT_EQ(neutralisedName("a\xff"
                            "b"),
            "a\xef\xbf\xbd"
            "b");
  for (char32_t c : hiddenCharacters()) {
    EXPECT_FALSE(nameProblem(neutralisedName("x" + utf8(c) + "y"))) << static_cast<unsigned>(c);
  }
}

} // namespace
} // namespace printrelay
