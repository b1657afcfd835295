// How printrelay shows orders to people (cloud/cli/order_render.h), its error lines, its
// progress bar, and the store keys it pins (cloud/cli/known_stores.h), in process.
#include "cloud/cli/known_stores.h"
#include "cloud/cli/order_render.h"
#include "cloud/cli/output.h"
#include "cloud/cli/progress.h"
#include "common/wire/http_client.h"
#include "tests/support/temp_dir.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace printrelay::cli {
namespace {

using nlohmann::json;

TEST(CliRender, OptionsReadAsWords) {
  EXPECT_EQ(optionWords(json::object()), "1 copy, one-sided, black and white");
  EXPECT_EQ(optionWords({{"copies", 2},
                         {"sides", "two-sided-long-edge"},
                         {"print-color-mode", "color"},
                         {"media", "iso_a4_210x297mm"},
                         {"page-ranges", "1-3,5"},
                         {"number-up", 2},
                         {"orientation-requested", "landscape"}}),
            "2 copies, two-sided (long edge), colour, A4, pages 1-3,5, 2 pages per sheet, "
            "landscape");
  EXPECT_EQ(optionWords({{"media", "na_letter_8.5x11in"}}),
            "1 copy, one-sided, black and white, Letter");
}

TEST(CliRender, MoneyInTheCurrencysMinorUnits) {
  EXPECT_EQ(moneyText(143, "EUR", 2), "EUR 1.43");
  EXPECT_EQ(moneyText(5, "EUR", 2), "EUR 0.05");
  EXPECT_EQ(moneyText(-250, "USD", 2), "USD -2.50");
  EXPECT_EQ(moneyText(120, "JPY", 0), "JPY 120");
}

TEST(CliRender, HistoryNotesHideTheCloudsIds) {
  EXPECT_EQ(publicNote("leased to agent ag_0123456789abcdef0123456789abcdef"),
            "leased to the shop");
  EXPECT_EQ(publicNote("handed to agent ag_0123456789abcdef (lease until 1790000000)"),
            "handed to the shop");
  EXPECT_EQ(publicNote("sealed document received"), "sealed document received");
  // The shop's staff are the shop: no internal user ids.
  EXPECT_EQ(publicNote("cancelled by the shop (usr_0123456789abcdef): out of toner"),
            "cancelled by the shop: out of toner");
  EXPECT_EQ(publicNote("queued again for a reprint by usr_0123456789abcdef"),
            "queued again for a reprint by the shop");
}

json heldOrder() {
  return {{"id", "ord_0123456789abcdef0123456789abcdef"},
          {"store_id", "st_1"},
          {"state", "held"},
          {"hold", true},
          {"hold_reason", "pickup"},
          {"pickup_code", "482913"},
          {"options", {{"copies", 2}, {"print-color-mode", "color"}}},
          {"document", {{"name", "report.pdf"}, {"content_type", "application/pdf"}}},
          {"pages", {{"quoted", 3}}},
          {"charge",
           {{"total_minor", 143},
            {"currency", "EUR"},
            {"currency_exponent", 2},
            {"payment_state", "unpaid"},
            {"balance_due_minor", 143}}},
          {"printer", nullptr},
          {"created_at", 1796300000},
          {"history",
           json::array({{{"state", "awaiting_upload"}, {"at", 1796300000}, {"note", "created"}},
                        {{"state", "awaiting_payment"},
                         {"at", 1796300001},
                         {"note", "sealed document received"}},
                        {{"state", "held"}, {"at", 1796300002}}})}};
}

TEST(CliRender, AHeldOrderShowsItsPickupCodeStoreNameAndWhatIsDue) {
  const std::string text = orderDetails(heldOrder(), {{"st_1", "Copy Corner"}});
  EXPECT_NE(text.find("State     held for pickup\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Store     Copy Corner\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Options   2 copies, one-sided, colour\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Price     EUR 1.43, not paid yet: EUR 1.43 due\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("PICKUP CODE:  482 913"), std::string::npos) << text;
  EXPECT_EQ(text.find("st_1"), std::string::npos) << text;
  // The history's notes line up after the longest state.
  EXPECT_NE(text.find("awaiting_upload   created\n"), std::string::npos) << text;
  EXPECT_NE(text.find("awaiting_payment  sealed document received\n"), std::string::npos) << text;
  // A note too long to stand beside its state goes below it, so every line fits 80 columns.
  json longNote = heldOrder();
  longNote["history"][1]["note"] = "sealed document received (3 page(s) declared by the client)";
  const std::string below = orderDetails(longNote, {});
  EXPECT_NE(below.find("awaiting_payment\n      sealed document received (3 page(s) declared by "
                       "the client)\n"),
            std::string::npos)
      << below;
}

TEST(CliRender, TheOrdersTableHasAHeaderAndFits80Columns) {
  json second = heldOrder();
  second["id"] = "ord_fedcba9876543210fedcba9876543210";
  second["state"] = "printed";
  second["store_id"] = "st_2";
  const json orders = json::array({heldOrder(), second});
  const StoreNames stores{{"st_1", "Copy Corner"},
                          {"st_2", "The Very Long Named Print and Copy Shop"}};
  const std::string table = ordersTable(orders, stores, false);
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "ID            CREATED (UTC)     STORE             STATE             PRICE");
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    EXPECT_LE(line.size(), 80u) << line;
  }
  EXPECT_EQ(rows, 2);
  EXPECT_NE(table.find("ord_01234567  2026-12-03"), std::string::npos) << table;
  EXPECT_NE(table.find("held (pickup)"), std::string::npos) << table;
  EXPECT_NE(table.find("The Very Long N…"), std::string::npos) << table;
  EXPECT_NE(table.find("EUR 1.43"), std::string::npos) << table;
  const std::string wide = ordersTable(orders, stores, true);
  EXPECT_NE(wide.find("ord_0123456789abcdef0123456789abcdef"), std::string::npos) << wide;
}

TEST(CliRender, ErrorsSayWhatHappenedAndKeepTheCode) {
  const CloudRequestError refused("cloud_unreachable", "listing stores: cannot connect",
                                  "connection_refused");
  EXPECT_EQ(errorText(refused), "printrelay: listing stores: cannot connect [cloud_unreachable]");
  EXPECT_EQ(errorJson(refused), json({{"error",
                                       {{"code", "cloud_unreachable"},
                                        {"message", "listing stores: cannot connect"},
                                        {"reason", "connection_refused"}}}}));
  const CloudRequestError throttled("too_many_attempts", "logging in: wait", "", 900);
  EXPECT_EQ(errorJson(throttled)["error"]["retry_after_seconds"], 900);
}

TEST(CliRender, TheProgressBarCountsMebibytes) {
  EXPECT_EQ(ProgressBar::line(13 * 1024 * 1024 + 524288, 27 * 1024 * 1024),
            "sending [###############...............]  50 %  13.5 of 27.0 MiB");
  EXPECT_EQ(ProgressBar::line(512, 2048),
            "sending [#######.......................]  25 %  0.5 of 2.0 KiB");
}

class KnownStoresTest : public ::testing::Test {
protected:
  printrelay::testing::TempDir dir_{"printrelay-known-stores-test"};
  std::filesystem::path file() const { return dir_.path() / "cfg" / "known_stores.json"; }
};

TEST_F(KnownStoresTest, PinsOnFirstUseAndPassesTheSameKey) {
  KnownStores stores("https://cloud.example", file());
  EXPECT_TRUE(stores.checkOrPin("st_1", "00112233445566778899aabbccddeeff"));
  EXPECT_FALSE(stores.checkOrPin("st_1", "00112233445566778899aabbccddeeff"));
  EXPECT_EQ(std::filesystem::status(file()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // Per cloud: another cloud's store of the same id is new there.
  EXPECT_TRUE(KnownStores("https://other.example", file()).checkOrPin("st_1", "ffff"));
}

TEST_F(KnownStoresTest, RefusesAChangedKeyWithBothFingerprintsAndTheCommandToAcceptIt) {
  KnownStores stores("https://cloud.example", file());
  stores.checkOrPin("st_1", "00112233445566778899aabbccddeeff");
  try {
    stores.checkOrPin("st_1", "ffeeddccbbaa99887766554433221100");
    FAIL() << "a changed key was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "store_key_changed");
    const std::string message = e.what();
    EXPECT_NE(message.find("pinned key: 0011 2233 4455 6677 8899 aabb ccdd eeff"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("offered key: ffee ddcc bbaa 9988 7766 5544 3322 1100"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("printrelay trust-store st_1 --key ffeeddccbbaa99887766554433221100"),
              std::string::npos)
        << message;
  }
  EXPECT_EQ(stores.pinned("st_1"), "00112233445566778899aabbccddeeff");
  stores.pin("st_1", "ffeeddccbbaa99887766554433221100");
  EXPECT_FALSE(stores.checkOrPin("st_1", "ffeeddccbbaa99887766554433221100"));
}

TEST_F(KnownStoresTest, AKeyIdThatIsNoStringCountsAsNone) {
  // Found by fuzz_known_stores: a key_id of another JSON type threw nlohmann's type_error.
  std::filesystem::create_directories(file().parent_path());
  std::ofstream(file())
      << R"({"https://cloud.example":{"st_1":{"key_id":5},"st_2":{"key_id":null},)"
      << R"("st_3":[]}})";
  KnownStores stores("https://cloud.example", file());
  EXPECT_EQ(stores.pinned("st_1"), "");
  EXPECT_EQ(stores.pinned("st_2"), "");
  EXPECT_EQ(stores.pinned("st_3"), "");
  EXPECT_TRUE(stores.checkOrPin("st_1", "00112233445566778899aabbccddeeff"));
  EXPECT_EQ(stores.pinned("st_1"), "00112233445566778899aabbccddeeff");
}

} // namespace
} // namespace printrelay::cli
