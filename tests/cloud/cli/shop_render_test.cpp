// How `printrelay shop` reads what a shopkeeper types (amounts, price keys, durations, pickup
// codes) and shows orders within 80 columns (cloud/cli/shop_render.h), in process; hostile
// input included.
#include "cloud/cli/cli_args.h"
#include "cloud/cli/shop_render.h"

#include <gtest/gtest.h>
#include <sstream>

namespace printrelay::cli {
namespace {

using nlohmann::json;

std::size_t widestLine(const std::string& text) {
  std::size_t widest = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::size_t n = 0;
    for (const char c : line) {
      n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    widest = std::max(widest, n);
  }
  return widest;
}

TEST(ShopRender, AmountsAreReadInTheCurrencysDigits) {
  EXPECT_EQ(parseMoney("0.10", 2, false), 10);
  EXPECT_EQ(parseMoney("2", 2, false), 200);
  EXPECT_EQ(parseMoney(".5", 2, false), 50);
  EXPECT_EQ(parseMoney("120", 0, false), 120);
  EXPECT_EQ(parseMoney("0.125", 3, false), 125);
  EXPECT_EQ(parseMoney("-0.05", 2, true), -5);
  EXPECT_EQ(parseMoney("10000000", 2, false), 1'000'000'000);
  for (const std::string bad : {"", ".", "-", "0.123", "1,50", "1e3", "0x10", "ten", "1.5.0",
                                "10000000.01", "99999999999999999999", " ", "+-1", "1 0"}) {
    EXPECT_EQ(parseMoney(bad, 2, true), std::nullopt) << bad;
  }
  EXPECT_EQ(parseMoney("-1", 2, false), std::nullopt);
  EXPECT_EQ(parseMoney("1.5", 0, false), std::nullopt);
}

TEST(ShopRender, PriceKeysChangeTheListThePutTakes) {
  const json start = applyPriceSettings(nullptr, "currency=EUR,bw_page=0.10,color_page=0.50");
  EXPECT_EQ(start, (json{{"currency", "EUR"},
                         {"currency_exponent", 2},
                         {"per_side_minor",
                          {{"monochrome", {{"default", 10}}}, {"color", {{"default", 50}}}}}}));
  json changed = applyPriceSettings(start, "tax=19,bw_page.A3=0.20, duplex_sheet=-0.02,"
                                           "per_copy=0.05,minimum=1,payment=pay_first");
  EXPECT_EQ(changed["tax_rate_bp"], 1900);
  EXPECT_EQ(changed["per_side_minor"]["monochrome"]["A3"], 20);
  EXPECT_EQ(changed["duplex_per_sheet_minor"], -2);
  EXPECT_EQ(changed["per_copy_minor"], 5);
  EXPECT_EQ(changed["minimum_order_minor"], 100);
  EXPECT_EQ(changed["payment_policy"], "pay_first");
  changed = applyPriceSettings(changed, "bw_page.A3=none,minimum=none");
  EXPECT_FALSE(changed["per_side_minor"]["monochrome"].contains("A3"));
  EXPECT_FALSE(changed.contains("minimum_order_minor"));
  // A yen list has no decimals; what the cloud adds is not sent back.
  json yen = applyPriceSettings({{"store_id", "st_1"}, {"updated_at", 5}},
                                "currency=JPY,bw_page=10,color_page=50");
  EXPECT_EQ(yen["currency_exponent"], 0);
  EXPECT_EQ(yen["per_side_minor"]["monochrome"]["default"], 10);
  EXPECT_FALSE(yen.contains("store_id"));
  EXPECT_FALSE(yen.contains("updated_at"));
  EXPECT_THROW(applyPriceSettings(yen, "bw_page=0.5"), UsageError);

  for (const std::string bad :
       {"", ",", "bw_page", "=1", "bw_page=", "bw_page=-0.10", "bw_page=0.001", "tax=100.01",
        "tax=-1", "tax=abc", "currency=euro", "currency=E1R", "payment=later", "bogus=1",
        "bw_pages=1", "bw_page.=1", "duplex_sheet=x", "bw_page=1e2"}) {
    EXPECT_THROW(applyPriceSettings(start, bad), UsageError) << bad;
  }
  // A new list needs its currency and both side prices.
  EXPECT_THROW(applyPriceSettings(nullptr, "bw_page=0.10,color_page=0.50"), UsageError);
  EXPECT_THROW(applyPriceSettings(nullptr, "currency=EUR,bw_page=0.10"), UsageError);
}

TEST(ShopRender, PricesReadAsWordsWithTheirKeys) {
  const std::string text =
      pricesText({{"currency", "EUR"},
                  {"currency_exponent", 2},
                  {"tax_rate_bp", 770},
                  {"per_side_minor",
                   {{"monochrome", {{"default", 10}, {"iso_a3_297x420mm", 20}}},
                    {"color", {{"default", 50}}}}},
                  {"per_copy_minor", 5},
                  {"payment_policy", "print_then_pay"}});
  EXPECT_NE(text.find("  Tax                         7.7 %           tax\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("    on iso_a3_297x420mm       EUR 0.20        bw_page.iso_a3_297x420mm\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Handling per copy           EUR 0.05        per_copy\n"),
            std::string::npos)
      << text;
  EXPECT_LE(widestLine(text), 80u) << text;
}

TEST(ShopRender, DurationsAndPickupCodesAsPeopleTypeThem) {
  EXPECT_EQ(parseDuration("90s"), 90);
  EXPECT_EQ(parseDuration("30m"), 1800);
  EXPECT_EQ(parseDuration("2h"), 7200);
  EXPECT_EQ(parseDuration("7d"), 7 * 86400);
  EXPECT_EQ(parseDuration("3600"), 3600);
  EXPECT_EQ(parseDuration("0"), 0);
  for (const std::string bad :
       {"", "d", "-1", "1.5h", "2w", "1h30m", "99999999999", "3651d", "0x10", "1 d", "１h"}) {
    EXPECT_EQ(parseDuration(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(pickupCodeFrom("123456"), "123456");
  EXPECT_EQ(pickupCodeFrom("123 456"), "123456");
  EXPECT_EQ(pickupCodeFrom(" 123-456 "), "123456");
  for (const std::string bad : {"", "12345", "1234567", "12a456", "123_456", "１２３４５６",
                                "123456\n", "123456;rm", "000 000 0"}) {
    EXPECT_EQ(pickupCodeFrom(bad), std::nullopt) << bad;
  }
}

TEST(ShopRender, TheQueueFitsEightyColumnsWhateverItHolds) {
  const json order{
      {"id", "ord_0123456789abcdef0123456789abcdef"},
      {"state", "awaiting_payment"},
      {"created_at", 1'800'000'000},
      {"customer_email", std::string(60, 'x') + "@example.com"},
      {"pages", {{"quoted", 12345}, {"agent", nullptr}}},
      {"charge", {{"total_minor", 99'999'999'999}, {"currency", "EUR"}, {"currency_exponent", 2}}}};
  const json held{{"id", "ord_ffff"},        {"state", "held"},
                  {"hold_reason", "pickup"}, {"created_at", 1'800'000'000},
                  {"customer_id", "usr_1"},  {"customer_email", nullptr}};
  const std::string table = shopQueueTable(json::array({order, held}));
  EXPECT_LE(widestLine(table), 80u) << table;
  EXPECT_NE(table.find("ord_01234567  01-15 08:00  xxxxxxxxxxxxxxx…  12345  EUR 99999…  "
                       "awaiting payment\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("ord_ffff      01-15 08:00  usr_1                 -           -  "
                       "held (pickup)\n"),
            std::string::npos)
      << table;
  // Long names and notes are cut or moved below: the details stay within 80 columns too.
  json longOrder = order;
  longOrder["customer_name"] = std::string(200, 'n');
  longOrder["document"] = {{"name", std::string(300, 'd')}, {"content_type", "application/pdf"}};
  longOrder["history"] = json::array(
      {{{"state", "awaiting_payment"}, {"at", 1'800'000'000}, {"note", std::string(200, 'h')}}});
  const std::string details = shopOrderDetails(longOrder, "Copy Corner");
  EXPECT_LE(widestLine(details), 80u) << details;
  EXPECT_NE(details.find("Next: when the customer pays here:\n  printrelay shop paid"),
            std::string::npos)
      << details;
}

} // namespace
} // namespace printrelay::cli
