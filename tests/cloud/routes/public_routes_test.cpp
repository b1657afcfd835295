// Routes anyone may call, the admin routes, and who may call what.
#include "common/crypto/hpke.h"
#include "common/util/encoding.h"
#include "tests/cloud/cloud_fixture.h"

namespace printrelay::cloud::testing {
namespace {

class PublicApiTest : public CloudFixture {};

TEST_F(PublicApiTest, HealthAnswersWithVersionAndSchema) {
  const auto reply = request("GET", "/api/v1/health");
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json j = reply.asJson();
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["database"], "sqlite");
  EXPECT_GE(j["schema_version"].get<int>(), 2);
  EXPECT_EQ(reply.headers.find("Content-Type")->second, "application/json");
}

TEST_F(PublicApiTest, UnknownRouteIsJson404AndWrongMethodJson405) {
  const auto reply = request("GET", "/api/v1/no-such-thing");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "route_not_found") << reply.body;
  EXPECT_TRUE(reply.headers.contains("Date"));
  EXPECT_EQ(reply.headers.find("X-Content-Type-Options")->second, "nosniff");
  const auto wrongMethod = request("DELETE", "/api/v1/health");
  EXPECT_EQ(wrongMethod.status, 405);
  EXPECT_EQ(wrongMethod.errorCode(), "method_not_allowed") << wrongMethod.body;
}

TEST_F(PublicApiTest, TheGuestRouteIsGone) {
  // Guests could order without a verified address; accounts replaced them.
  const auto reply = request("POST", "/api/v1/customers/guest", "", "{}");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "route_not_found");
}

TEST_F(PublicApiTest, RefreshTokensAndPasswordsAreStoredOnlyAsHashes) {
  const std::string email = freshEmail();
  createUser(email);
  const json tokens = login(email).asJson();
  const std::string token = tokens.value("refresh_token", "");
  const std::string access = tokens.value("access_token", "");
  ASSERT_FALSE(token.empty());
  server_->stop();
  serverThread_.join();
  server_.reset();
  const std::string db = printrelay::testing::readFile(settings_.dataDir / "cloud.db") +
                         (std::filesystem::exists(settings_.dataDir / "cloud.db-wal")
                              ? printrelay::testing::readFile(settings_.dataDir / "cloud.db-wal")
                              : std::string());
  EXPECT_EQ(db.find(token), std::string::npos);
  EXPECT_NE(db.find(sha256Hex(token)), std::string::npos);
  EXPECT_EQ(db.find(access), std::string::npos);
  EXPECT_EQ(db.find(kPassword), std::string::npos);
  EXPECT_NE(db.find("$argon2id$"), std::string::npos);
  startServer();
}

TEST_F(PublicApiTest, AdminCreatesStoreThatEveryoneCanList) {
  const std::string id = createStore("Copy Corner", 52.52, 13.405);
  ASSERT_FALSE(id.empty());
  const auto list = request("GET", "/api/v1/stores");
  ASSERT_EQ(list.status, 200);
  const json stores = list.asJson()["stores"];
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_EQ(stores[0]["id"], id);
  EXPECT_EQ(stores[0]["name"], "Copy Corner");
  EXPECT_EQ(stores[0]["online"], false);
  EXPECT_EQ(stores[0]["accepting_orders"], false);
  const auto one = request("GET", "/api/v1/stores/" + id);
  ASSERT_EQ(one.status, 200);
  EXPECT_TRUE(one.asJson()["public_key"].is_null());
  EXPECT_TRUE(one.asJson()["key_id"].is_null());
}

TEST_F(PublicApiTest, StoresSortByDistanceWhenAskedNear) {
  const std::string berlin = createStore("Berlin", 52.52, 13.405);
  const std::string paris = createStore("Paris", 48.8566, 2.3522);
  const std::string potsdam = createStore("Potsdam", 52.39, 13.06);
  const auto reply = request("GET", "/api/v1/stores?lat=48.85&lon=2.35");
  ASSERT_EQ(reply.status, 200) << reply.describe();
  const json stores = reply.asJson()["stores"];
  ASSERT_EQ(stores.size(), 3u);
  EXPECT_EQ(stores[0]["id"], paris);
  EXPECT_EQ(stores[1]["id"], potsdam);
  EXPECT_EQ(stores[2]["id"], berlin);
  EXPECT_LT(stores[0]["distance_km"].get<double>(), 2.0);
  EXPECT_EQ(request("GET", "/api/v1/stores?lat=100&lon=2").errorCode(), "invalid_request");
  EXPECT_EQ(request("GET", "/api/v1/stores?lat=north&lon=2").errorCode(), "invalid_request");
  EXPECT_EQ(request("GET", "/api/v1/stores?lat=1").errorCode(), "invalid_request");
}

TEST_F(PublicApiTest, SqlMetacharactersAreStoredVerbatim) {
  const std::string name = "Robert'); DROP TABLE stores;-- \"quoted\" 100% _x_ \\ ü";
  const std::string id = createStore(name);
  const auto reply = request("GET", "/api/v1/stores/" + id);
  ASSERT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.asJson()["name"], name);
  EXPECT_EQ(request("GET", "/api/v1/stores").asJson()["stores"].size(), 1u);
}

TEST_F(PublicApiTest, CreateStoreChecksItsInput) {
  const auto post = [&](const std::string& body) {
    return request("POST", "/api/v1/admin/stores", kAdminToken, body);
  };
  EXPECT_EQ(post(R"({"address":"a","latitude":1,"longitude":2})").errorCode(), "invalid_request");
  EXPECT_EQ(post(R"({"name":"","latitude":1,"longitude":2})").errorCode(), "invalid_request");
  EXPECT_EQ(post(R"({"name":"n","latitude":"north","longitude":2})").errorCode(),
            "invalid_request");
  EXPECT_EQ(post(R"({"name":"n","latitude":91,"longitude":2})").errorCode(), "invalid_request");
  EXPECT_EQ(post(R"({"name":"n","latitude":1,"longitude":2,"lat":3})").errorCode(),
            "invalid_request");
  EXPECT_EQ(post(R"({"name":42,"latitude":1,"longitude":2})").errorCode(), "invalid_request");
  EXPECT_EQ(post(R"({"name":"n","latitude":1,)").errorCode(), "malformed_json");
  EXPECT_EQ(post(R"(["name"])").errorCode(), "invalid_request");
  EXPECT_EQ(post(R"({"name":"a\u0000b","latitude":1,"longitude":2})").errorCode(), "invalid_name");
  EXPECT_EQ(request("GET", "/api/v1/stores").asJson()["stores"].size(), 0u);
}

TEST_F(PublicApiTest, AdminRoutesNeedTheAdminToken) {
  const std::string body = R"({"name":"n","latitude":1,"longitude":2})";
  const auto none = request("POST", "/api/v1/admin/stores", "", body);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.errorCode(), "unauthorized");
  const auto wrong = request("POST", "/api/v1/admin/stores", "not-the-token", body);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.errorCode(), "invalid_credentials");
  const auto customer = request("POST", "/api/v1/admin/stores", customerToken(), body);
  EXPECT_EQ(customer.status, 403);
  EXPECT_EQ(customer.errorCode(), "forbidden");
  const auto code = request("POST", "/api/v1/shop/stores/" + createStore() + "/enrollment-codes",
                            customerToken());
  EXPECT_EQ(code.status, 403);
  EXPECT_EQ(request("GET", "/api/v1/stores").asJson()["stores"].size(), 1u);
}

TEST_F(PublicApiTest, MalformedAuthorizationHeaderIsRefused) {
  auto client = newClient();
  auto result = client->Get("/api/v1/orders", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  result = client->Get("/api/v1/orders", {{"Authorization", "Bearer "}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
}

TEST_F(PublicApiTest, EnrollmentSetsTheStoreKeyAndReturnsACredentialOnce) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  EXPECT_EQ(agent.agentId.rfind("ag_", 0), 0u);
  EXPECT_EQ(agent.keyId.size(), 32u);
  EXPECT_GE(agent.credential.size(), 40u);
  const auto reply = request("GET", "/api/v1/stores/" + storeId);
  ASSERT_EQ(reply.status, 200);
  const json store = reply.asJson();
  EXPECT_EQ(store["public_key"], base64Encode(agent.keys->publicKey()));
  EXPECT_EQ(store["key_id"], agent.keyId);
  EXPECT_EQ(store["online"], true); // enrolling counts as contact
  EXPECT_EQ(store["accepting_orders"], true);
  EXPECT_EQ(store.dump().find(agent.credential), std::string::npos);
  // The credential works on agent routes.
  EXPECT_EQ(request("GET", "/api/v1/agent/jobs?wait=0", agent.credential).status, 200);
}

TEST_F(PublicApiTest, StoreGoesOfflineWhenTheAgentIsSilent) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  clock_.advance(91);
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId).asJson()["online"], false);
  ASSERT_EQ(request("GET", "/api/v1/agent/jobs?wait=0", agent.credential).status, 200);
  EXPECT_EQ(request("GET", "/api/v1/stores/" + storeId).asJson()["online"], true);
}

TEST_F(PublicApiTest, EnrollmentCodesAreSingleUseAndExpire) {
  const std::string storeId = createStore();
  const auto enroll = [&](const std::string& code) {
    const auto keys = hpke::KeyPair::generate();
    return request("POST", "/api/v1/agent/enroll", "",
                   json{{"code", code}, {"public_key", base64Encode(keys.publicKey())}}.dump());
  };
  const auto unknown = enroll("not-a-code");
  EXPECT_EQ(unknown.status, 403);
  EXPECT_EQ(unknown.errorCode(), "enrollment_code_invalid");

  const std::string code = enrollmentCode(storeId);
  EXPECT_EQ(enroll(code).status, 201);
  const auto again = enroll(code);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.errorCode(), "enrollment_code_used");

  const std::string late = enrollmentCode(storeId);
  clock_.advance(settings_.enrollmentCodeTtlSeconds);
  const auto expired = enroll(late);
  EXPECT_EQ(expired.status, 410);
  EXPECT_EQ(expired.errorCode(), "enrollment_code_expired");
}

TEST_F(PublicApiTest, EnrollmentChecksItsInput) {
  const std::string storeId = createStore();
  const std::string code = enrollmentCode(storeId);
  const auto post = [&](const std::string& body) {
    return request("POST", "/api/v1/agent/enroll", "", body);
  };
  EXPECT_EQ(post(json{{"code", code}, {"public_key", "not base64!"}}.dump()).errorCode(),
            "invalid_public_key");
  EXPECT_EQ(
      post(json{{"code", code}, {"public_key", base64Encode(asBytes("short"))}}.dump()).errorCode(),
      "invalid_public_key");
  EXPECT_EQ(post(json{{"code", 12345}, {"public_key", "AAAA"}}.dump()).errorCode(),
            "invalid_request");
  EXPECT_EQ(post(R"({"code":)").errorCode(), "malformed_json");
  EXPECT_EQ(post("{}").errorCode(), "invalid_request");
  // None of that used the code up.
  const auto keys = hpke::KeyPair::generate();
  EXPECT_EQ(
      post(json{{"code", code}, {"public_key", base64Encode(keys.publicKey())}}.dump()).status,
      201);
}

TEST_F(PublicApiTest, EnrollmentCodeForUnknownStoreIs404) {
  const auto reply =
      request("POST", "/api/v1/shop/stores/st_nope/enrollment-codes", kAdminToken, "{}");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.errorCode(), "store_not_found");
}

TEST_F(PublicApiTest, RevokedAgentIsLockedOutAndItsKeyWithdrawn) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const auto revoke =
      request("POST", "/api/v1/admin/agents/" + agent.agentId + "/revoke", kAdminToken);
  ASSERT_EQ(revoke.status, 200) << revoke.describe();
  EXPECT_EQ(revoke.asJson()["revoked_at"], clock_.now());
  const auto poll = request("GET", "/api/v1/agent/jobs?wait=0", agent.credential);
  EXPECT_EQ(poll.status, 401);
  EXPECT_EQ(poll.errorCode(), "credential_revoked");
  const json store = request("GET", "/api/v1/stores/" + storeId).asJson();
  EXPECT_TRUE(store["public_key"].is_null());
  EXPECT_EQ(store["online"], false);
  // Revoking twice keeps the first time.
  clock_.advance(10);
  const auto again =
      request("POST", "/api/v1/admin/agents/" + agent.agentId + "/revoke", kAdminToken);
  EXPECT_EQ(again.asJson()["revoked_at"], revoke.asJson()["revoked_at"]);
  // Unknown agents, and callers other than the admin.
  EXPECT_EQ(request("POST", "/api/v1/admin/agents/ag_nope/revoke", kAdminToken).errorCode(),
            "agent_not_found");
  const EnrolledAgent other = enrollAgent(storeId);
  EXPECT_EQ(
      request("POST", "/api/v1/admin/agents/" + other.agentId + "/revoke", other.credential).status,
      403);
}

TEST_F(PublicApiTest, CredentialsNeverCrossBetweenAgentAndUserRoutes) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string customer = customerToken();

  const auto agentOnCustomer = request("GET", "/api/v1/orders", agent.credential);
  EXPECT_EQ(agentOnCustomer.status, 403);
  EXPECT_EQ(agentOnCustomer.errorCode(), "forbidden");
  const auto agentCreatesOrder = request(
      "POST", "/api/v1/orders", agent.credential,
      json{{"store_id", storeId}, {"document_name", "x"}, {"content_type", "text/plain"}}.dump());
  EXPECT_EQ(agentCreatesOrder.status, 403);
  const auto agentOnAdmin = request("POST", "/api/v1/admin/stores", agent.credential,
                                    R"({"name":"n","latitude":1,"longitude":2})");
  EXPECT_EQ(agentOnAdmin.status, 403);

  const auto customerOnAgent = request("GET", "/api/v1/agent/jobs?wait=0", customer);
  EXPECT_EQ(customerOnAgent.status, 403);
  EXPECT_EQ(customerOnAgent.errorCode(), "forbidden");
  const auto customerPostsEvent = request("POST", "/api/v1/agent/jobs/job_x/events", customer,
                                          R"({"seq":1,"lease_id":"l","state":"printing"})");
  EXPECT_EQ(customerPostsEvent.status, 403);
  const auto adminOnAgent = request("GET", "/api/v1/agent/jobs?wait=0", kAdminToken);
  EXPECT_EQ(adminOnAgent.status, 403);
  const auto anonymousOnAgent = request("GET", "/api/v1/agent/jobs?wait=0");
  EXPECT_EQ(anonymousOnAgent.status, 401);
  const auto unknownCredential =
      request("GET", "/api/v1/agent/jobs?wait=0", agent.credential + "x");
  EXPECT_EQ(unknownCredential.status, 401);
  EXPECT_EQ(unknownCredential.errorCode(), "invalid_credentials");
}

} // namespace
} // namespace printrelay::cloud::testing
