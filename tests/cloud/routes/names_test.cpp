// Names that hide or disguise text (common/util/names.h), through the real routes: every name a
// person types for itself (registration, an account made by the operator, a store, an agent)
// and every printer name is refused with 400 invalid_name naming the character and where it
// is; a document's name (a file name) is neutralised; invalid UTF-8 is refused everywhere.
#include "common/crypto/hpke.h"
#include "common/util/encoding.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/order_body.h"

#include <tuple>

namespace printrelay::cloud::testing {
namespace {

/// Each character the rule names, as UTF-8, with its code for the error message.
const std::vector<std::pair<std::string, std::string>> kHidden = {
    {"\x01", "U+0001"},         {"\x1b", "U+001B"},         {"\x7f", "U+007F"},
    {"\xc2\x85", "U+0085"},     {"\xc2\x9b", "U+009B"},     {"\xe2\x80\xaa", "U+202A"},
    {"\xe2\x80\xab", "U+202B"}, {"\xe2\x80\xac", "U+202C"}, {"\xe2\x80\xad", "U+202D"},
    {"\xe2\x80\xae", "U+202E"}, {"\xe2\x81\xa6", "U+2066"}, {"\xe2\x81\xa7", "U+2067"},
    {"\xe2\x81\xa8", "U+2068"}, {"\xe2\x81\xa9", "U+2069"}, {"\xe2\x80\x8e", "U+200E"},
    {"\xe2\x80\x8f", "U+200F"}, {"\xd8\x9c", "U+061C"},     {"\xe2\x80\x8b", "U+200B"},
    {"\xe2\x80\x8c", "U+200C"}, {"\xe2\x80\x8d", "U+200D"}, {"\xe2\x81\xa0", "U+2060"},
    {"\xef\xbb\xbf", "U+FEFF"},
};

class NamesTest : public CloudFixture {
protected:
  /// Expects 400 invalid_name for the character at character 4 of the name.
  static void expectRefused(const HttpReply& reply, const std::string& code) {
    EXPECT_EQ(reply.status, 400) << code << ": " << reply.describe();
    EXPECT_EQ(reply.errorCode(), "invalid_name") << code << ": " << reply.describe();
    const std::string message = reply.asJson()["error"].value("message", "");
    EXPECT_NE(message.find(code), std::string::npos) << message;
    EXPECT_NE(message.find("at character 4"), std::string::npos) << message;
  }
  static std::string nameWith(const std::string& hidden) { return "Ann" + hidden + "Shop"; }
};

TEST_F(NamesTest, RegistrationRefusesEveryHiddenCharacterInTheName) {
  int n = 0;
  for (const auto& [hidden, code] : kHidden) {
    expectRefused(request("POST", "/api/v1/accounts", "",
                          json{{"email", "reg" + std::to_string(++n) + "@example.com"},
                               {"password", kPassword},
                               {"name", nameWith(hidden)}}
                              .dump()),
                  code);
  }
  // An ordinary name in any script is welcome.
  EXPECT_EQ(request("POST", "/api/v1/accounts", "",
                    json{{"email", "zoe@example.com"},
                         {"password", kPassword},
                         {"name", "Zo\xc3\xab \xe5\x8d\xb0\xe5\x88\xb7 \xd9\x85\xd8\xb7"}}
                        .dump())
                .status,
            202);
}

TEST_F(NamesTest, OperatorMadeAccountsAndStoresAreRefusedToo) {
  for (const auto& [hidden, code] : kHidden) {
    expectRefused(request("POST", "/api/v1/admin/users", kAdminToken,
                          json{{"email", freshEmail()},
                               {"password", kPassword},
                               {"role", "customer"},
                               {"name", nameWith(hidden)}}
                              .dump()),
                  code);
    expectRefused(
        request("POST", "/api/v1/admin/stores", kAdminToken,
                json{{"name", nameWith(hidden)}, {"latitude", 1}, {"longitude", 2}}.dump()),
        code);
  }
  const std::string storeId = createStore();
  expectRefused(request("PATCH", "/api/v1/admin/stores/" + storeId, kAdminToken,
                        json{{"name", nameWith("\xe2\x80\xae")}}.dump()),
                "U+202E");
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId).asJson().value("name", ""), "Copy Corner");
}

TEST_F(NamesTest, AgentAndPrinterNamesAreRefused) {
  const std::string storeId = createStore();
  const auto keys = hpke::KeyPair::generate();
  const auto refusedAgent = request("POST", "/api/v1/agent/enroll", "",
                                    json{{"code", enrollmentCode(storeId)},
                                         {"public_key", base64Encode(keys.publicKey())},
                                         {"agent_name", nameWith("\xe2\x81\xa6")},
                                         {"agent_version", "0.1.0"}}
                                        .dump());
  expectRefused(refusedAgent, "U+2066");
  const EnrolledAgent agent = enrollAgent(storeId);
  for (const auto& [hidden, code] : kHidden) {
    const json printer{{"name", nameWith(hidden)}, {"state", "idle"}};
    expectRefused(request("PUT", "/api/v1/agent/printers", agent.credential,
                          json{{"printers", json::array({printer})}}.dump()),
                  code);
  }
}

TEST_F(NamesTest, DocumentNamesAreNeutralised) {
  const std::string storeId = createStore();
  enrollAgent(storeId);
  const std::string customer = customerToken();
  for (const auto& [hidden, code] : kHidden) {
    const json body = printrelay::testing::newOrderBody(storeId, "invoice" + hidden + "fdp.exe",
                                                        "application/pdf", json::object(), 1);
    const auto reply = request("POST", "/api/v1/orders", customer, body.dump());
    ASSERT_EQ(reply.status, 201) << code << ": " << reply.describe();
    const std::string name = reply.asJson()["document"].value("name", "");
    const bool control = hidden.size() == 1 || hidden == "\xc2\x85" || hidden == "\xc2\x9b";
    // Invisible characters go; controls become a visible U+FFFD.
    EXPECT_EQ(name, control ? "invoice\xef\xbf\xbd"
                              "fdp.exe"
                            : "invoicefdp.exe")
        << code;
    const auto read = request("GET", "/api/v1/orders/" + reply.asJson().value("id", ""), customer);
    EXPECT_EQ(read.asJson()["document"].value("name", ""), name);
  }
}

TEST_F(NamesTest, InvalidUtf8IsRefusedEverywhere) {
  const std::string storeId = createStore();
  const std::string customer = customerToken();
  const std::string badName = "{\"name\":\"Ann\xff\"}";
  for (const auto& [method, path, token, body] :
       std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"POST", "/api/v1/accounts", "",
            R"({"email":"x@example.com","password":"correct horse battery staple","name":"A)"
            "\xc3\x28"
            R"("})"},
           {"POST", "/api/v1/admin/stores", kAdminToken,
            "{\"name\":\"A\xed\xa0\x80\",\"latitude\":1,\"longitude\":2}"},
           {"PATCH", "/api/v1/admin/stores/" + storeId, kAdminToken, badName},
           {"POST", "/api/v1/orders", customer,
            "{\"store_id\":\"" + storeId +
                "\",\"document_name\":\"a\xc0\xaf.pdf\",\"content_type\":\"application/pdf\","
                "\"pages\":1}"}}) {
    const auto reply = request(method, path, token, body);
    EXPECT_EQ(reply.status, 400) << path << ": " << reply.describe();
    EXPECT_FALSE(reply.errorCode().empty()) << path;
  }
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId).asJson().value("name", ""), "Copy Corner");
}

} // namespace
} // namespace printrelay::cloud::testing
