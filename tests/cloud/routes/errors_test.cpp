// Hostile and malformed requests: every one gets a JSON error with a stable code.
#include "cloud/routes/api_error.h"
#include "tests/cloud/cloud_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace printrelay::cloud::testing {
namespace {

class ErrorsApiTest : public CloudFixture {
protected:
  /// Sends raw bytes on a fresh connection and returns the server's first response.
  std::string rawExchange(const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        break;
      }
      sent += static_cast<std::size_t>(n);
    }
    // Read one response: headers, then Content-Length bytes (or until the server closes).
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string out;
    char buffer[4096];
    for (;;) {
      const auto split = out.find("\r\n\r\n");
      if (split != std::string::npos) {
        const auto at = out.find("Content-Length: ");
        if (at != std::string::npos && at < split &&
            out.size() >= split + 4 + std::stoul(out.substr(at + 16))) {
          break;
        }
      }
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
  }

  static json bodyOf(const std::string& response) {
    const auto split = response.find("\r\n\r\n");
    return split == std::string::npos ? json()
                                      : json::parse(response.substr(split + 4), nullptr, false);
  }
};

TEST_F(ErrorsApiTest, PathTraversalInIdsFindsNothing) {
  const std::string token = customerToken();
  for (const std::string& id : std::vector<std::string>{
           "..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2E%2E%2F%2E%2E%2Fcloud.db", "a%00b",
           "ord_x%2F..%2F..%2Fadmin.token", "..%5c..%5cwindows", std::string(300, 'a')}) {
    const auto order = request("GET", "/api/v1/orders/" + id, token);
    EXPECT_EQ(order.status, 404) << id;
    EXPECT_FALSE(order.errorCode().empty()) << id << " → " << order.body;
    const auto store = request("GET", "/api/v1/stores/" + id);
    EXPECT_EQ(store.status, 404) << id;
    EXPECT_FALSE(store.errorCode().empty()) << id;
    const auto put =
        request("PUT", "/api/v1/orders/" + id + "/document", token, "data", "text/plain");
    EXPECT_EQ(put.status, 404) << id;
  }
  EXPECT_TRUE(documentFiles().empty());
}

TEST_F(ErrorsApiTest, HugeHeadersAreRefusedWithJson) {
  auto client = newClient();
  auto result = client->Get("/api/v1/health", {{"X-Padding", std::string(20000, 'a')}});
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 431); // RFC 6585: Request Header Fields Too Large
  const json body = json::parse(result->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << result->body;
  EXPECT_EQ(body["error"]["code"], "headers_too_large");

  auto bigToken =
      newClient()->Get("/api/v1/orders", {{"Authorization", "Bearer " + std::string(4000, 'x')}});
  ASSERT_TRUE(bigToken);
  EXPECT_EQ(bigToken->status, 401);
}

TEST_F(ErrorsApiTest, HugeUriIsRefusedWithJson) {
  const std::string response =
      rawExchange("GET /api/v1/stores/" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 414", 0), 0u) << response.substr(0, 200);
  EXPECT_EQ(bodyOf(response)["error"]["code"], "uri_too_long");
}

TEST_F(ErrorsApiTest, GarbageRequestLineIsRefusedWithJson) {
  const std::string response = rawExchange("HELLO\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response.substr(0, 200);
  EXPECT_EQ(bodyOf(response)["error"]["code"], "bad_request");
}

TEST_F(ErrorsApiTest, OversizedJsonBodyIs413) {
  const std::string body =
      R"({"name":")" + std::string(100 * 1024, 'n') + R"(","latitude":1,"longitude":2})";
  const auto reply = request("POST", "/api/v1/admin/stores", kAdminToken, body);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.errorCode(), "payload_too_large");
  EXPECT_EQ(request("GET", "/api/v1/health").status, 200);
}

TEST_F(ErrorsApiTest, WrongJsonTypesAreInvalidRequest) {
  const std::string token = customerToken();
  for (const std::string body : {"[]", "42", "\"text\"", "null", R"({"store_id":[1,2]})"}) {
    const auto reply = request("POST", "/api/v1/orders", token, body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.errorCode(), "invalid_request") << body << " → " << reply.body;
  }
}

TEST_F(ErrorsApiTest, InvalidUtf8IsMalformedJson) {
  const auto reply = request("POST", "/api/v1/admin/stores", kAdminToken,
                             "{\"name\":\"\xff\xfe\",\"latitude\":1,\"longitude\":2}");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.errorCode(), "malformed_json");
}

TEST_F(ErrorsApiTest, ErrorsAreJsonWithCodeAndMessage) {
  const auto reply = request("GET", "/api/v1/orders");
  EXPECT_EQ(reply.status, 401);
  const json body = reply.asJson();
  ASSERT_TRUE(body.is_object());
  ASSERT_EQ(body.size(), 1u);
  EXPECT_TRUE(body["error"]["code"].is_string());
  EXPECT_TRUE(body["error"]["message"].is_string());
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
}

// The domain raises plain Errors; the HTTP edge's one table gives each its status, and a code it
// does not know is the server's fault.
TEST(ErrorStatusTest, DomainCodesMapToTheStatusesClientsSee) {
  EXPECT_EQ(statusForErrorCode("invalid_request"), 400);
  EXPECT_EQ(statusForErrorCode("invalid_credentials"), 401);
  EXPECT_EQ(statusForErrorCode("forbidden"), 403);
  EXPECT_EQ(statusForErrorCode("pickup_code_not_found"), 404);
  EXPECT_EQ(statusForErrorCode("illegal_transition"), 409);
  EXPECT_EQ(statusForErrorCode("document_gone"), 410);
  EXPECT_EQ(statusForErrorCode("unsupported_document"), 415);
  EXPECT_EQ(statusForErrorCode("options_not_supported"), 422);
  EXPECT_EQ(statusForErrorCode("pickup_codes_exhausted"), 503);
  EXPECT_EQ(statusForErrorCode("store_corrupt"), 500);
  EXPECT_EQ(statusForErrorCode("no_such_code"), 500);
}

} // namespace
} // namespace printrelay::cloud::testing
