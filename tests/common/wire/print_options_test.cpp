// The print options and printer abilities of the wire contract: parsing, limits and matching.
#include "common/util/error.h"
#include "common/wire/protocol.h"

#include <gtest/gtest.h>

namespace printrelay::protocol {
namespace {

using nlohmann::json;

std::string codeOf(const json& j) {
  try {
    (void)j.get<PrintOptions>();
  } catch (const Error& e) {
    return e.code();
  }
  return "";
}

TEST(PrintOptionsTest, EveryOptionRoundTripsWithItsIppName) {
  const json in{{"copies", 3},
                {"media", "na_letter_8.5x11in"},
                {"sides", "two-sided-long-edge"},
                {"print-color-mode", "color"},
                {"page-ranges", "1-3, 5,9-12"},
                {"orientation-requested", "landscape"},
                {"number-up", 4},
                {"fit-to-page", true}};
  const auto o = in.get<PrintOptions>();
  EXPECT_EQ(o.copies, 3);
  EXPECT_EQ(o.pageRanges, (std::vector<PageRange>{{1, 3}, {5, 5}, {9, 12}}));
  EXPECT_EQ(o.orientation, "landscape");
  EXPECT_EQ(o.numberUp, 4);
  EXPECT_TRUE(o.fitToPage);
  const json out = o;
  EXPECT_EQ(out["page-ranges"], "1-3,5,9-12");
  EXPECT_EQ(out.get<PrintOptions>().pageRanges, o.pageRanges);
}

TEST(PrintOptionsTest, DefaultsLeaveOptionalOptionsOut) {
  const json out = json::object().get<PrintOptions>();
  EXPECT_FALSE(out.contains("page-ranges"));
  EXPECT_FALSE(out.contains("orientation-requested"));
  EXPECT_EQ(out["number-up"], 1);
}

TEST(PrintOptionsTest, HostileValuesAreRefusedByName) {
  EXPECT_EQ(codeOf({{"staple", "top-left"}}), "unsupported_option");
  EXPECT_EQ(codeOf({{"copies", 0}}), "invalid_request");
  EXPECT_EQ(codeOf({{"copies", 1000}}), "invalid_request");
  EXPECT_EQ(codeOf({{"copies", "2"}}), "invalid_request");
  EXPECT_EQ(codeOf({{"number-up", 3}}), "invalid_request");
  EXPECT_EQ(codeOf({{"orientation-requested", "diagonal"}}), "invalid_request");
  EXPECT_EQ(codeOf({{"fit-to-page", "yes"}}), "invalid_request");
  for (const char* bad : {"0", "3-1", "1-3,2", "1,,2", "-", "1-", "a", "1-2-3", "9999999", "2,1",
                          "1;rm -rf", "1-3,3"}) {
    EXPECT_EQ(codeOf({{"page-ranges", bad}}), "invalid_request") << bad;
  }
  std::string many;
  for (int i = 1; i <= 40; ++i) {
    many += (many.empty() ? "" : ",") + std::to_string(i * 2);
  }
  EXPECT_EQ(codeOf({{"page-ranges", many}}), "invalid_request");
}

TEST(PrintOptionsTest, PageCountsFollowRangesAndNumberUp) {
  EXPECT_EQ(selectedPageCount({}, 7), 7);
  EXPECT_EQ(selectedPageCount({{1, 3}, {5, 5}}, 7), 4);
  EXPECT_EQ(selectedPageCount({{5, 9}}, 7), 3);
  EXPECT_THROW(selectedPageCount({{8, 9}}, 7), Error);
  PrintOptions o;
  o.numberUp = 4;
  EXPECT_EQ(printedSides(o, 9), 3);
  EXPECT_EQ(orientationEnum("landscape"), 4);
  EXPECT_EQ(orientationEnum(""), 0);
}

TEST(PrinterAbilitiesTest, UnsupportedOptionsNameWhatThePrinterHas) {
  PrinterAbilities a;
  a.media = {"iso_a4_210x297mm", "na_letter_8.5x11in"};
  a.sides = {"one-sided"};
  a.colorModes = {"monochrome"};
  a.copiesMax = 99;
  a.numberUp = {1, 2, 4};
  PrintOptions o;
  o.media = "A4";
  EXPECT_TRUE(unsupportedOptions(o, a).empty());
  o.media = "A3";
  o.sides = "two-sided-long-edge";
  o.colorMode = "color";
  o.copies = 100;
  o.numberUp = 9;
  const auto why = unsupportedOptions(o, a);
  ASSERT_EQ(why.size(), 5u);
  EXPECT_NE(why[1].find("iso_a3_297x420mm"), std::string::npos);
  EXPECT_NE(why[1].find("na_letter_8.5x11in"), std::string::npos);
  // "auto" colour is always possible; unreported lists refuse nothing.
  o = PrintOptions{};
  o.colorMode = "auto";
  EXPECT_TRUE(unsupportedOptions(o, a).empty());
  EXPECT_TRUE(unsupportedOptions(o, PrinterAbilities{}).empty());
}

TEST(PrinterAbilitiesTest, ReportsRoundTripAndHostileOnesAreRefused) {
  PrinterAbilities a;
  a.media = {"iso_a4_210x297mm"};
  a.numberUp = {1, 2};
  const json j = a;
  const auto back = j.get<PrinterAbilities>();
  EXPECT_EQ(back.media, a.media);
  EXPECT_EQ(back.numberUp, a.numberUp);
  EXPECT_THROW((json{{"media_supported", "a4"}}.get<PrinterAbilities>()), Error);
  EXPECT_THROW((json{{"media_supported", {""}}}.get<PrinterAbilities>()), Error);
  EXPECT_THROW((json{{"copies_min", 5}, {"copies_max", 2}}.get<PrinterAbilities>()), Error);
  EXPECT_THROW((json{{"number_up_supported", {0}}}.get<PrinterAbilities>()), Error);
}

} // namespace
} // namespace printrelay::protocol
