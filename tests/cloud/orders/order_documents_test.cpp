// Documents through the HTTP API: recognised by their bytes, not their names, and counted in
// memory. Hostile input throughout.
#include "tests/cloud/orders/order_documents_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// --- What gets printed: types by their bytes -----------------------------------------------------

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
  const auto result = uploadChunked(orderId, big, 4096, "application/pdf");
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

} // namespace
} // namespace printrelay::cloud::testing
