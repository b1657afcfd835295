// The attack battery: every way a token, a session or a request could be abused,
// each its own test, against the real server.
#include "cloud/accounts/token_service.h"
#include "cloud/routes/route_table.h"
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/util/text.h"
#include "tests/cloud/cloud_fixture.h"

#include <SQLiteCpp/Database.h>
#include <map>
#include <regex>

namespace printrelay::cloud::testing {
namespace {

class AuthAttackTest : public CloudFixture {
protected:
  void SetUp() override {
    CloudFixture::SetUp();
    me_ = signedInCustomer();
    ASSERT_FALSE(me_.accessToken.empty());
  }

  /// The server's current signing key, read from its key ring file as an insider would.
  std::pair<std::string, Bytes> signingKey() const {
    const json ring =
        json::parse(printrelay::testing::readFile(settings_.dataDir / "token-keys.json"));
    const json& newest = ring["keys"].back();
    return {newest["kid"].get<std::string>(),
            *base64UrlDecode(newest["secret"].get<std::string>())};
  }

  static json part(const std::string& token, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) {
      start = token.find('.', start) + 1;
    }
    const auto end = token.find('.', start);
    const auto bytes = base64UrlDecode(token.substr(start, end - start));
    return json::parse(bytes->begin(), bytes->end());
  }
  json header() const { return part(me_.accessToken, 0); }
  json claims() const { return part(me_.accessToken, 1); }
  /// The token's header with `field` set to `value`, or without it when `value` is null.
  json headerWith(const std::string& field, const json& value) const {
    json h = header();
    if (value.is_null()) {
      h.erase(field);
    } else {
      h[field] = value;
    }
    return h;
  }

  /// A token with the given header and claims, HS256-signed with `key`.
  static std::string forge(const json& header, const json& claims, const Bytes& key) {
    const std::string input =
        base64UrlEncode(asBytes(header.dump())) + "." + base64UrlEncode(asBytes(claims.dump()));
    return input + "." + hs256Signature(key, input);
  }
  std::string forgeWithServerKey(const json& header, const json& claims) const {
    return forge(header, claims, signingKey().second);
  }

  int meStatus(const std::string& token) { return request("GET", "/api/v1/me", token).status; }

  HttpReply refresh(const std::string& refreshToken) {
    return request("POST", "/api/v1/auth/refresh", "",
                   json{{"refresh_token", refreshToken}}.dump());
  }

  SignedInUser me_;
};

TEST_F(AuthAttackTest, ForgingWithTheServerKeyWorksSoTheChecksBelowAreMeaningful) {
  EXPECT_EQ(meStatus(me_.accessToken), 200);
  EXPECT_EQ(meStatus(forgeWithServerKey(header(), claims())), 200);
}

TEST_F(AuthAttackTest, AlgNoneInAnyCapitalisationIsRefused) {
  for (const char* alg : {"none", "None", "NONE", "nOnE", "NoNe"}) {
    json h = header();
    h["alg"] = alg;
    const std::string input =
        base64UrlEncode(asBytes(h.dump())) + "." + base64UrlEncode(asBytes(claims().dump()));
    for (const std::string& token :
         {input + ".", input,
          input + "." + me_.accessToken.substr(me_.accessToken.rfind('.') + 1)}) {
      const auto reply = request("GET", "/api/v1/me", token);
      EXPECT_EQ(reply.status, 401) << alg << ": " << reply.describe();
    }
  }
}

TEST_F(AuthAttackTest, TokenSignedWithAnotherAlgorithmOrKeyIsRefused) {
  for (const char* alg : {"HS384", "HS512", "RS256", "ES256", "EdDSA", "hs256"}) {
    json h = header();
    h["alg"] = alg;
    EXPECT_EQ(meStatus(forgeWithServerKey(h, claims())), 401) << alg;
  }
  EXPECT_EQ(meStatus(forge(header(), claims(), randomBytes(32))), 401) << "another key";
  EXPECT_EQ(meStatus(forge(header(), claims(), Bytes{})), 401) << "an empty key";
}

TEST_F(AuthAttackTest, TamperedPayloadIsRefused) {
  const std::string signature = me_.accessToken.substr(me_.accessToken.rfind('.'));
  const std::string headerPart = me_.accessToken.substr(0, me_.accessToken.find('.'));
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, json>>{{"role", "admin"},
                                                 {"sub", "usr_someone_else"},
                                                 {"exp", claims()["exp"].get<int>() + 9999}}) {
    json c = claims();
    c[field] = value;
    const std::string tampered = headerPart + "." + base64UrlEncode(asBytes(c.dump())) + signature;
    EXPECT_EQ(meStatus(tampered), 401) << field;
  }
  // One flipped character of the signature is enough too.
  std::string flipped = me_.accessToken;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(meStatus(flipped), 401);
}

TEST_F(AuthAttackTest, ExpiredTokenIsRefused) {
  clock_.advance(settings_.accessTokenTtlSeconds - 1);
  EXPECT_EQ(meStatus(me_.accessToken), 200);
  clock_.advance(1);
  const auto reply = request("GET", "/api/v1/me", me_.accessToken);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.errorCode(), "token_expired");
  // The refresh token still gets a new one.
  const auto renewed = refresh(me_.refreshToken);
  ASSERT_EQ(renewed.status, 200) << renewed.describe();
  EXPECT_EQ(meStatus(renewed.asJson().value("access_token", "")), 200);
}

TEST_F(AuthAttackTest, TokenNotValidYetIsRefused) {
  json c = claims();
  c["nbf"] = clock_.now() + 3600;
  EXPECT_EQ(meStatus(forgeWithServerKey(header(), c)), 401);
  c = claims();
  c["iat"] = clock_.now() + 3600;
  EXPECT_EQ(meStatus(forgeWithServerKey(header(), c)), 401);
}

TEST_F(AuthAttackTest, WrongAudienceIssuerOrTypeIsRefused) {
  json c = claims();
  c["aud"] = "some-other-api";
  EXPECT_EQ(meStatus(forgeWithServerKey(header(), c)), 401) << "aud";
  c["aud"] = json::array({"some-other-api"});
  EXPECT_EQ(meStatus(forgeWithServerKey(header(), c)), 401) << "aud list";
  c = claims();
  c.erase("aud");
  EXPECT_EQ(meStatus(forgeWithServerKey(header(), c)), 401) << "no aud";
  c = claims();
  c["iss"] = "https://evil.example";
  EXPECT_EQ(meStatus(forgeWithServerKey(header(), c)), 401) << "iss";
  for (const json& typ : {json("JWT"), json("refresh+jwt"), json(nullptr)}) {
    EXPECT_EQ(meStatus(forgeWithServerKey(headerWith("typ", typ), claims())), 401) << "typ " << typ;
  }
  for (const char* missing : {"jti", "sub", "exp", "nbf", "iat", "sid"}) {
    c = claims();
    c.erase(missing);
    EXPECT_EQ(meStatus(forgeWithServerKey(header(), c)), 401) << "without " << missing;
  }
}

TEST_F(AuthAttackTest, UnknownKidIsRefused) {
  for (const json& kid : {json("k-unknown"), json(""), json(17), json(nullptr)}) {
    EXPECT_EQ(meStatus(forgeWithServerKey(headerWith("kid", kid), claims())), 401) << "kid " << kid;
  }
}

TEST_F(AuthAttackTest, KeyLocatingHeadersAreIgnored) {
  // An attacker's own key, offered inline (jwk) or by URL (jku, x5u): never used.
  const Bytes attackerKey = randomBytes(32);
  json h = header();
  h["jwk"] = {{"kty", "oct"}, {"k", base64UrlEncode(attackerKey)}};
  h["jku"] = "https://evil.example/jwks.json";
  h["x5u"] = "https://evil.example/cert.pem";
  h["x5c"] = json::array({"MIIB"});
  EXPECT_EQ(meStatus(forge(h, claims(), attackerKey)), 401);
  h["kid"] = "attacker";
  EXPECT_EQ(meStatus(forge(h, claims(), attackerKey)), 401);
  // The same headers on a token the server signed change nothing: they are simply not read.
  h["kid"] = header()["kid"];
  EXPECT_EQ(meStatus(forgeWithServerKey(h, claims())), 200);
}

TEST_F(AuthAttackTest, CriticalHeaderExtensionsAreRefused) {
  json h = header();
  h["crit"] = json::array({"exp"});
  EXPECT_EQ(meStatus(forgeWithServerKey(h, claims())), 401);
}

TEST_F(AuthAttackTest, ReplayedRefreshTokenRevokesTheWholeFamily) {
  const auto first = refresh(me_.refreshToken);
  ASSERT_EQ(first.status, 200) << first.describe();
  const std::string second = first.asJson().value("refresh_token", "");
  const std::string accessOfSecond = first.asJson().value("access_token", "");
  EXPECT_NE(second, me_.refreshToken);
  EXPECT_EQ(meStatus(accessOfSecond), 200);

  const auto replay = refresh(me_.refreshToken); // the thief (or a confused client) comes back
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(replay.errorCode(), "refresh_token_reused");
  const auto next = refresh(second); // the family is dead: the legitimate holder too
  EXPECT_EQ(next.status, 401) << next.describe();
  EXPECT_EQ(meStatus(accessOfSecond), 401);
  EXPECT_EQ(meStatus(me_.accessToken), 401);
  // Another session of the same user is not affected.
  EXPECT_EQ(meStatus(accessToken(me_.email)), 200);
}

TEST_F(AuthAttackTest, LoggedOutAccessTokenIsRefused) {
  const std::string other = accessToken(me_.email); // a second session stays
  const auto out = request("POST", "/api/v1/auth/logout", me_.accessToken, "{}");
  ASSERT_EQ(out.status, 200) << out.describe();
  const auto reply = request("GET", "/api/v1/me", me_.accessToken);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.errorCode(), "token_revoked");
  EXPECT_EQ(refresh(me_.refreshToken).status, 401);
  EXPECT_EQ(meStatus(other), 200);
  // The denylist keeps the jti until the token would have expired anyway.
  auto tx = server_->store().begin();
  EXPECT_TRUE(tx->isAccessTokenDenied(claims()["jti"].get<std::string>()));
}

TEST_F(AuthAttackTest, DeactivatedUserIsRefused) {
  const auto off = request(
      "POST", "/api/v1/admin/users/" + me_.user.value("id", "") + "/deactivate", kAdminToken, "{}");
  ASSERT_EQ(off.status, 200) << off.describe();
  const auto reply = request("GET", "/api/v1/me", me_.accessToken);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(refresh(me_.refreshToken).status, 401);
  const auto again = login(me_.email);
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(again.errorCode(), "invalid_credentials"); // no hint that the account exists

  // A user deactivating themselves: the same.
  const std::string other = freshEmail();
  createUser(other);
  const std::string token = accessToken(other);
  const auto self =
      request("POST", "/api/v1/me/deactivate", token, json{{"password", kPassword}}.dump());
  ASSERT_EQ(self.status, 200) << self.describe();
  EXPECT_EQ(meStatus(token), 401);
  EXPECT_EQ(login(other).status, 401);
}

TEST_F(AuthAttackTest, CustomerCannotReadOrChangeAnotherCustomersOrderOnAnyOrderRoute) {
  const QueuedOrder queued = queuedOrder();
  const std::string pending = createOrder(queued.customerToken, queued.storeId);
  const std::string stranger = me_.accessToken;
  int routesTried = 0;
  for (const Route& route : routeTable()) {
    if (route.access != Access::OwnOrders ||
        std::string(route.path).find("{id}") == std::string::npos) {
      continue;
    }
    for (const std::string& orderId : {queued.orderId, pending}) {
      const std::string path =
          std::regex_replace(std::string(route.path), std::regex(R"(\{id\})"), orderId);
      const auto reply =
          route.method == "PUT"
              ? request("PUT", path, stranger, seal(queued.agent, orderId, "%PDF-1.4 not mine"),
                        std::string(envelope::kMediaType))
              : request(std::string(route.method), path, stranger, "{}");
      EXPECT_EQ(reply.status, 404) << route.method << " " << path << ": " << reply.describe();
      EXPECT_EQ(reply.errorCode(), "order_not_found") << route.method << " " << path;
    }
    ++routesTried;
  }
  EXPECT_GE(routesTried, 2);
  const auto list = request("GET", "/api/v1/orders", stranger);
  EXPECT_EQ(list.asJson()["orders"], json::array());
  // The owner's orders are untouched.
  const auto mine = request("GET", "/api/v1/orders/" + pending, queued.customerToken);
  EXPECT_EQ(mine.asJson()["state"], "awaiting_upload");
}

TEST_F(AuthAttackTest, ShopkeeperCannotTouchAnotherStoresQueue) {
  const QueuedOrder theirs = queuedOrder();
  const QueuedOrder ours = queuedOrder();
  const std::string mine = ours.storeId;
  const std::string keeperEmail = freshEmail("keeper");
  createUser(keeperEmail, "shopkeeper", json::array({mine}));
  const std::string keeper = accessToken(keeperEmail);
  // Routes whose answer on the keeper's own store is a refusal past the access check.
  const std::map<std::string_view, std::pair<std::string, int>> ownAnswer = {
      {"releaseStoreOrder", {R"({"pickup_code":"000000"})", 404}}, // no order waits with it
      {"reprintStoreOrder", {"{}", 409}},                          // the order is not printed
      {"approvePages", {"{}", 409}},                               // not held for a page count
      {"resolveStoreOrder", {R"({"printed":true})", 409}},         // not outcome_unknown
      {"markOrderPaid", {R"({"method":"cash"})", 409}},            // no prices, so no charge to pay
      {"getShopPrices", {"{}", 404}}, // prices_not_set: the store has no list yet
      {"putStorePrices",
       {R"({"currency":"EUR","per_side_minor":{"monochrome":{"default":10},"color":{"default":50}}})",
        200}},
  };
  int routesTried = 0;
  for (const Route& route : routeTable()) {
    if (route.access != Access::AssignedStores || route.streamTicket) {
      continue; // an event stream answers 200 and stays open: stream_routes_test covers it
    }
    // {id} is a store, or an order of the store under /shop/orders/ (another shop's order
    // looks like none at all there).
    const bool orderPath = std::string_view(route.path).starts_with("/api/v1/shop/orders/");
    const auto pathFor = [&](const QueuedOrder& q) {
      return std::regex_replace(std::string(route.path), std::regex(R"(\{id\})"),
                                orderPath ? q.orderId : q.storeId);
    };
    const auto special = ownAnswer.find(route.operationId);
    const std::string body = special == ownAnswer.end() ? "{}" : special->second.first;
    const auto other = request(std::string(route.method), pathFor(theirs), keeper, body);
    if (orderPath) {
      EXPECT_EQ(other.status, 404) << route.method << " " << route.path << ": " << other.describe();
      EXPECT_EQ(other.errorCode(), "order_not_found") << route.path;
    } else {
      EXPECT_EQ(other.status, 403) << route.method << " " << route.path << ": " << other.describe();
    }
    const auto own = request(std::string(route.method), pathFor(ours), keeper, body);
    if (special == ownAnswer.end()) {
      EXPECT_LT(own.status, 300) << route.method << " " << route.path << ": " << own.describe();
    } else {
      EXPECT_EQ(own.status, special->second.second)
          << route.method << " " << route.path << ": " << own.describe();
    }
    ++routesTried;
  }
  EXPECT_GE(routesTried, 2);
  // The admin sees the other store's queue, with the order in it.
  const auto queue =
      request("GET", "/api/v1/shop/stores/" + theirs.storeId + "/orders", kAdminToken);
  ASSERT_EQ(queue.status, 200) << queue.describe();
  EXPECT_EQ(queue.asJson()["orders"][0]["id"], theirs.orderId);
  // Nor may a shopkeeper open customer or admin routes.
  EXPECT_EQ(request("GET", "/api/v1/orders/" + theirs.orderId, keeper).status, 403);
  EXPECT_EQ(request("GET", "/api/v1/admin/users", keeper).status, 403);
}

TEST_F(AuthAttackTest, RoleFieldInRegistrationIsIgnored) {
  const auto reply = request(
      "POST", "/api/v1/accounts", "",
      json{{"email", "mallory@example.com"}, {"password", "mallory's password"}, {"role", "admin"}}
          .dump());
  ASSERT_EQ(reply.status, 202) << reply.describe();
  const auto session = login("mallory@example.com", "mallory's password");
  ASSERT_EQ(session.status, 200) << session.describe();
  EXPECT_EQ(session.asJson()["user"]["role"], "customer");
  const std::string token = session.asJson().value("access_token", "");
  EXPECT_EQ(request("GET", "/api/v1/admin/users", token).status, 403);
  EXPECT_EQ(part(token, 1)["role"], "customer");
}

TEST_F(AuthAttackTest, LoginBruteForceIsThrottledPerAccount) {
  for (std::uint32_t i = 0; i < settings_.loginFailuresPerAccount; ++i) {
    const auto wrong = login(me_.email, "guess number " + std::to_string(i));
    EXPECT_EQ(wrong.status, 401) << wrong.describe();
  }
  const auto throttled = login(me_.email); // even the right password now waits
  EXPECT_EQ(throttled.status, 429) << throttled.describe();
  EXPECT_EQ(throttled.errorCode(), "too_many_attempts");
  bool retryAfter = false;
  for (const auto& [name, value] : throttled.headers) {
    retryAfter = retryAfter || (name == "Retry-After" && std::stoi(value) > 0);
  }
  EXPECT_TRUE(retryAfter);
  // The answer says how long, in seconds for scripts and in words for people.
  const json error = throttled.asJson()["error"];
  ASSERT_TRUE(error.contains("retry_after")) << throttled.describe();
  const std::int64_t wait = error["retry_after"].get<std::int64_t>();
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, settings_.loginThrottleWindowSeconds);
  EXPECT_EQ(throttled.headers.find("Retry-After")->second, std::to_string(wait));
  EXPECT_NE(error["message"].get<std::string>().find("try again in " + waitDuration(wait)),
            std::string::npos)
      << error["message"];
  // Other accounts are not locked out by it.
  const std::string other = freshEmail();
  createUser(other);
  EXPECT_EQ(login(other).status, 200);
  clock_.advance(settings_.loginThrottleWindowSeconds);
  EXPECT_EQ(login(me_.email).status, 200);
}

TEST_F(AuthAttackTest, LoginBruteForceIsThrottledPerClientAddress) {
  for (std::uint32_t i = 0; i < settings_.loginFailuresPerAddress; ++i) {
    EXPECT_EQ(login("victim" + std::to_string(i) + "@example.com", "guess").status, 401);
  }
  const auto throttled = login(me_.email);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.errorCode(), "too_many_attempts");
}

TEST_F(AuthAttackTest, UnknownUserAndWrongPasswordLookTheSameAndCostTheSame) {
  auto& hasher = server_->passwordHasher();
  const auto dummiesBefore = hasher.dummyVerifications();
  const auto verificationsBefore = hasher.verifications();
  const auto wrongPassword = login(me_.email, "not the password");
  EXPECT_EQ(hasher.dummyVerifications(), dummiesBefore); // a real hash was checked
  EXPECT_EQ(hasher.verifications(), verificationsBefore + 1);
  const auto unknownUser = login("nobody-here@example.com", "not the password");
  EXPECT_EQ(hasher.dummyVerifications(), dummiesBefore + 1); // the dummy hash ran instead
  // Exactly one Argon2 verification each, so neither answer comes back sooner.
  EXPECT_EQ(hasher.verifications(), verificationsBefore + 2);
  // The dummy costs what a real hash costs: the same Argon2 parameters.
  const auto params = [](std::string_view encoded) {
    return std::string(encoded.substr(0, encoded.find('$', encoded.find("$m=") + 1)));
  };
  EXPECT_EQ(params(hasher.dummyHash()), params(hasher.hash("some password")));
  EXPECT_NE(params(hasher.dummyHash()).find("$m="), std::string::npos) << hasher.dummyHash();
  EXPECT_EQ(wrongPassword.status, 401);
  EXPECT_EQ(unknownUser.status, wrongPassword.status);
  EXPECT_EQ(unknownUser.body, wrongPassword.body);
}

TEST_F(AuthAttackTest, SqlMetacharactersAreStoredVerbatimAndHarmless) {
  const std::string evil = "Robert'); DROP TABLE users;-- \" ` \\ % _ /* */ OR '1'='1";
  // A store (name, address) and its edit.
  const auto store =
      request("POST", "/api/v1/admin/stores", kAdminToken,
              json{{"name", evil}, {"address", evil}, {"latitude", 1}, {"longitude", 2}}.dump());
  ASSERT_EQ(store.status, 201) << store.describe();
  const std::string storeId = store.asJson().value("id", "");
  EXPECT_EQ(store.asJson()["name"], evil);
  const auto edited = request("PATCH", "/api/v1/admin/stores/" + storeId, kAdminToken,
                              json{{"name", evil + " (edited)"}}.dump());
  EXPECT_EQ(edited.asJson()["name"], evil + " (edited)");
  // A registration (e-mail with a quote, name, password) and a login with it.
  const std::string email = "o'brien+x@example.com";
  const auto reg = request("POST", "/api/v1/accounts", "",
                           json{{"email", email}, {"password", evil}, {"name", evil}}.dump());
  ASSERT_EQ(reg.status, 202) << reg.describe();
  const auto session = login(email, evil);
  ASSERT_EQ(session.status, 200) << session.describe();
  EXPECT_EQ(session.asJson()["user"]["name"], evil);
  EXPECT_EQ(session.asJson()["user"]["email"], email);
  EXPECT_EQ(login(email, "' OR '1'='1").status, 401);
  EXPECT_EQ(login("' OR '1'='1'--@example.com", evil).errorCode(), "invalid_request");
  EXPECT_EQ(login("x'--@example.com", evil).status, 401);
  // An order's document name and an agent's name.
  const EnrolledAgent agent = enrollAgent(storeId);
  const auto order = request(
      "POST", "/api/v1/orders", me_.accessToken,
      json{{"store_id", storeId}, {"document_name", evil}, {"content_type", "application/pdf"}}
          .dump());
  ASSERT_EQ(order.status, 201) << order.describe();
  EXPECT_EQ(order.asJson()["document"]["name"], evil);
  const auto enrolled = request("POST", "/api/v1/agent/enroll", "",
                                json{{"code", enrollmentCode(storeId)},
                                     {"public_key", base64Encode(agent.keys->publicKey())},
                                     {"agent_name", evil},
                                     {"agent_version", evil}}
                                    .dump());
  EXPECT_EQ(enrolled.status, 201) << enrolled.describe();
  // Everything is still there.
  auto tx = server_->store().begin();
  EXPECT_EQ(tx->findStore(storeId)->address, evil);
  EXPECT_EQ(tx->findUserByEmail(email)->name, evil);
  EXPECT_GE(tx->listUsers().size(), 2u);
  EXPECT_EQ(tx->findAgent(enrolled.asJson().value("agent_id", ""))->name, evil);
}

TEST_F(AuthAttackTest, OversizedOrMalformedJsonIsRefusedWithAClearError) {
  const std::string big = "{\"name\":\"" + std::string(Api::kMaxJsonBody + 10, 'x') + "\"}";
  const std::vector<std::pair<std::string, std::string>> routes{
      {"/api/v1/accounts", ""},
      {"/api/v1/auth/login", ""},
      {"/api/v1/auth/refresh", ""},
      {"/api/v1/accounts/password-reset", ""},
      {"/api/v1/orders", me_.accessToken},
      {"/api/v1/admin/users", kAdminToken},
      {"/api/v1/admin/stores", kAdminToken},
      {"/api/v1/me/password", me_.accessToken}};
  for (const auto& [path, token] : routes) {
    const auto malformed = request("POST", path, token, "{\"email\": ");
    EXPECT_EQ(malformed.status, 400) << path;
    EXPECT_EQ(malformed.errorCode(), "malformed_json") << path << ": " << malformed.body;
    const auto notObject = request("POST", path, token, "[1,2,3]");
    EXPECT_EQ(notObject.status, 400) << path;
    EXPECT_EQ(notObject.errorCode(), "invalid_request") << path;
    const auto oversized = request("POST", path, token, big);
    EXPECT_EQ(oversized.status, 413) << path;
    EXPECT_EQ(oversized.errorCode(), "payload_too_large") << path << ": " << oversized.body;
    const auto deep = request("POST", path, token, std::string(1000, '[') + std::string(1000, ']'));
    EXPECT_EQ(deep.status, 400) << path;
  }
}

TEST_F(AuthAttackTest, EveryRouteRefusesTheWrongKindOfCaller) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string keeperEmail = freshEmail("keeper");
  createUser(keeperEmail, "shopkeeper", json::array({storeId}));
  const std::map<Role, std::string> tokens{{Role::Customer, me_.accessToken},
                                           {Role::Shopkeeper, accessToken(keeperEmail)},
                                           {Role::Admin, kAdminToken},
                                           {Role::Agent, agent.credential}};
  for (const Route& route : routeTable()) {
    const std::string path =
        std::regex_replace(std::string(route.path), std::regex(R"(\{[a-z_]+\})"), "x_1");
    if (route.roles.contains(Role::Anonymous)) {
      continue;
    }
    const auto anonymous = request(std::string(route.method), path, "", "{}");
    EXPECT_EQ(anonymous.status, 401) << route.method << " " << path;
    for (const auto& [role, token] : tokens) {
      if (route.roles.contains(role)) {
        continue;
      }
      const auto reply = request(std::string(route.method), path, token, "{}");
      EXPECT_EQ(reply.status, 403) << toString(role) << " on " << route.method << " " << path;
      EXPECT_EQ(reply.errorCode(), "forbidden");
    }
  }
}

} // namespace
} // namespace printrelay::cloud::testing
