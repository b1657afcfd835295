// Issue 4 — DOCUMENTS through the HTTP API: documents recognised by their bytes and counted in
// memory, print options checked against the store's printers and completed by the shopkeeper's
// defaults, the client's declared count for sealed uploads, and the agent's count with the
// page-count hold and the shop's approval. Hostile input throughout.
#include "common/crypto/envelope.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/cloud/test_documents.h"
#include "tests/support/file_scan.h"
#include "tests/support/process.h"

namespace printrelay::cloud::testing {
namespace {

/// What a printer report's "abilities" says (protocol::PrinterAbilities as JSON).
json abilities(json media, json sides, json colorModes, json numberUp = json::array({1, 2, 4}),
               int copiesMax = 99) {
  return json{{"media_supported", std::move(media)},
              {"media_default", "iso_a4_210x297mm"},
              {"sides_supported", std::move(sides)},
              {"color_modes_supported", std::move(colorModes)},
              {"copies_min", 1},
              {"copies_max", copiesMax},
              {"page_ranges_supported", true},
              {"number_up_supported", std::move(numberUp)},
              {"orientations_supported", json::array({"portrait", "landscape"})},
              {"document_formats", json::array({"application/pdf", "text/plain"})}};
}

json printer(const std::string& name, const json& abilities = nullptr) {
  json p{{"name", name},
         {"state", "idle"},
         {"accepting", true},
         {"is_default", false},
         {"agent_printer", true},
         {"reasons", json::array()},
         {"problems", json::array()}};
  if (!abilities.is_null()) {
    p["abilities"] = abilities;
  }
  return p;
}

/// Front: A4 only, monochrome, one-sided. Back: A4 and A3, colour, duplex.
json twoPrinters() {
  return json::array(
      {printer("Front", abilities({"iso_a4_210x297mm"}, {"one-sided"}, {"monochrome"})),
       printer("Back", abilities({"iso_a4_210x297mm", "iso_a3_297x420mm"},
                                 {"one-sided", "two-sided-long-edge"}, {"monochrome", "color"}))});
}

class OrderDocumentsTest : public CloudFixture {
protected:
  void SetUp() override {
    CloudFixture::SetUp();
    storeId_ = createStore();
    agent_ = enrollAgent(storeId_);
    customer_ = customerToken();
  }

  /// The agent's printer report as the cloud stores it. (PUT /agent/printers keeps "abilities"
  /// once the printers track lands; written to the store directly here so this file tests only
  /// what it owns.)
  void reportPrinters(const json& printers) {
    auto tx = server_->store().begin();
    tx->setStorePrinters(storeId_, printers.dump(), clock_.now());
    tx->commit();
  }

  HttpReply postOrder(const json& fields, const std::string& token = "") {
    json body{{"store_id", storeId_}, {"document_name", "doc"}, {"content_type", "text/plain"}};
    for (const auto& [key, value] : fields.items()) {
      body[key] = value;
    }
    return request("POST", "/api/v1/orders", token.empty() ? customer_ : token, body.dump());
  }

  std::string newOrder(const json& fields) {
    const auto reply = postOrder(fields);
    EXPECT_EQ(reply.status, 201) << reply.describe();
    return reply.asJson().value("id", "");
  }

  json order(const std::string& orderId) {
    const auto reply = request("GET", "/api/v1/orders/" + orderId, customer_);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson();
  }

  /// A refused upload left nothing: still awaiting_upload, no document, no file, no job.
  void expectNothingStored(const std::string& orderId) {
    const json o = order(orderId);
    EXPECT_EQ(o["state"], "awaiting_upload");
    EXPECT_TRUE(o["document"]["size"].is_null());
    EXPECT_EQ(o["history"].size(), 1u);
    EXPECT_TRUE(o["pages"]["cloud"].is_null());
    EXPECT_TRUE(documentFiles().empty()) << documentFiles().front();
    EXPECT_TRUE(pollNow(agent_).empty());
  }

  /// An order for a plaintext PDF of `pages` pages, uploaded and leased; returns the offer.
  json leasedPdfOrder(int pages, std::string* orderId, const json& fields = json::object()) {
    json create{{"content_type", "application/pdf"}};
    for (const auto& [key, value] : fields.items()) {
      create[key] = value;
    }
    *orderId = newOrder(create);
    const auto up = upload(customer_, *orderId, pdfWithPages(pages), "application/pdf");
    EXPECT_EQ(up.status, 200) << up.describe();
    const json jobs = pollNow(agent_);
    EXPECT_EQ(jobs.size(), 1u) << jobs.dump();
    return jobs.empty() ? json::object() : jobs[0];
  }

  HttpReply counted(const json& offer, int seq, int pages,
                    const std::string& contentType = "application/pdf") {
    return postEvent(agent_, offer["job_id"],
                     {{"seq", seq},
                      {"lease_id", offer["lease_id"]},
                      {"state", "counted"},
                      {"pages", pages},
                      {"content_type", contentType}});
  }

  std::string shopkeeperOf(const std::string& storeId) {
    const std::string email = freshEmail("shopkeeper");
    createUser(email, "shopkeeper", json::array({storeId}));
    return accessToken(email);
  }

  std::string storeId_;
  EnrolledAgent agent_;
  std::string customer_;
};

// --- 3. What gets printed: types by their bytes ------------------------------------------

TEST_F(OrderDocumentsTest, OrdersDeclareOnlyTypesWhosePagesCount) {
  for (const std::string type :
       {"application/pdf", "image/png", "image/jpeg", "text/plain", "Text/Plain; charset=utf-8"}) {
    EXPECT_EQ(postOrder({{"content_type", type}}).status, 201) << type;
  }
  for (const std::string type :
       {"application/postscript", "text/html", "image/gif", "application/zip",
        "application/x-msdownload", "application/octet-stream", ""}) {
    const auto reply = postOrder({{"content_type", type}});
    EXPECT_EQ(reply.status, 400) << type;
    EXPECT_EQ(reply.errorCode(), type.empty() ? "invalid_request" : "unsupported_media_type")
        << type << " " << reply.body;
  }
}

TEST_F(OrderDocumentsTest, UploadsAreRecognisedByTheirBytesNotTheirName) {
  const std::string orderId = newOrder({{"content_type", "application/pdf"}});
  struct Case {
    std::string what;
    std::string bytes;
    std::string sentAs;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"a Windows program named .pdf", exeBytes(), "application/pdf", "unsupported_document"},
      {"a zip archive", zipBytes(), "application/pdf", "unsupported_document"},
      {"a program sent as text", exeBytes(), "text/plain", "unsupported_document"},
      {"HTML named .pdf", "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
       "application/pdf", "document_type_mismatch"},
      {"a PNG declared as PDF", pngBytes(), "application/pdf", "document_type_mismatch"},
      {"a PDF declared as JPEG", pdfWithPages(1), "image/jpeg", "document_type_mismatch"},
      {"a JPEG declared as PNG", jpegBytes(), "image/png", "document_type_mismatch"},
      {"a lone NUL", std::string(1, '\0'), "text/plain", "unsupported_document"},
  };
  for (const auto& c : cases) {
    const auto reply = upload(customer_, orderId, c.bytes, c.sentAs);
    EXPECT_EQ(reply.status, 415) << c.what << ": " << reply.describe();
    EXPECT_EQ(reply.errorCode(), c.code) << c.what << ": " << reply.body;
    expectNothingStored(orderId);
  }
  // The mismatch names both types.
  const auto png = upload(customer_, orderId, pngBytes(), "application/pdf");
  const std::string message = png.asJson()["error"]["message"];
  EXPECT_NE(message.find("image/png"), std::string::npos) << message;
  EXPECT_NE(message.find("application/pdf"), std::string::npos) << message;
  // PostScript is no longer taken as an upload either.
  EXPECT_EQ(upload(customer_, orderId, "%!PS-Adobe-3.0\n", "application/postscript").errorCode(),
            "unsupported_media_type");
  expectNothingStored(orderId);

  // The order is still open: the real document goes through.
  const auto good = upload(customer_, orderId, pdfWithPages(2), "application/pdf");
  ASSERT_EQ(good.status, 200) << good.describe();
  EXPECT_EQ(good.asJson()["state"], "queued");
}

TEST_F(OrderDocumentsTest, AProgramIsRefusedBeforeItIsReadWhole) {
  // A program far beyond the upload limit, streamed without a Content-Length: refused by its
  // first bytes (415), not by its size (413), and the connection stays usable.
  const std::string orderId = newOrder({{"content_type", "application/pdf"}});
  std::string big = exeBytes();
  big.resize(settings_.maxUploadBytes * 4, '\x01');
  auto client = newClient();
  std::size_t offset = 0;
  auto result = client->Put(
      "/api/v1/orders/" + orderId + "/document", {{"Authorization", "Bearer " + customer_}},
      [&](std::size_t, httplib::DataSink& sink) {
        if (offset >= big.size()) {
          sink.done();
          return true;
        }
        const std::size_t n = std::min<std::size_t>(4096, big.size() - offset);
        offset += n;
        return sink.write(big.data() + offset - n, n);
      },
      "application/pdf");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 415) << result->body;
  EXPECT_NE(result->body.find("unsupported_document"), std::string::npos) << result->body;
  expectNothingStored(orderId);
}

TEST_F(OrderDocumentsTest, UnreadablePdfIs422AndNothingIsStored) {
  const std::string orderId = newOrder({{"content_type", "application/pdf"}});
  const std::string whole = pdfWithPages(3);
  for (const std::string& broken :
       {whole.substr(0, whole.size() / 2), whole.substr(0, 60), std::string("%PDF-1.7\ngarbage"),
        std::string("%PDF-1.4\n") + std::string(6000, 'A'),
        pdfWithPages(0) /* a page tree without pages */}) {
    const auto reply = upload(customer_, orderId, broken, "application/pdf");
    EXPECT_EQ(reply.status, 422) << reply.describe();
    EXPECT_EQ(reply.errorCode(), "document_unreadable") << reply.body;
    expectNothingStored(orderId);
  }
  // Text that turns into binary after the first bytes the sniffer saw.
  const std::string textOrder = newOrder({{"content_type", "text/plain"}});
  const auto binaryTail =
      upload(customer_, textOrder, std::string(5000, 'a') + std::string(10, '\0'), "text/plain");
  EXPECT_EQ(binaryTail.status, 422) << binaryTail.describe();
  EXPECT_EQ(binaryTail.errorCode(), "document_unreadable");

  // A good retry of the same order works, and the plaintext never touched the disk.
  const std::string marker = "DOCS-PLAINTEXT-MARKER-5e1f";
  const auto good = upload(customer_, orderId, pdfWithPages(3, {marker}), "application/pdf");
  ASSERT_EQ(good.status, 200) << good.describe();
  EXPECT_EQ(good.asJson()["pages"], json({{"cloud", 3},
                                          {"client", nullptr},
                                          {"agent", nullptr},
                                          {"quoted", 3},
                                          {"source", "cloud"}}));
  const auto findings = printrelay::testing::findFilesContaining(
      {settings_.dataDir}, printrelay::testing::markerForms(marker));
  EXPECT_TRUE(findings.empty()) << printrelay::testing::describe(findings);
}

TEST_F(OrderDocumentsTest, PasswordProtectedPdfIsRefused) {
  std::filesystem::path qpdf;
  try {
    qpdf = printrelay::testing::findExecutable("qpdf");
  } catch (const std::exception&) {
    GTEST_SKIP() << "qpdf is not installed";
  }
  const auto plain = dir_->writeFile("plain.pdf", pdfWithPages(2));
  const auto encrypt = [&](const std::string& user, const std::string& name) {
    const auto out = dir_->path() / name;
    printrelay::testing::ProcessSpec spec;
    spec.argv = {qpdf.string(), "--encrypt", user,           "owner-secret",
                 "256",         "--",        plain.string(), out.string()};
    const auto r = printrelay::testing::run(spec);
    EXPECT_TRUE(r.status.success()) << r.describe();
    return printrelay::testing::readFile(out);
  };
  const std::string locked = encrypt("user-secret", "locked.pdf");
  const std::string ownerOnly = encrypt("", "owner-only.pdf");

  const std::string orderId = newOrder({{"content_type", "application/pdf"}});
  const auto reply = upload(customer_, orderId, locked, "application/pdf");
  EXPECT_EQ(reply.status, 422) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "document_encrypted");
  expectNothingStored(orderId);
  // Only an owner password (opening needs none, printing is allowed): counted and taken.
  const auto opened = upload(customer_, orderId, ownerOnly, "application/pdf");
  ASSERT_EQ(opened.status, 200) << opened.describe();
  EXPECT_EQ(opened.asJson()["pages"]["cloud"], 2);
}

TEST_F(OrderDocumentsTest, EveryKindIsCounted) {
  const auto countOf = [&](const std::string& type, const std::string& bytes) {
    const std::string id = newOrder({{"content_type", type}});
    const auto reply = upload(customer_, id, bytes, type);
    EXPECT_EQ(reply.status, 200) << type << " " << reply.describe();
    return reply.asJson()["pages"]["cloud"];
  };
  EXPECT_EQ(countOf("application/pdf", pdfWithPages(7)), 7);
  EXPECT_EQ(countOf("image/png", pngBytes()), 1);
  EXPECT_EQ(countOf("image/jpeg", jpegBytes()), 1);
  std::string text;
  for (int i = 0; i < 130; ++i) {
    text += "line " + std::to_string(i) + "\n"; // 60 lines a page
  }
  EXPECT_EQ(countOf("text/plain", text), 3);
  EXPECT_EQ(countOf("text/plain", "one\fform feed\fthree"), 3);

  // More pages than the wire carries (100000): refused, nothing stored.
  const std::string tooLong = newOrder({{"content_type", "text/plain"}});
  const auto reply = upload(customer_, tooLong, std::string(100001, '\f'), "text/plain");
  EXPECT_EQ(reply.status, 422) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "too_many_pages");
  EXPECT_EQ(order(tooLong)["state"], "awaiting_upload");
  EXPECT_EQ(upload(customer_, tooLong, std::string(100000, '\f'), "text/plain").status, 200);
}

TEST_F(OrderDocumentsTest, PageRangesMustFallInsideTheDocument) {
  // Against the cloud's count at upload: nothing stored, the order stays open.
  const std::string orderId =
      newOrder({{"content_type", "application/pdf"}, {"options", {{"page-ranges", "4-6"}}}});
  const auto beyond = upload(customer_, orderId, pdfWithPages(3), "application/pdf");
  EXPECT_EQ(beyond.status, 422) << beyond.describe();
  EXPECT_EQ(beyond.errorCode(), "page_range_out_of_document");
  EXPECT_NE(beyond.body.find("3 pages"), std::string::npos) << beyond.body;
  expectNothingStored(orderId);
  EXPECT_EQ(upload(customer_, orderId, pdfWithPages(5), "application/pdf").status, 200);

  // A range that starts inside is fine (it is cut at the last page).
  const std::string partly =
      newOrder({{"content_type", "application/pdf"}, {"options", {{"page-ranges", "2-9"}}}});
  EXPECT_EQ(upload(customer_, partly, pdfWithPages(3), "application/pdf").status, 200);

  // Against the client's declared count when the order is made.
  const auto declared = postOrder({{"pages", 2}, {"options", {{"page-ranges", "1,3"}}}});
  EXPECT_EQ(declared.status, 422) << declared.describe();
  EXPECT_EQ(declared.errorCode(), "page_range_out_of_document");
}

// --- 2. Option values: the protocol's checks, as HTTP statuses --------------------------------

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

// --- 2. Options checked against the store's printers ----------------------------------------

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

// --- 2. Shopkeeper defaults -----------------------------------------------------------------

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
  EXPECT_EQ(put({{"printer", "Front\nX"}}, shop).errorCode(), "invalid_request");
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

// --- 4. Client-sealed uploads need a declared count ----------------------------------------

TEST_F(OrderDocumentsTest, SealedUploadsAreQuotedOnTheClientsDeclaredCount) {
  const std::string undeclared = newOrder({{"content_type", "application/pdf"}});
  const auto refused = upload(customer_, undeclared, seal(agent_, undeclared, pdfWithPages(2)),
                              std::string(envelope::kMediaType));
  EXPECT_EQ(refused.status, 422) << refused.describe();
  EXPECT_EQ(refused.errorCode(), "pages_required");
  expectNothingStored(undeclared);
  // The same order can still be uploaded in plaintext: the cloud counts it.
  const auto plain = upload(customer_, undeclared, pdfWithPages(2), "application/pdf");
  ASSERT_EQ(plain.status, 200) << plain.describe();
  EXPECT_EQ(plain.asJson()["pages"]["source"], "cloud");
  pollNow(agent_);

  const std::string declared = newOrder({{"content_type", "application/pdf"}, {"pages", 6}});
  EXPECT_EQ(order(declared)["pages"]["client"], 6);
  EXPECT_EQ(order(declared)["pages"]["quoted"], nullptr);
  const auto sealed = upload(customer_, declared, seal(agent_, declared, pdfWithPages(6)),
                             std::string(envelope::kMediaType));
  ASSERT_EQ(sealed.status, 200) << sealed.describe();
  EXPECT_EQ(sealed.asJson()["pages"], json({{"cloud", nullptr},
                                            {"client", 6},
                                            {"agent", nullptr},
                                            {"quoted", 6},
                                            {"source", "client"}}));
  const json offer = pollNow(agent_)[0];
  EXPECT_EQ(offer["order_id"], declared);
  EXPECT_EQ(offer["quoted_pages"], 6);
}

// --- 5. The agent's count and the page-count hold ------------------------------------------

TEST_F(OrderDocumentsTest, ACountAtOrBelowTheQuoteProceeds) {
  for (const int agentPages : {3, 2}) {
    std::string orderId;
    const json offer = leasedPdfOrder(3, &orderId);
    clock_.advance(10);
    const auto reply = counted(offer, 1, agentPages);
    ASSERT_EQ(reply.status, 200) << reply.describe();
    const json answer = reply.asJson();
    EXPECT_EQ(answer["proceed"], true);
    EXPECT_EQ(answer["order_state"], "dispatched");
    EXPECT_EQ(answer["lease_expires_at"], clock_.now() + settings_.leaseSeconds);
    const json o = order(orderId);
    EXPECT_EQ(o["state"], "dispatched");
    EXPECT_EQ(o["pages"]["agent"], agentPages);
    EXPECT_EQ(o["pages"]["quoted"], 3);
    EXPECT_TRUE(o["hold_reason"].is_null());
    // Printing goes on under the same lease.
    EXPECT_EQ(postEvent(agent_, offer["job_id"],
                        {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                  .status,
              200);
    EXPECT_EQ(order(orderId)["state"], "printed");
  }
}

TEST_F(OrderDocumentsTest, ACountAboveTheQuoteHoldsTheOrderUntilTheShopApproves) {
  std::string orderId;
  const json offer = leasedPdfOrder(3, &orderId);
  const auto reply = counted(offer, 1, 5);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json answer = reply.asJson();
  EXPECT_EQ(answer["proceed"], false);
  EXPECT_EQ(answer["order_state"], "held");
  EXPECT_EQ(answer["lease_expires_at"], nullptr);
  EXPECT_NE(answer["message"].get<std::string>().find("5 pages"), std::string::npos);

  // The same event again gets the same answer and changes nothing; other content conflicts.
  const auto replay = counted(offer, 1, 5);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.asJson(), answer);
  EXPECT_EQ(counted(offer, 1, 4).errorCode(), "event_conflict");
  // The lease ended: no more events under it, and the job is not offered while held.
  const auto late = postEvent(agent_, offer["job_id"],
                              {{"seq", 2}, {"lease_id", offer["lease_id"]}, {"state", "printing"}});
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.errorCode(), "lease_expired");
  EXPECT_TRUE(pollNow(agent_).empty());
  clock_.advance(settings_.leaseSeconds * 2);
  EXPECT_TRUE(pollNow(agent_).empty());

  json o = order(orderId);
  EXPECT_EQ(o["state"], "held");
  EXPECT_EQ(o["hold_reason"], "page_count");
  EXPECT_EQ(o["pages"]["agent"], 5);
  EXPECT_EQ(o["pages"]["quoted"], 3);
  EXPECT_NE(o["history"].back()["note"].get<std::string>().find("counted 5"), std::string::npos);

  // Approval: only the shop of this store (or an admin).
  const std::string approve = "/api/v1/shop/orders/" + orderId + "/approve-pages";
  const std::string otherShop = shopkeeperOf(createStore("Elsewhere"));
  const auto foreign = request("POST", approve, otherShop);
  EXPECT_EQ(foreign.status, 404) << foreign.describe();
  EXPECT_EQ(foreign.errorCode(), "order_not_found");
  EXPECT_EQ(request("POST", approve, customer_).status, 403);
  EXPECT_EQ(request("POST", approve, agent_.credential).status, 403);
  EXPECT_EQ(request("POST", "/api/v1/shop/orders/ord_nope/approve-pages", kAdminToken).errorCode(),
            "order_not_found");
  EXPECT_EQ(request("POST", "/api/v1/shop/orders/..%2f..%2fetc/approve-pages", kAdminToken).status,
            404);
  EXPECT_EQ(order(orderId)["state"], "held");

  const std::string shop = shopkeeperOf(storeId_);
  const auto approved = request("POST", approve, shop);
  ASSERT_EQ(approved.status, 200) << approved.describe();
  o = approved.asJson();
  EXPECT_EQ(o["state"], "queued");
  EXPECT_TRUE(o["hold_reason"].is_null());
  EXPECT_EQ(
      o["pages"],
      json({{"cloud", 3}, {"client", nullptr}, {"agent", 5}, {"quoted", 5}, {"source", "agent"}}));
  EXPECT_NE(o["history"].back()["note"].get<std::string>().find("approved 5"), std::string::npos);
  const auto again = request("POST", approve, shop);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(request("POST", approve, shop, json{{"pages", 1}}.dump()).errorCode(),
            "invalid_request"); // a count is never taken from the request
  EXPECT_EQ(again.errorCode(), "no_page_count_hold");

  // A fresh lease, quoted on the approved count; the same count now proceeds.
  const json second = pollNow(agent_)[0];
  EXPECT_EQ(second["order_id"], orderId);
  EXPECT_EQ(second["quoted_pages"], 5);
  EXPECT_NE(second["lease_id"], offer["lease_id"]);
  const auto recount = counted(second, 2, 5);
  ASSERT_EQ(recount.status, 200) << recount.describe();
  EXPECT_EQ(recount.asJson()["proceed"], true);
  ASSERT_EQ(postEvent(agent_, second["job_id"],
                      {{"seq", 3}, {"lease_id", second["lease_id"]}, {"state", "printed"}})
                .status,
            200);
  EXPECT_EQ(order(orderId)["state"], "printed");
}

TEST_F(OrderDocumentsTest, AnAdminMayApproveAndOnlyAPageCountHoldIsApproved) {
  std::string orderId;
  const json offer = leasedPdfOrder(1, &orderId);
  const std::string approve = "/api/v1/shop/orders/" + orderId + "/approve-pages";
  const auto dispatched = request("POST", approve, kAdminToken);
  EXPECT_EQ(dispatched.status, 409);
  EXPECT_EQ(dispatched.errorCode(), "no_page_count_hold");
  ASSERT_EQ(counted(offer, 1, 2).asJson()["proceed"], false);
  const auto approved = request("POST", approve, kAdminToken, "{}");
  ASSERT_EQ(approved.status, 200) << approved.describe();
  EXPECT_EQ(approved.asJson()["state"], "queued");
}

TEST_F(OrderDocumentsTest, AClientsDeclaredCountIsTheQuoteForASealedUpload) {
  const std::string orderId = newOrder({{"content_type", "application/pdf"}, {"pages", 2}});
  ASSERT_EQ(upload(customer_, orderId, seal(agent_, orderId, pdfWithPages(9)),
                   std::string(envelope::kMediaType))
                .status,
            200);
  const json offer = pollNow(agent_)[0];
  EXPECT_EQ(offer["quoted_pages"], 2);
  const auto reply = counted(offer, 1, 9);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["proceed"], false);
  EXPECT_EQ(order(orderId)["hold_reason"], "page_count");
}

TEST_F(OrderDocumentsTest, ATypeOtherThanDeclaredIsRecordedNotHeld) {
  std::string orderId;
  const json offer = leasedPdfOrder(1, &orderId);
  const auto reply = counted(offer, 1, 4, "image/png");
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["proceed"], true);
  EXPECT_NE(reply.asJson()["message"].get<std::string>().find("image/png"), std::string::npos);
  EXPECT_EQ(order(orderId)["state"], "dispatched");
  {
    auto tx = server_->store().begin();
    const auto pages = tx->findOrderPages(orderId);
    ASSERT_TRUE(pages);
    EXPECT_EQ(pages->agentPages, 4);
    EXPECT_EQ(pages->agentContentType, "image/png");
  }
  // The agent then reports the failure itself.
  EXPECT_EQ(postEvent(agent_, offer["job_id"],
                      {{"seq", 2},
                       {"lease_id", offer["lease_id"]},
                       {"state", "failed"},
                       {"message", "the document is image/png, not application/pdf"}})
                .status,
            200);
  EXPECT_EQ(order(orderId)["state"], "failed");
}

TEST_F(OrderDocumentsTest, CountedEventsAreChecked) {
  std::string orderId;
  const json offer = leasedPdfOrder(2, &orderId);
  const auto post = [&](const json& event) { return postEvent(agent_, offer["job_id"], event); };
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}}).errorCode(),
            "invalid_request"); // pages missing
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}, {"pages", 0}})
                .errorCode(),
            "invalid_request");
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}, {"pages", -3}})
                .errorCode(),
            "invalid_request");
  EXPECT_EQ(post({{"seq", 1}, {"lease_id", "lease_forged"}, {"state", "counted"}, {"pages", 1}})
                .errorCode(),
            "lease_expired");
  // Another store's agent cannot count this job.
  const EnrolledAgent stranger = enrollAgent(createStore("Elsewhere"));
  EXPECT_EQ(
      postEvent(stranger, offer["job_id"],
                {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "counted"}, {"pages", 1}})
          .errorCode(),
      "job_not_found");
  EXPECT_EQ(order(orderId)["pages"]["agent"], nullptr);
  // After the job printed, a count is out of place.
  ASSERT_EQ(post({{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printing"}}).status, 200);
  ASSERT_EQ(counted(offer, 2, 2).status, 200); // counting while printing is still allowed
  ASSERT_EQ(post({{"seq", 3}, {"lease_id", offer["lease_id"]}, {"state", "printed"}}).status, 200);
  EXPECT_EQ(counted(offer, 4, 2).status, 409);
}

} // namespace
} // namespace printrelay::cloud::testing
