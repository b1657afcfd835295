// Customers' orders and document uploads: sealed and plaintext, and everything that must be
// refused without leaving anything half-stored.
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/file_scan.h"

namespace printrelay::cloud::testing {
namespace {

class OrdersApiTest : public StoreFixture {
protected:
  json getOrder(const std::string& orderId, const std::string& token) {
    const auto reply = request("GET", "/api/v1/orders/" + orderId, token);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return reply.asJson();
  }

  /// The order is untouched by a failed upload: still awaiting_upload, no document, no file.
  void expectNothingStored(const std::string& orderId) {
    const json order = getOrder(orderId, customer_);
    EXPECT_EQ(order["state"], "awaiting_upload");
    EXPECT_TRUE(order["document"]["size"].is_null());
    EXPECT_EQ(order["history"].size(), 1u);
    EXPECT_TRUE(documentFiles().empty()) << documentFiles().front();
    EXPECT_TRUE(pollNow(agent_).empty());
  }
};

TEST_F(OrdersApiTest, CreateOrderStartsAwaitingUpload) {
  const auto reply = request("POST", "/api/v1/orders", customer_,
                             json{{"store_id", storeId_},
                                  {"document_name", "report.pdf"},
                                  {"content_type", "application/pdf"},
                                  {"options", {{"copies", 2}, {"print-color-mode", "color"}}}}
                                 .dump());
  ASSERT_EQ(reply.status, 201) << reply.describe();
  const json order = reply.asJson();
  EXPECT_EQ(order["state"], "awaiting_upload");
  EXPECT_EQ(order["store_id"], storeId_);
  EXPECT_EQ(order["options"], json({{"copies", 2},
                                    {"media", "iso_a4_210x297mm"},
                                    {"sides", "one-sided"},
                                    {"print-color-mode", "color"},
                                    {"number-up", 1},
                                    {"fit-to-page", false}}));
  EXPECT_EQ(order["document"]["name"], "report.pdf");
  EXPECT_EQ(order["history"].size(), 1u);
  EXPECT_EQ(order["history"][0]["state"], "awaiting_upload");
  EXPECT_EQ(order["history"][0]["at"], clock_.now());
}

TEST_F(OrdersApiTest, CreateOrderChecksItsInput) {
  const auto post = [&](const json& body) {
    return request("POST", "/api/v1/orders", customer_, body.dump());
  };
  const json good{
      {"store_id", storeId_}, {"document_name", "a.pdf"}, {"content_type", "application/pdf"}};
  auto with = [&](const std::string& key, const json& value) {
    json j = good;
    j[key] = value;
    return j;
  };
  const auto unknownStore = post(with("store_id", "st_doesnotexist"));
  EXPECT_EQ(unknownStore.status, 404);
  EXPECT_EQ(unknownStore.errorCode(), "store_not_found");
  EXPECT_EQ(post(with("store_id", "../../etc/passwd")).errorCode(), "store_not_found");
  EXPECT_EQ(post(with("store_id", 17)).errorCode(), "invalid_request");
  EXPECT_EQ(post(with("document_name", json::array())).errorCode(), "invalid_request");
  EXPECT_EQ(post(with("content_type", "application/x-msdownload")).errorCode(),
            "unsupported_media_type");
  EXPECT_EQ(post(with("options", {{"copies", 0}})).errorCode(), "invalid_request");
  EXPECT_EQ(post(with("options", {{"copies", "2"}})).errorCode(), "invalid_request");
  EXPECT_EQ(post(with("options", {{"sides", "three-sided"}})).errorCode(), "invalid_request");
  EXPECT_EQ(post(with("options", {{"staple", true}})).errorCode(), "unsupported_option");
  EXPECT_EQ(post(with("options", "copies=2")).errorCode(), "invalid_request");
  EXPECT_EQ(post(with("surprise", 1)).errorCode(), "invalid_request");
  EXPECT_EQ(request("POST", "/api/v1/orders", customer_, "{\"store_id\":").errorCode(),
            "malformed_json");
  EXPECT_EQ(request("GET", "/api/v1/orders", customer_).asJson()["orders"].size(), 0u);
}

TEST_F(OrdersApiTest, StoreWithoutAnAgentTakesNoOrders) {
  const std::string bare = createStore("No agent yet");
  const auto reply = request(
      "POST", "/api/v1/orders", customer_,
      json{{"store_id", bare}, {"document_name", "a"}, {"content_type", "text/plain"}}.dump());
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.errorCode(), "store_not_ready");
}

TEST_F(OrdersApiTest, SealedUploadIsStoredAsIsAndQueued) {
  const std::string orderId = createOrder(customer_, storeId_);
  const std::string sealed = seal(agent_, orderId, "%PDF-1.4 sealed in the browser");
  const auto reply = upload(customer_, orderId, sealed, std::string(envelope::kMediaType));
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json order = reply.asJson();
  EXPECT_EQ(order["state"], "queued");
  EXPECT_EQ(order["document"]["size"], sealed.size());
  EXPECT_EQ(order["document"]["key_id"], agent_.keyId);
  EXPECT_EQ(order["document"]["content_type"], "application/pdf");
  const auto files = documentFiles();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(printrelay::testing::readFile(files[0]), sealed);
  EXPECT_EQ((std::filesystem::status(files[0]).permissions() & std::filesystem::perms::all),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(OrdersApiTest, PlaintextUploadIsSealedOnArrivalAndNeverStoredInTheClear) {
  const std::string marker = "PLAINTEXT-MARKER-7f3a9c-do-not-store";
  std::string document;
  for (int i = 0; i < 3000; ++i) {
    document += marker + " line " + std::to_string(i) + "\n"; // ~150 KiB, several chunks
  }
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  const auto reply = upload(customer_, orderId, document, "text/plain; charset=utf-8");
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["state"], "queued");
  EXPECT_EQ(reply.asJson()["document"]["content_type"], "text/plain");

  const auto findings = printrelay::testing::findFilesContaining(
      {settings_.dataDir}, printrelay::testing::markerForms(marker));
  EXPECT_TRUE(findings.empty()) << printrelay::testing::describe(findings);

  // Only the shop's agent can read it, bound to this order.
  const json offer = pollNow(agent_)[0];
  const auto fetched = request("GET",
                               "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() +
                                   "/document?lease_id=" + offer["lease_id"].get<std::string>(),
                               agent_.credential);
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(open(agent_, orderId, fetched.body), document);
  EXPECT_THROW(open(agent_, "ord_someotherorder", fetched.body), Error);
}

TEST_F(OrdersApiTest, UnsupportedContentTypeIs415) {
  const std::string orderId = createOrder(customer_, storeId_);
  for (const std::string type : {"application/x-msdownload", "text/html", "image/gif"}) {
    const auto reply = upload(customer_, orderId, "MZ\x90\x00 not a document", type);
    EXPECT_EQ(reply.status, 415) << type;
    EXPECT_EQ(reply.errorCode(), "unsupported_media_type") << type;
  }
  expectNothingStored(orderId);
}

TEST_F(OrdersApiTest, MalformedEnvelopeIsRefused) {
  const std::string orderId = createOrder(customer_, storeId_);
  const auto reply =
      upload(customer_, orderId, std::string(2000, 'x'), std::string(envelope::kMediaType));
  EXPECT_EQ(reply.status, 400) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "envelope_malformed");
  expectNothingStored(orderId);
}

TEST_F(OrdersApiTest, TruncatedEnvelopeIsRefused) {
  const std::string orderId = createOrder(customer_, storeId_);
  const std::string sealed = seal(agent_, orderId, std::string(5000, 'a'), 1024);
  const auto reply = upload(customer_, orderId, sealed.substr(0, sealed.size() - 100),
                            std::string(envelope::kMediaType));
  EXPECT_EQ(reply.status, 400) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "envelope_truncated");
  expectNothingStored(orderId);

  const auto trailing =
      upload(customer_, orderId, sealed + "extra", std::string(envelope::kMediaType));
  EXPECT_EQ(trailing.status, 400) << trailing.describe();
  EXPECT_EQ(trailing.errorCode(), "envelope_trailing_data");
  expectNothingStored(orderId);

  const auto headerOnly =
      upload(customer_, orderId, sealed.substr(0, 20), std::string(envelope::kMediaType));
  EXPECT_EQ(headerOnly.status, 400) << headerOnly.describe();
  expectNothingStored(orderId);
}

TEST_F(OrdersApiTest, EnvelopeForAnotherKeyIsRefused) {
  const std::string orderId = createOrder(customer_, storeId_);
  const EnrolledAgent elsewhere = enrollAgent(createStore("Elsewhere"));
  const auto reply = upload(customer_, orderId, seal(elsewhere, orderId, "wrong shop"),
                            std::string(envelope::kMediaType));
  EXPECT_EQ(reply.status, 422) << reply.describe();
  EXPECT_EQ(reply.errorCode(), "envelope_wrong_key");
  expectNothingStored(orderId);
}

TEST_F(OrdersApiTest, OversizedUploadIs413) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  const std::string big(settings_.maxUploadBytes + 1, 'b');
  const auto declared = upload(customer_, orderId, big, "text/plain");
  EXPECT_EQ(declared.status, 413) << declared.describe();
  EXPECT_EQ(declared.errorCode(), "payload_too_large");
  expectNothingStored(orderId);

  // Without a Content-Length (chunked), the limit applies while streaming.
  const auto result = uploadChunked(orderId, big, 16 * 1024, "text/plain");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 413) << result->body;
  expectNothingStored(orderId);

  // The limit is the limit: exactly max bytes is fine.
  const auto exact =
      upload(customer_, orderId, std::string(settings_.maxUploadBytes, 'c'), "text/plain");
  EXPECT_EQ(exact.status, 200) << exact.describe();
}

TEST_F(OrdersApiTest, EmptyUploadIsRefused) {
  const std::string orderId = createOrder(customer_, storeId_, "text/plain");
  const auto reply = upload(customer_, orderId, "", "text/plain");
  EXPECT_EQ(reply.status, 400) << reply.describe();
  expectNothingStored(orderId);
}

TEST_F(OrdersApiTest, OnlyTheOwnerSeesOrUploadsAnOrder) {
  const std::string orderId = createOrder(customer_, storeId_);
  const std::string stranger = customerToken();
  const auto look = request("GET", "/api/v1/orders/" + orderId, stranger);
  EXPECT_EQ(look.status, 404);
  EXPECT_EQ(look.errorCode(), "order_not_found");
  const auto put =
      upload(stranger, orderId, seal(agent_, orderId, "x"), std::string(envelope::kMediaType));
  EXPECT_EQ(put.status, 404);
  EXPECT_EQ(put.errorCode(), "order_not_found");
  expectNothingStored(orderId);
  EXPECT_EQ(request("GET", "/api/v1/orders", stranger).asJson()["orders"].size(), 0u);
  EXPECT_EQ(request("GET", "/api/v1/orders", customer_).asJson()["orders"].size(), 1u);
  EXPECT_EQ(request("GET", "/api/v1/orders/ord_unknown", customer_).errorCode(), "order_not_found");
  EXPECT_EQ(upload(customer_, "ord_unknown", "x", "text/plain").errorCode(), "order_not_found");
}

TEST_F(OrdersApiTest, SecondUploadIsRefused) {
  const std::string orderId = createOrder(customer_, storeId_);
  ASSERT_EQ(
      upload(customer_, orderId, seal(agent_, orderId, "first"), std::string(envelope::kMediaType))
          .status,
      200);
  const auto again = upload(customer_, orderId, seal(agent_, orderId, "second"),
                            std::string(envelope::kMediaType));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.errorCode(), "document_already_uploaded");
  EXPECT_EQ(documentFiles().size(), 1u);
}

TEST_F(OrdersApiTest, ListShowsTheCustomersOrdersNewestFirst) {
  const std::string first = createOrder(customer_, storeId_);
  clock_.advance(1);
  const std::string second = createOrder(customer_, storeId_);
  const json orders = request("GET", "/api/v1/orders", customer_).asJson()["orders"];
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0]["id"], second);
  EXPECT_EQ(orders[1]["id"], first);
  EXPECT_FALSE(orders[0].contains("history"));
}

TEST_F(OrdersApiTest, ConnectionStaysUsableAfterARefusedUpload) {
  // The refused body must not be read as the next request on a kept-alive connection.
  const std::string orderId = createOrder(customer_, storeId_);
  const std::string smuggled = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto refused = upload(customer_, orderId, smuggled + std::string(3000, ' '), "text/html");
  EXPECT_EQ(refused.status, 415);
  const auto next = request("GET", "/api/v1/orders/" + orderId, customer_);
  EXPECT_EQ(next.status, 200) << next.describe();
  EXPECT_EQ(next.asJson()["id"], orderId);
}

} // namespace
} // namespace printrelay::cloud::testing
