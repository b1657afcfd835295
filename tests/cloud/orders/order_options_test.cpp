// Print options through the HTTP API: the protocol's checks as HTTP statuses, the options checked
// against the store's printers and completed by the shopkeeper's defaults.
#include "tests/cloud/orders/order_documents_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// --- Option values: the protocol's checks, as HTTP statuses --------------------------------------

TEST_F(OrderDocumentsTest, BadOptionValuesAndCountsAre400) {
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"options", {{"staple", "top-left"}}}}, "unsupported_option"},
      {{{"options", {{"copies", 0}}}}, "invalid_request"},
      {{{"options", {{"copies", 1000}}}}, "invalid_request"},
      {{{"options", {{"copies", -1}}}}, "invalid_request"},
      {{{"options", {{"copies", 2.5}}}}, "invalid_request"},
      {{{"options", {{"page-ranges", "garbage"}}}}, "invalid_request"},
      {{{"options", {{"page-ranges", "3-1"}}}}, "invalid_request"},
      {{{"options", {{"page-ranges", "0"}}}}, "invalid_request"},
      {{{"options", {{"page-ranges", "1-2,2-3"}}}}, "invalid_request"},
      {{{"options", {{"page-ranges", "1;rm -rf /"}}}}, "invalid_request"},
      {{{"options", {{"number-up", 3}}}}, "invalid_request"},
      {{{"options", {{"orientation-requested", "diagonal"}}}}, "invalid_request"},
      {{{"options", {{"media", "A4'; DROP TABLE orders;--"}}}}, "invalid_request"},
      {{{"options", {{"fit-to-page", "yes"}}}}, "invalid_request"},
      {{{"pages", 0}}, "invalid_request"},
      {{{"pages", 100001}}, "invalid_request"},
      {{{"pages", "3"}}, "invalid_request"},
      {{{"pages", 1.5}}, "invalid_request"},
      {{{"price", 0}}, "invalid_request"},
  };
  for (const auto& [fields, code] : cases) {
    const auto reply = postOrder(fields);
    EXPECT_EQ(reply.status, 400) << fields.dump() << " " << reply.describe();
    EXPECT_EQ(reply.errorCode(), code) << fields.dump() << " " << reply.body;
  }
  EXPECT_EQ(request("GET", "/api/v1/orders", customer_).asJson()["orders"].size(), 0u);
}

// --- Options checked against the store's printers ------------------------------------------------

TEST_F(OrderDocumentsTest, AStoreThatNeverReportedPrintersAcceptsAnyValidOptions) {
  // Nothing to check against yet: the agent is the final judge (see docs/architecture.md).
  EXPECT_EQ(postOrder({{"options", {{"media", "iso_a0_841x1189mm"}, {"number-up", 16}}}}).status,
            201);
}

TEST_F(OrderDocumentsTest, OptionsNoPrinterCanDoAreRefusedWithWhatTheStoreSupports) {
  reportPrinters(twoPrinters());
  // One printer can: accepted.
  EXPECT_EQ(
      postOrder(
          {{"options",
            {{"media", "A3"}, {"sides", "two-sided-long-edge"}, {"print-color-mode", "color"}}}})
          .status,
      201);
  EXPECT_EQ(postOrder({{"options", {{"copies", 99}}}}).status, 201);

  const auto refused = postOrder({{"options", {{"media", "letter"}, {"number-up", 16}}}});
  ASSERT_EQ(refused.status, 422) << refused.describe();
  const json error = refused.asJson()["error"];
  EXPECT_EQ(error["code"], "options_not_supported");
  ASSERT_EQ(error["printers"].size(), 2u) << error.dump();
  EXPECT_EQ(error["printers"][0]["name"], "Front");
  EXPECT_EQ(error["printers"][1]["name"], "Back");
  const std::string why = error["printers"][1]["problems"].dump();
  EXPECT_NE(why.find("na_letter_8.5x11in"), std::string::npos) << why;
  EXPECT_NE(why.find("number-up 16"), std::string::npos) << why;
  EXPECT_EQ(error["supported"]["media"], json::array({"iso_a3_297x420mm", "iso_a4_210x297mm"}));
  EXPECT_EQ(error["supported"]["sides"], json::array({"one-sided", "two-sided-long-edge"}));
  EXPECT_EQ(error["supported"]["print-color-mode"], json::array({"color", "monochrome"}));
  EXPECT_EQ(error["supported"]["copies"], json({{"min", 1}, {"max", 99}}));
  EXPECT_EQ(error["supported"]["number-up"], json::array({1, 2, 4}));
  EXPECT_EQ(error["supported"]["orientation-requested"], json::array({"landscape", "portrait"}));
  EXPECT_EQ(error["supported"]["page-ranges"], true);
  EXPECT_NE(error["message"].get<std::string>().find("Front"), std::string::npos);

  // Each printer lacks something different, none does all: refused.
  EXPECT_EQ(postOrder({{"options", {{"copies", 100}}}}).errorCode(), "options_not_supported");
  EXPECT_EQ(
      postOrder({{"options", {{"media", "A3"}, {"sides", "two-sided-short-edge"}}}}).errorCode(),
      "options_not_supported");
  EXPECT_EQ(request("GET", "/api/v1/orders", customer_).asJson()["orders"].size(), 2u);
}

TEST_F(OrderDocumentsTest, APrinterReportedWithoutAbilitiesRefusesNothing) {
  json printers = twoPrinters();
  printers.push_back(printer("Old"));
  reportPrinters(printers);
  EXPECT_EQ(postOrder({{"options", {{"media", "letter"}}}}).status, 201);
  // Abilities the cloud cannot read count as unknown too.
  reportPrinters(json::array({printer("Front", {{"copies_max", "many"}})}));
  EXPECT_EQ(postOrder({{"options", {{"media", "letter"}}}}).status, 201);
  // So does a stored report that is not a list: as if the agent never reported.
  reportPrinters(json{{"printers", "?"}});
  EXPECT_EQ(postOrder({{"options", {{"media", "letter"}}}}).status, 201);
}

TEST_F(OrderDocumentsTest, AStoreReportingNoPrintersTakesNoOrders) {
  reportPrinters(json::array());
  const auto reply = postOrder({});
  EXPECT_EQ(reply.status, 409) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "no_printers");
}

// --- Shopkeeper defaults -------------------------------------------------------------------------

TEST_F(OrderDocumentsTest, ShopDefaultsFillWhatTheCustomerLeftOutAndNameThePrinter) {
  reportPrinters(twoPrinters());
  const std::string shop = shopkeeperOf(storeId_);
  const std::string path = "/api/v1/shop/stores/" + storeId_ + "/print-defaults";
  const auto empty = request("GET", path, shop);
  ASSERT_EQ(empty.status, 200) << empty.describe();
  EXPECT_EQ(empty.asJson()["printer"], nullptr);
  EXPECT_EQ(empty.asJson()["options"], json::object());
  EXPECT_EQ(empty.asJson()["reported_printers"], json::array({"Front", "Back"}));

  const auto set =
      request("PUT", path, shop,
              json{{"printer", "Back"},
                   {"options", {{"media", "iso_a3_297x420mm"}, {"sides", "two-sided-long-edge"}}}}
                  .dump());
  ASSERT_EQ(set.status, 200) << set.describe();
  EXPECT_EQ(set.asJson()["printer"], "Back");
  EXPECT_EQ(set.asJson()["updated_at"], clock_.now());
  EXPECT_EQ(request("GET", path, shop).asJson()["options"],
            json({{"media", "iso_a3_297x420mm"}, {"sides", "two-sided-long-edge"}}));
  EXPECT_EQ(request("GET", path, kAdminToken).status, 200);

  // The customer's own values win; defaults fill the rest; null means "no value".
  const std::string orderId = newOrder(
      {{"content_type", "application/pdf"},
       {"options", {{"copies", 2}, {"sides", "one-sided"}, {"print-color-mode", nullptr}}}});
  const json options = order(orderId)["options"];
  EXPECT_EQ(options["copies"], 2);
  EXPECT_EQ(options["media"], "iso_a3_297x420mm");
  EXPECT_EQ(options["sides"], "one-sided");
  EXPECT_EQ(options["print-color-mode"], "monochrome");

  // The offer names the default printer and the quoted pages.
  ASSERT_EQ(upload(customer_, orderId, pdfWithPages(4), "application/pdf").status, 200);
  const json offer = pollNow(agent_)[0];
  EXPECT_EQ(offer["printer"], "Back");
  EXPECT_EQ(offer["quoted_pages"], 4);
  EXPECT_EQ(offer["options"]["media"], "iso_a3_297x420mm");

  // An order the default printer cannot do (Front has no colour, Back has): no printer is named
  // and the agent chooses.
  ASSERT_EQ(
      request("PUT", path, shop, json{{"printer", "Front"}, {"options", json::object()}}.dump())
          .status,
      200);
  const std::string colour =
      newOrder({{"content_type", "application/pdf"}, {"options", {{"print-color-mode", "color"}}}});
  ASSERT_EQ(upload(customer_, colour, pdfWithPages(1), "application/pdf").status, 200);
  const json colourOffer = pollNow(agent_)[0];
  EXPECT_EQ(colourOffer["order_id"], colour);
  EXPECT_FALSE(colourOffer.contains("printer")) << colourOffer.dump();

  // A default printer that left the report is not named either.
  reportPrinters(json::array({printer("Back")}));
  const std::string later = newOrder({{"content_type", "application/pdf"}});
  ASSERT_EQ(upload(customer_, later, pdfWithPages(1), "application/pdf").status, 200);
  EXPECT_FALSE(pollNow(agent_)[0].contains("printer"));

  // Cleared: empty printer, no options.
  const auto cleared = request("PUT", path, shop, json{{"printer", ""}}.dump());
  ASSERT_EQ(cleared.status, 200) << cleared.describe();
  EXPECT_EQ(cleared.asJson()["printer"], nullptr);
  EXPECT_EQ(cleared.asJson()["options"], json::object());
}

TEST_F(OrderDocumentsTest, ShopDefaultsAreCheckedAndOnlyTheStoresShopSetsThem) {
  reportPrinters(twoPrinters());
  const std::string shop = shopkeeperOf(storeId_);
  const std::string path = "/api/v1/shop/stores/" + storeId_ + "/print-defaults";
  const auto put = [&](const json& body, const std::string& token) {
    return request("PUT", path, token, body.dump());
  };
  const auto unknownPrinter = put({{"printer", "Basement"}}, shop);
  EXPECT_EQ(unknownPrinter.status, 422) << unknownPrinter.describe();
  EXPECT_EQ(unknownPrinter.errorCode(), "unknown_printer");
  EXPECT_NE(unknownPrinter.body.find("Front, Back"), std::string::npos);
  EXPECT_EQ(put({{"options", {{"staple", true}}}}, shop).errorCode(), "unsupported_option");
  EXPECT_EQ(put({{"options", {{"copies", 0}}}}, shop).errorCode(), "invalid_request");
  EXPECT_EQ(put({{"options", {{"page-ranges", "1"}}}}, shop).errorCode(), "invalid_request");
  EXPECT_EQ(put({{"options", "media=A4"}}, shop).errorCode(), "invalid_request");
  EXPECT_EQ(put({{"printer", 7}}, shop).errorCode(), "invalid_request");
  // A printer's name follows the name rule (common/util/names.h): no controls, no bidi.
  EXPECT_EQ(put({{"printer", "Front\nX"}}, shop).errorCode(), "invalid_name");
  EXPECT_EQ(put({{"printer", "Front\u202eX"}}, shop).errorCode(), "invalid_name");
  EXPECT_EQ(put({{"default_printer", "Front"}}, shop).errorCode(), "invalid_request");
  EXPECT_EQ(request("PUT", path, shop, "{\"printer\":").errorCode(), "malformed_json");

  const std::string otherStore = createStore("Elsewhere");
  const std::string otherShop = shopkeeperOf(otherStore);
  const auto foreign = put({{"printer", "Front"}}, otherShop);
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.errorCode(), "forbidden");
  EXPECT_EQ(request("GET", path, otherShop).status, 403);
  EXPECT_EQ(put({{"printer", "Front"}}, customer_).status, 403);
  EXPECT_EQ(put({{"printer", "Front"}}, agent_.credential).status, 403);
  EXPECT_EQ(put({{"printer", "Front"}}, "").status, 401);
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/st_missing/print-defaults", kAdminToken).status,
            404);
  // Nothing of that was stored.
  EXPECT_EQ(request("GET", path, shop).asJson()["updated_at"], nullptr);

  // No printers reported at all: no printer can be chosen, options can.
  const std::string bare = createStore("Bare");
  enrollAgent(bare);
  const std::string bareShop = shopkeeperOf(bare);
  const std::string barePath = "/api/v1/shop/stores/" + bare + "/print-defaults";
  EXPECT_EQ(request("PUT", barePath, bareShop, json{{"printer", "Front"}}.dump()).errorCode(),
            "unknown_printer");
  EXPECT_EQ(request("PUT", barePath, bareShop, json{{"options", {{"media", "A4"}}}}.dump()).status,
            200);
}

} // namespace
} // namespace printrelay::cloud::testing
