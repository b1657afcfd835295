// The pure pricing function and the strict price-list parser: integer minor units only, every
// option that changes what is printed, half-up tax, and refusal instead of overflow.
#include "cloud/orders/pricing.h"
#include "common/util/error.h"
#include "tests/cloud/orders/price_list_edits.h"
#include "tests/support/error_code.h"

#include <gtest/gtest.h>
#include <limits>

namespace printrelay::cloud::testing {
namespace {

using nlohmann::json;

PriceList basicList() {
  PriceList list;
  list.currency = "EUR";
  list.monochromeDefault = 10;
  list.monochromeByMedia = {{"iso_a3_297x420mm", 20}};
  list.colorDefault = 50;
  list.colorByMedia = {{"iso_a3_297x420mm", 100}};
  return list;
}

protocol::PrintOptions options(const json& j = json::object()) {
  return j.get<protocol::PrintOptions>();
}

using test_support::errorCode;

TEST(PricingTest, CurrenciesHaveTheirMinorUnitExponent) {
  EXPECT_EQ(currencyExponent("EUR"), 2);
  EXPECT_EQ(currencyExponent("USD"), 2);
  EXPECT_EQ(currencyExponent("JPY"), 0);
  EXPECT_EQ(currencyExponent("KWD"), 3);
  EXPECT_FALSE(currencyExponent("eur"));
  EXPECT_FALSE(currencyExponent("XYZ"));
  EXPECT_FALSE(currencyExponent(""));
  EXPECT_FALSE(currencyExponent("EURO"));
}

TEST(PricingTest, MonochromeA4IsSidesTimesThePrice) {
  const Quote q = priceQuote(basicList(), options(), 10);
  ASSERT_EQ(q.lines.size(), 1u);
  EXPECT_EQ(q.lines[0], (QuoteLine{"Printed sides (monochrome, iso_a4_210x297mm)", 10, 10, 100}));
  EXPECT_EQ(q.subtotalMinor, 100);
  EXPECT_EQ(q.taxMinor, 0);
  EXPECT_EQ(q.totalMinor, 100);
  EXPECT_EQ(q.currency, "EUR");
  EXPECT_EQ(q.currencyExponent, 2);
  EXPECT_EQ(q.documentPages, 10);
  EXPECT_EQ(q.selectedPages, 10);
  EXPECT_EQ(q.sidesPerCopy, 10);
  EXPECT_EQ(q.sheetsPerCopy, 10);
}

TEST(PricingTest, ColorAndMediaPickThePriceAndUnlistedMediaTakeTheDefault) {
  EXPECT_EQ(priceQuote(basicList(), options({{"print-color-mode", "color"}}), 2).totalMinor, 100);
  EXPECT_EQ(priceQuote(basicList(), options({{"media", "iso_a3_297x420mm"}}), 2).totalMinor, 40);
  EXPECT_EQ(priceQuote(basicList(),
                       options({{"media", "iso_a3_297x420mm"}, {"print-color-mode", "color"}}), 2)
                .totalMinor,
            200);
  // A3 by its short name is the same media; A5 is not listed and costs the default.
  EXPECT_EQ(priceQuote(basicList(), options({{"media", "A3"}}), 2).totalMinor, 40);
  const Quote a5 = priceQuote(basicList(), options({{"media", "A5"}}), 2);
  EXPECT_EQ(a5.totalMinor, 20);
  EXPECT_EQ(a5.lines[0].label, "Printed sides (monochrome, iso_a5_148x210mm)");
  // "auto" may print color pages: it is priced as color.
  EXPECT_EQ(priceQuote(basicList(), options({{"print-color-mode", "auto"}}), 1).totalMinor, 50);
}

TEST(PricingTest, CopiesPageRangesAndNumberUpChangeTheSides) {
  EXPECT_EQ(priceQuote(basicList(), options({{"copies", 3}}), 7).totalMinor, 210);
  const Quote ranged = priceQuote(basicList(), options({{"page-ranges", "2-3,5"}}), 10);
  EXPECT_EQ(ranged.selectedPages, 3);
  EXPECT_EQ(ranged.totalMinor, 30);
  // A range running past the end counts the pages that exist.
  EXPECT_EQ(priceQuote(basicList(), options({{"page-ranges", "8-20"}}), 10).totalMinor, 30);
  const Quote nUp = priceQuote(basicList(), options({{"number-up", 4}}), 10);
  EXPECT_EQ(nUp.sidesPerCopy, 3); // ceil(10 / 4)
  EXPECT_EQ(nUp.totalMinor, 30);
  const Quote all = priceQuote(
      basicList(), options({{"copies", 2}, {"page-ranges", "1-9"}, {"number-up", 2}}), 20);
  EXPECT_EQ(all.sidesPerCopy, 5);
  EXPECT_EQ(all.lines[0].quantity, 10);
  EXPECT_EQ(all.totalMinor, 100);
}

TEST(PricingTest, TwoSidedHalvesTheSheetsRoundingUpAndAddsTheDuplexAdjustment) {
  PriceList list = basicList();
  list.duplexPerSheetMinor = -2;
  const Quote q = priceQuote(list, options({{"sides", "two-sided-long-edge"}, {"copies", 2}}), 5);
  EXPECT_EQ(q.sidesPerCopy, 5);
  EXPECT_EQ(q.sheetsPerCopy, 3);
  ASSERT_EQ(q.lines.size(), 2u);
  EXPECT_EQ(q.lines[0].amountMinor, 100); // 10 sides × 10
  EXPECT_EQ(q.lines[1], (QuoteLine{"Two-sided sheets (discount)", 6, -2, -12}));
  EXPECT_EQ(q.totalMinor, 88);

  list.duplexPerSheetMinor = 3;
  const Quote surcharge = priceQuote(list, options({{"sides", "two-sided-short-edge"}}), 4);
  EXPECT_EQ(surcharge.lines[1], (QuoteLine{"Two-sided sheets (surcharge)", 2, 3, 6}));
  EXPECT_EQ(surcharge.totalMinor, 46);

  // One-sided jobs never see the adjustment; a zero adjustment adds no line.
  EXPECT_EQ(priceQuote(list, options(), 4).lines.size(), 1u);
  list.duplexPerSheetMinor = 0;
  const Quote plain = priceQuote(list, options({{"sides", "two-sided-long-edge"}}), 4);
  EXPECT_EQ(plain.lines.size(), 1u);
  EXPECT_EQ(plain.sheetsPerCopy, 2);
}

TEST(PricingTest, HandlingPerCopyAndTheMinimumOrder) {
  PriceList list = basicList();
  list.perCopyMinor = 25;
  const Quote q = priceQuote(list, options({{"copies", 4}}), 1);
  ASSERT_EQ(q.lines.size(), 2u);
  EXPECT_EQ(q.lines[1], (QuoteLine{"Handling per copy", 4, 25, 100}));
  EXPECT_EQ(q.totalMinor, 140);

  list.minimumOrderMinor = 200;
  const Quote topped = priceQuote(list, options({{"copies", 4}}), 1);
  ASSERT_EQ(topped.lines.size(), 3u);
  EXPECT_EQ(topped.lines[2], (QuoteLine{"Minimum order top-up", 1, 60, 60}));
  EXPECT_EQ(topped.subtotalMinor, 200);
  // At or above the minimum nothing is added.
  EXPECT_EQ(priceQuote(list, options({{"copies", 4}}), 6).lines.size(), 2u);
  EXPECT_EQ(priceQuote(list, options({{"copies", 4}}), 6).totalMinor, 340);
}

TEST(PricingTest, TaxIsAddedOnTopAndRoundedHalfUp) {
  EXPECT_EQ(taxHalfUp(0, 1900), 0);
  EXPECT_EQ(taxHalfUp(5, 1000), 1);   // 0.5 → 1
  EXPECT_EQ(taxHalfUp(4, 1000), 0);   // 0.4 → 0
  EXPECT_EQ(taxHalfUp(15, 1900), 3);  // 2.85 → 3
  EXPECT_EQ(taxHalfUp(25, 1900), 5);  // 4.75 → 5
  EXPECT_EQ(taxHalfUp(21, 1900), 4);  // 3.99 → 4
  EXPECT_EQ(taxHalfUp(50, 2100), 11); // 10.5 → 11
  EXPECT_EQ(taxHalfUp(125, 2000), 25);
  EXPECT_EQ(taxHalfUp(1, 4999), 0); // 0.4999 → 0
  EXPECT_EQ(taxHalfUp(1, 5000), 1); // 0.5 → 1
  EXPECT_EQ(taxHalfUp(777, 10000), 777);
  EXPECT_EQ(taxHalfUp(kMaxTotalMinor, 10000), kMaxTotalMinor);
  EXPECT_EQ(errorCode([] { taxHalfUp(kMaxTotalMinor + 1, 0); }), "quote_too_large");
  EXPECT_EQ(errorCode([] { taxHalfUp(-1, 1900); }), "invalid_request");
  EXPECT_EQ(errorCode([] { taxHalfUp(5, 10001); }), "invalid_request");

  PriceList list = basicList();
  list.taxRateBp = 1900;
  const Quote q = priceQuote(list, options(), 15); // 150 net
  EXPECT_EQ(q.subtotalMinor, 150);
  EXPECT_EQ(q.taxMinor, 29); // 28.5 → 29
  EXPECT_EQ(q.totalMinor, 179);
  EXPECT_EQ(q.taxRateBp, 1900);
}

TEST(PricingTest, ZeroDecimalCurrencies) {
  PriceList list = basicList();
  list.currency = "JPY";
  list.monochromeDefault = 20;
  list.taxRateBp = 1000;
  const Quote q = priceQuote(list, options(), 3);
  EXPECT_EQ(q.currencyExponent, 0);
  EXPECT_EQ(q.totalMinor, 66);
  EXPECT_EQ(formatMinor(q.totalMinor, q.currencyExponent), "66");
}

TEST(PricingTest, AbsurdQuantitiesAreRefusedNotWrappedAround) {
  PriceList list = basicList();
  list.monochromeDefault = kMaxPriceMinor;
  EXPECT_EQ(errorCode([&] {
              priceQuote(list, options({{"copies", 999}}), protocol::kMaxPageNumber);
            }),
            "quote_too_large");
  list.monochromeDefault = 10;
  list.perCopyMinor = kMaxPriceMinor;
  list.taxRateBp = 10000;
  // 999 × 10^9 handling is still below the cap, and its tax doubles it without overflow.
  const Quote big = priceQuote(list, options({{"copies", 999}}), 1);
  EXPECT_EQ(big.taxMinor, big.subtotalMinor);
  EXPECT_EQ(big.totalMinor, 2 * big.subtotalMinor);
  list.minimumOrderMinor = kMaxPriceMinor;
  EXPECT_EQ(priceQuote(list, options({{"copies", 999}}), 1).lines.size(), 2u);
  // A hand-built list beyond the parser's limits still cannot overflow.
  list.perCopyMinor = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(errorCode([&] { priceQuote(list, options({{"copies", 2}}), 1); }), "quote_too_large");
}

TEST(PricingTest, PagesMustBeADocumentsWorth) {
  EXPECT_EQ(errorCode([] { priceQuote(basicList(), options(), 0); }), "invalid_request");
  EXPECT_EQ(errorCode([] { priceQuote(basicList(), options(), -3); }), "invalid_request");
  EXPECT_EQ(errorCode([] { priceQuote(basicList(), options(), protocol::kMaxPageNumber + 1); }),
            "invalid_request");
  EXPECT_EQ(errorCode([] {
              priceQuote(basicList(), options({{"page-ranges", "11-12"}}), 10);
            }),
            "page_range_out_of_document");
  PriceList unknown = basicList();
  unknown.currency = "XYZ";
  EXPECT_EQ(errorCode([&] { priceQuote(unknown, options(), 1); }), "invalid_request");
}

TEST(PricingTest, QuoteJsonNamesEveryPart) {
  PriceList list = basicList();
  list.taxRateBp = 700;
  const json j = quoteJson(priceQuote(list, options({{"copies", 2}}), 3));
  EXPECT_EQ(j["lines"], json::array({{{"label", "Printed sides (monochrome, iso_a4_210x297mm)"},
                                      {"quantity", 6},
                                      {"unit_minor", 10},
                                      {"amount_minor", 60}}}));
  EXPECT_EQ(j["subtotal_minor"], 60);
  EXPECT_EQ(j["tax_minor"], 4); // 4.2
  EXPECT_EQ(j["total_minor"], 64);
  EXPECT_EQ(j["currency"], "EUR");
  EXPECT_EQ(j["currency_exponent"], 2);
  EXPECT_EQ(j["tax_rate_bp"], 700);
  EXPECT_EQ(j["tax_included"], false);
  EXPECT_EQ(j["document_pages"], 3);
  EXPECT_EQ(j["sides_per_copy"], 3);
  EXPECT_EQ(j["copies"], 2);
}

TEST(PricingTest, FormatMinorForPeople) {
  EXPECT_EQ(formatMinor(1234, 2), "12.34");
  EXPECT_EQ(formatMinor(5, 2), "0.05");
  EXPECT_EQ(formatMinor(0, 2), "0.00");
  EXPECT_EQ(formatMinor(-5, 2), "-0.05");
  EXPECT_EQ(formatMinor(-1200, 2), "-12.00");
  EXPECT_EQ(formatMinor(1234, 0), "1234");
  EXPECT_EQ(formatMinor(1, 3), "0.001");
  EXPECT_EQ(formatMinor(std::numeric_limits<std::int64_t>::min(), 2), "-92233720368547758.08");
}

// The price list parser.

json goodListJson() {
  return json{{"currency", "EUR"},
              {"tax_rate_bp", 1900},
              {"per_side_minor",
               {{"monochrome", {{"default", 10}, {"A3", 20}}},
                {"color", {{"default", 50}, {"iso_a3_297x420mm", 100}}}}},
              {"duplex_per_sheet_minor", -2},
              {"per_copy_minor", 0},
              {"minimum_order_minor", 100}};
}

TEST(PriceListTest, ParsesAndShowsTheCanonicalForm) {
  const PriceList list = priceListFromJson(goodListJson());
  EXPECT_EQ(list.currency, "EUR");
  EXPECT_EQ(list.taxRateBp, 1900);
  EXPECT_EQ(list.monochromeByMedia,
            (std::map<std::string, std::int64_t>{{"iso_a3_297x420mm", 20}}));
  EXPECT_EQ(list.colorDefault, 50);
  EXPECT_EQ(list.duplexPerSheetMinor, -2);
  EXPECT_EQ(list.minimumOrderMinor, 100);
  const json shown = priceListJson(list);
  EXPECT_EQ(shown["per_side_minor"]["monochrome"],
            json({{"default", 10}, {"iso_a3_297x420mm", 20}}));
  EXPECT_EQ(shown["tax_included"], false);
  EXPECT_EQ(shown["currency_exponent"], 2);
  // What GET shows can be sent back unchanged.
  EXPECT_EQ(priceListFromJson(shown), list);
  // Optional fields default to zero.
  const PriceList minimal = priceListFromJson(
      json{{"currency", "JPY"},
           {"per_side_minor", {{"monochrome", {{"default", 10}}}, {"color", {{"default", 30}}}}}});
  EXPECT_EQ(minimal.taxRateBp, 0);
  EXPECT_EQ(minimal.perCopyMinor, 0);
  EXPECT_EQ(minimal.duplexPerSheetMinor, 0);
}

TEST(PriceListTest, RefusesAnythingNotExactlyAPriceList) {
  const PriceListEdits edits{goodListJson()};
  json withoutCurrency = goodListJson();
  withoutCurrency.erase("currency");
  json withoutColor = goodListJson();
  withoutColor["per_side_minor"].erase("color");
  json withoutDefault = goodListJson();
  withoutDefault["per_side_minor"]["monochrome"].erase("default");
  json tooManyMedia = goodListJson();
  for (int i = 0; i < 70; ++i) {
    tooManyMedia["per_side_minor"]["color"]["custom_m" + std::to_string(i) + "_100x100mm"] = 1;
  }
  const std::vector<std::pair<std::string, json>> hostile{
      {"not an object", json::array()},
      {"no currency", withoutCurrency},
      {"unknown currency", edits.with("currency", "XYZ")},
      {"lower-case currency", edits.with("currency", "eur")},
      {"long currency", edits.with("currency", "EURO")},
      {"numeric currency", edits.with("currency", 978)},
      {"wrong exponent", edits.with("currency_exponent", 3)},
      {"negative tax", edits.with("tax_rate_bp", -1)},
      {"tax above 100 %", edits.with("tax_rate_bp", 10001)},
      {"tax as a fraction", edits.with("tax_rate_bp", 19.5)},
      {"tax included", edits.with("tax_included", true)},
      {"tax included as text", edits.with("tax_included", "no")},
      {"negative price", edits.side("monochrome", "default", -1)},
      {"decimal price", edits.side("monochrome", "default", 0.1)},
      {"float that looks whole", edits.side("monochrome", "default", 10.0)},
      {"price as text", edits.side("monochrome", "default", "10")},
      {"price as bool", edits.side("monochrome", "default", true)},
      {"huge float", edits.side("color", "default", 1e30)},
      {"beyond int64", edits.side("color", "default", std::numeric_limits<std::uint64_t>::max())},
      {"absurd price", edits.side("color", "default", kMaxPriceMinor + 1)},
      {"unknown media", edits.side("color", "a4paper", 10)},
      {"media without size", edits.side("color", "iso_a4", 10)},
      {"media with spaces", edits.side("color", "iso a4 210x297mm", 10)},
      {"duplicate media", edits.side("monochrome", "iso_a3_297x420mm", 20)},
      {"unknown color mode", edits.side("sepia", "default", 10)},
      {"no color prices", withoutColor},
      {"no default", withoutDefault},
      {"too many media", tooManyMedia},
      {"per side not an object", edits.with("per_side_minor", 10)},
      {"mode not an object", edits.with("per_side_minor", {{"monochrome", 10}, {"color", 10}})},
      {"negative fee", edits.with("per_copy_minor", -5)},
      {"absurd minimum", edits.with("minimum_order_minor", kMaxPriceMinor + 1)},
      {"discount beyond the cheapest side", edits.with("duplex_per_sheet_minor", -11)},
      {"absurd surcharge", edits.with("duplex_per_sheet_minor", kMaxPriceMinor + 1)},
      {"unknown field", edits.with("discount", 5)},
      {"a price smuggled in", edits.with("total", 0)},
  };
  for (const auto& [what, body] : hostile) {
    EXPECT_EQ(errorCode([&] { priceListFromJson(body); }), "invalid_request") << what;
  }
  // The largest discount allowed is the cheapest side.
  EXPECT_EQ(priceListFromJson(edits.with("duplex_per_sheet_minor", -10)).duplexPerSheetMinor, -10);
}

} // namespace
} // namespace printrelay::cloud::testing
