// The PDF receipts of paid and printed orders, through the HTTP API.
#include "tests/cloud/orders/commerce_fixture.h"

namespace printrelay::cloud::testing {
namespace {

// ---------------------------------------------------------------------------------------------
// Receipts

std::string pdfText(const std::filesystem::path& dir, const std::string& pdf) {
  const auto file = dir / "receipt.pdf";
  {
    std::ofstream out(file, std::ios::binary);
    out << pdf;
  }
  printrelay::testing::ProcessSpec spec;
  spec.argv = {"pdftotext", "-layout", file.string(), "-"};
  const auto result = printrelay::testing::run(spec);
  EXPECT_TRUE(result.status.success()) << result.describe();
  return result.out;
}

TEST_F(CommerceTest, APaidOrderHasAPdfReceipt) {
  setPrices();
  const std::string id = createOrder(customer_, storeId_, "application/pdf",
                                     {{"copies", 2}, {"print-color-mode", "color"}}, 3);
  ASSERT_EQ(upload(customer_, id, seal(agent_, id, "%PDF-1.4 r"), std::string(envelope::kMediaType))
                .status,
            200);
  const auto early = request("GET", "/api/v1/orders/" + id + "/receipt", customer_);
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(early.errorCode(), "receipt_unavailable");
  ASSERT_EQ(markPaid(id, {{"method", "card"}}).status, 200);

  const auto reply = request("GET", "/api/v1/orders/" + id + "/receipt", customer_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.headers.find("Content-Type")->second, "application/pdf");
  EXPECT_EQ(reply.body.rfind("%PDF-", 0), 0u);
  const std::string text = pdfText(dir_->path(), reply.body);
  EXPECT_NE(text.find(id), std::string::npos) << text;
  EXPECT_NE(text.find("3.57 EUR"), std::string::npos) << text;    // the total
  EXPECT_NE(text.find("0.57 EUR"), std::string::npos) << text;    // the tax
  EXPECT_NE(text.find("Copy Corner"), std::string::npos) << text; // the store
  EXPECT_NE(text.find("1 Test Street"), std::string::npos) << text;
  EXPECT_NE(text.find("thesis.pdf"), std::string::npos) << text;
  EXPECT_NE(text.find("2 copies"), std::string::npos) << text;
  EXPECT_NE(text.find("Printed sides (color, iso_a4_210x297mm)"), std::string::npos) << text;
  EXPECT_NE(text.find("by card"), std::string::npos) << text;

  // Another customer sees no such order; an admin may fetch it.
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt", customerToken()).status, 404);
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt", kAdminToken).status, 200);
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt", shopkeeper_).status, 403);
  EXPECT_EQ(request("GET", "/api/v1/orders/" + id + "/receipt").status, 401);
}

TEST_F(CommerceTest, APrintedOrderHasAReceiptBeforeItIsPaid) {
  setPrices();
  const std::string id = pricedOrder(10);
  ASSERT_NO_FATAL_FAILURE(endTheJob("printed"));
  const auto reply = request("GET", "/api/v1/orders/" + id + "/receipt", customer_);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const std::string text = pdfText(dir_->path(), reply.body);
  EXPECT_NE(text.find("1.19 EUR due"), std::string::npos) << text;
  EXPECT_NE(text.find("printed"), std::string::npos) << text;
}

TEST_F(CommerceTest, ReceiptsCarryAnyNameSafely) {
  OrderRecord order;
  order.id = "ord_x";
  order.storeId = "st_x";
  order.optionsJson = "{}";
  order.documentName = std::string("evil\x01(name) \\ ) \xff.pdf");
  order.createdAt = 1'800'000'000;
  order.state = OrderState::Printed;
  OrderChargeRecord charge;
  charge.orderId = order.id;
  charge.pages = 1;
  charge.pagesSource = "agent";
  charge.currency = "JPY";
  charge.totalMinor = 1234;
  charge.breakdownJson = "not json";
  StoreRecord store;
  store.name = "Café Zürich – Kopien 😀";
  store.address = std::string(500, 'x');
  const std::string pdf = receiptPdf(store, order, charge, 1'800'000'100);
  ASSERT_EQ(pdf.rfind("%PDF-", 0), 0u);
  const std::string text = pdfText(dir_->path(), pdf);
  EXPECT_NE(text.find("Café Zürich – Kopien ?"), std::string::npos) << text;
  EXPECT_NE(text.find("1234 JPY"), std::string::npos) << text;
  EXPECT_EQ(toWinAnsi("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n\xff", 100),
            std::string("a\xe9\x80? ?"));
  EXPECT_EQ(toWinAnsi("abcdef", 3), std::string("ab\x85"));
}

} // namespace
} // namespace printrelay::cloud::testing
