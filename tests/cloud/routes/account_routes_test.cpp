// Accounts end to end over HTTP: registration, the e-mailed verification link, login, refresh,
// password change and reset, admin management of users and stores, abuse limits, CORS and the
// security headers.
#include "common/util/encoding.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/smtp_server.h"

#include <regex>

namespace printrelay::cloud::testing {
namespace {

using printrelay::testing::mailBody;
using printrelay::testing::mailHeader;

/// The first match of `pattern`'s group 1 in `text`, or "".
std::string find(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : std::string();
}

class AccountsTest : public CloudFixture {
protected:
  HttpReply registerAccount(const std::string& email, const std::string& password = kPassword) {
    return request("POST", "/api/v1/accounts", "",
                   json{{"email", email}, {"password", password}, {"name", "Ann"}}.dump());
  }

  /// The path and query of the verification link in the newest mail to `email`.
  std::string verificationPath(std::size_t mailsExpected, const std::string& email) {
    const auto mails = waitForMailFiles(mailsExpected);
    for (auto it = mails.rbegin(); it != mails.rend(); ++it) {
      if (mailHeader(*it, "To").find(email) != std::string::npos) {
        const std::string link =
            find(mailBody(*it), R"((https?://\S+/api/v1/accounts/verify\?token=[A-Za-z0-9_-]+))");
        EXPECT_EQ(link.rfind(baseUrl_, 0), 0u) << link;
        return link.substr(baseUrl_.size());
      }
    }
    ADD_FAILURE() << "no mail to " << email;
    return {};
  }

  std::string resetToken(std::size_t mailsExpected) {
    const auto mails = waitForMailFiles(mailsExpected);
    return find(mailBody(mails.back()), R"(printrelay reset-password ([A-Za-z0-9_-]+))");
  }

  HttpReply orderAt(const std::string& token, const std::string& storeId) {
    return request(
        "POST", "/api/v1/orders", token,
        json{{"store_id", storeId}, {"document_name", "a.pdf"}, {"content_type", "application/pdf"}}
            .dump());
  }
};

TEST_F(AccountsTest, RegisteredCustomerOrdersOnlyAfterFollowingTheMailedLink) {
  const std::string storeId = createStore();
  enrollAgent(storeId);
  ASSERT_EQ(registerAccount("ann@example.com").status, 202);
  const std::string token = accessToken("ann@example.com");
  const auto early = orderAt(token, storeId);
  EXPECT_EQ(early.status, 403);
  EXPECT_EQ(early.errorCode(), "email_not_verified");

  const auto mails = waitForMailFiles(1);
  EXPECT_NE(mailHeader(mails[0], "To").find("ann@example.com"), std::string::npos);
  EXPECT_NE(mailHeader(mails[0], "Subject").find("Confirm"), std::string::npos);
  const auto verified = request("GET", verificationPath(1, "ann@example.com"));
  ASSERT_EQ(verified.status, 200) << verified.describe();
  EXPECT_EQ(verified.asJson()["status"], "verified");
  EXPECT_EQ(orderAt(token, storeId).status, 201); // the same session, now verified
  EXPECT_EQ(request("GET", "/api/v1/me", token).asJson()["email_verified"], true);
}

TEST_F(AccountsTest, VerificationTokensAreSingleUseAndExpire) {
  ASSERT_EQ(registerAccount("bob@example.com").status, 202);
  const std::string path = verificationPath(1, "bob@example.com");
  const std::string token = path.substr(path.find("token=") + 6);
  const auto viaPost =
      request("POST", "/api/v1/accounts/verify", "", json{{"token", token}}.dump());
  EXPECT_EQ(viaPost.status, 200);
  EXPECT_EQ(request("GET", path).asJson()["status"], "already_verified");
  EXPECT_EQ(request("GET", "/api/v1/accounts/verify?token=made-up").status, 400);

  ASSERT_EQ(registerAccount("carl@example.com").status, 202);
  const std::string late = verificationPath(2, "carl@example.com");
  clock_.advance(settings_.verificationTokenTtlSeconds);
  const auto expired = request("GET", late);
  EXPECT_EQ(expired.status, 410);
  EXPECT_EQ(expired.errorCode(), "verification_expired");
}

TEST_F(AccountsTest, RegisteringATakenAddressLooksTheSameAndTellsTheOwner) {
  const auto first = registerAccount("dora@example.com");
  const auto second = registerAccount("dora@example.com", "another password");
  EXPECT_EQ(first.status, second.status);
  EXPECT_EQ(first.body, second.body);
  const auto mails = waitForMailFiles(2);
  EXPECT_NE(mailBody(mails[1]).find("already has one"), std::string::npos);
  EXPECT_EQ(login("dora@example.com", "another password").status, 401);
  EXPECT_EQ(login("dora@example.com").status, 200);
}

TEST_F(AccountsTest, PasswordsAreEightToAtLeast128CharactersAndNeverTruncated) {
  EXPECT_EQ(registerAccount("short@example.com", "1234567").errorCode(), "weak_password");
  EXPECT_EQ(registerAccount("eight@example.com", "12345678").status, 202);
  EXPECT_EQ(registerAccount("umlaut@example.com", "äöüäöüäö").status, 202); // 8 characters
  const std::string longPassword(256, 'p');
  EXPECT_EQ(registerAccount("long@example.com", longPassword).status, 202);
  EXPECT_EQ(registerAccount("toolong@example.com", longPassword + "p").errorCode(),
            "weak_password");
  EXPECT_EQ(login("long@example.com", longPassword).status, 200);
  // Only the last character differs: a hash that truncated would accept it.
  EXPECT_EQ(login("long@example.com", longPassword.substr(0, 255) + "q").status, 401);
  const std::string with129 = std::string(128, 'a') + "b";
  createUser("x129@example.com", "customer", json::array(), with129);
  EXPECT_EQ(login("x129@example.com", with129).status, 200);
  EXPECT_EQ(login("x129@example.com", std::string(128, 'a') + "c").status, 401);
}

TEST_F(AccountsTest, PasswordChangeRevokesEverySession) {
  const std::string email = freshEmail();
  createUser(email);
  const json one = login(email).asJson();
  const json two = login(email).asJson();
  const auto wrong = request(
      "POST", "/api/v1/me/password", one.value("access_token", ""),
      json{{"current_password", "nope nope"}, {"new_password", "a brand new password"}}.dump());
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.errorCode(), "wrong_password");
  const auto changed = request(
      "POST", "/api/v1/me/password", one.value("access_token", ""),
      json{{"current_password", kPassword}, {"new_password", "a brand new password"}}.dump());
  ASSERT_EQ(changed.status, 200) << changed.describe();
  EXPECT_EQ(changed.asJson()["sessions_revoked"], 2);
  for (const json& session : {one, two}) {
    EXPECT_EQ(request("GET", "/api/v1/me", session.value("access_token", "")).status, 401);
    EXPECT_EQ(request("POST", "/api/v1/auth/refresh", "",
                      json{{"refresh_token", session.value("refresh_token", "")}}.dump())
                  .status,
              401);
  }
  EXPECT_EQ(login(email).status, 401);
  EXPECT_EQ(login(email, "a brand new password").status, 200);
}

TEST_F(AccountsTest, PasswordResetByMailedSingleUseExpiringToken) {
  const std::string email = freshEmail();
  createUser(email);
  const std::string oldSession = accessToken(email);
  const auto asked =
      request("POST", "/api/v1/accounts/password-reset", "", json{{"email", email}}.dump());
  EXPECT_EQ(asked.status, 202);
  // An unknown address gets the same answer and no mail.
  const auto unknown = request("POST", "/api/v1/accounts/password-reset", "",
                               json{{"email", "nobody@example.com"}}.dump());
  EXPECT_EQ(unknown.body, asked.body);
  const std::string token = resetToken(1);
  ASSERT_FALSE(token.empty());
  EXPECT_GE(settings_.resetTokenTtlSeconds, 15 * 60);
  EXPECT_LE(settings_.resetTokenTtlSeconds, 60 * 60);

  const auto reset = request("POST", "/api/v1/accounts/password-reset/confirm", "",
                             json{{"token", token}, {"new_password", "reset to this one"}}.dump());
  ASSERT_EQ(reset.status, 200) << reset.describe();
  EXPECT_EQ(request("GET", "/api/v1/me", oldSession).status, 401);
  EXPECT_EQ(login(email).status, 401);
  EXPECT_EQ(login(email, "reset to this one").status, 200);
  const auto again = request("POST", "/api/v1/accounts/password-reset/confirm", "",
                             json{{"token", token}, {"new_password", "and again this"}}.dump());
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.errorCode(), "reset_token_invalid");
  EXPECT_EQ(waitForMailFiles(2).size(), 2u); // the reset and its notice; none for the unknown

  // A token used too late.
  request("POST", "/api/v1/accounts/password-reset", "", json{{"email", email}}.dump());
  const std::string late = resetToken(3);
  clock_.advance(settings_.resetTokenTtlSeconds);
  const auto expired = request("POST", "/api/v1/accounts/password-reset/confirm", "",
                               json{{"token", late}, {"new_password", "too late for this"}}.dump());
  EXPECT_EQ(expired.status, 410);
  EXPECT_EQ(expired.errorCode(), "reset_token_expired");
}

TEST_F(AccountsTest, AdminManagesUsersStoresAndShopkeepers) {
  const std::string storeId = createStore("Before");
  const json keeper = createUser("keeper@example.com", "shopkeeper");
  const std::string keeperId = keeper.value("id", "");
  EXPECT_EQ(keeper["store_ids"], json::array());
  const auto assigned = request(
      "PUT", "/api/v1/admin/stores/" + storeId + "/shopkeepers/" + keeperId, kAdminToken, "{}");
  ASSERT_EQ(assigned.status, 200) << assigned.describe();
  EXPECT_EQ(assigned.asJson()["store_ids"], json::array({storeId}));
  const std::string token = accessToken("keeper@example.com");
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/" + storeId + "/orders", token).status, 200);
  EXPECT_EQ(request("GET", "/api/v1/me", token).asJson()["store_ids"], json::array({storeId}));

  const auto edited = request("PATCH", "/api/v1/admin/stores/" + storeId, kAdminToken,
                              json{{"name", "After"}, {"latitude", 48.1}}.dump());
  ASSERT_EQ(edited.status, 200) << edited.describe();
  EXPECT_EQ(edited.asJson()["name"], "After");
  EXPECT_EQ(edited.asJson()["latitude"], 48.1);

  const auto customer = createUser("cust@example.com");
  const auto notKeeper =
      request("PUT", "/api/v1/admin/stores/" + storeId + "/shopkeepers/" + customer.value("id", ""),
              kAdminToken, "{}");
  EXPECT_EQ(notKeeper.errorCode(), "not_a_shopkeeper");
  const auto users = request("GET", "/api/v1/admin/users", kAdminToken);
  EXPECT_EQ(users.asJson()["users"].size(), 2u);
  EXPECT_EQ(
      request(
          "POST", "/api/v1/admin/users", kAdminToken,
          json{{"email", "cust@example.com"}, {"password", kPassword}, {"role", "customer"}}.dump())
          .errorCode(),
      "email_taken");
  EXPECT_EQ(
      request("POST", "/api/v1/admin/users", kAdminToken,
              json{{"email", "x@example.com"}, {"password", kPassword}, {"role", "root"}}.dump())
          .status,
      400);

  const auto removed = request(
      "DELETE", "/api/v1/admin/stores/" + storeId + "/shopkeepers/" + keeperId, kAdminToken);
  ASSERT_EQ(removed.status, 200) << removed.describe();
  EXPECT_EQ(request("GET", "/api/v1/shop/stores/" + storeId + "/orders", token).status, 403);

  // An admin account works like the operator token.
  createUser("boss@example.com", "admin");
  const std::string boss = accessToken("boss@example.com");
  EXPECT_EQ(request("GET", "/api/v1/admin/users", boss).status, 200);
  const auto off = request("POST", "/api/v1/admin/users/" + keeperId + "/deactivate", boss, "{}");
  EXPECT_EQ(off.status, 200);
  EXPECT_EQ(off.asJson()["deactivated"], true);
  EXPECT_EQ(request("GET", "/api/v1/me", token).status, 401);
}

TEST_F(AccountsTest, SigningKeyRotationKeepsIssuedTokensValid) {
  const std::string email = freshEmail();
  createUser(email);
  const std::string before = accessToken(email);
  const auto kidsBefore = server_->tokens().keyIds();
  server_->tokens().rotateNow();
  const auto kidsAfter = server_->tokens().keyIds();
  ASSERT_EQ(kidsAfter.size(), kidsBefore.size() + 1);
  EXPECT_EQ(request("GET", "/api/v1/me", before).status, 200);
  const std::string after = accessToken(email);
  EXPECT_EQ(request("GET", "/api/v1/me", after).status, 200);
  EXPECT_NE(after.substr(0, after.find('.')), before.substr(0, before.find('.'))); // new kid
}

class AbuseLimitsTest : public CloudFixture {
protected:
  void configure(CloudSettings& settings) override {
    settings.ordersPerHour = 2;
    settings.uploadsPerHour = 1;
    settings.accountRequestsPerAddressPerHour = 2;
    settings.webOrigin = "https://print.example";
  }
};

TEST_F(AbuseLimitsTest, OrdersUploadsAndAccountRequestsAreLimited) {
  const QueuedOrder queued = queuedOrder(); // one order, one upload
  const std::string second = createOrder(queued.customerToken, queued.storeId);
  const auto third = request(
      "POST", "/api/v1/orders", queued.customerToken,
      json{{"store_id", queued.storeId}, {"document_name", "a"}, {"content_type", "text/plain"}}
          .dump());
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(third.errorCode(), "too_many_orders");
  const auto upload2 = upload(queued.customerToken, second, seal(queued.agent, second, "x"),
                              "application/vnd.printrelay.envelope");
  EXPECT_EQ(upload2.status, 429);
  EXPECT_EQ(upload2.errorCode(), "too_many_uploads");
  clock_.advance(3600);
  const std::string fresh = accessToken("customer-1@example.com"); // the old one expired
  EXPECT_EQ(
      upload(fresh, second, seal(queued.agent, second, "x"), "application/vnd.printrelay.envelope")
          .status,
      200);

  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(request("POST", "/api/v1/accounts/password-reset", "",
                      json{{"email", "a@example.com"}}.dump())
                  .status,
              202);
  }
  EXPECT_EQ(request("POST", "/api/v1/accounts", "",
                    json{{"email", "new@example.com"}, {"password", kPassword}}.dump())
                .status,
            429);
}

TEST_F(AbuseLimitsTest, CorsOnlyForTheConfiguredOriginAndSecurityHeadersEverywhere) {
  const auto withOrigin = [&](const std::string& method, const std::string& path,
                              const std::string& origin) {
    httplib::Headers headers{{"Origin", origin}};
    auto result = method == "GET" ? client_->Get(path, headers) : client_->Options(path, headers);
    EXPECT_TRUE(result);
    return result ? *result : httplib::Response{};
  };
  const auto allowed = withOrigin("GET", "/api/v1/health", "https://print.example");
  EXPECT_EQ(allowed.get_header_value("Access-Control-Allow-Origin"), "https://print.example");
  const auto other = withOrigin("GET", "/api/v1/health", "https://evil.example");
  EXPECT_FALSE(other.has_header("Access-Control-Allow-Origin"));
  const auto preflight = withOrigin("OPTIONS", "/api/v1/orders", "https://print.example");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_NE(preflight.get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  const auto badPreflight = withOrigin("OPTIONS", "/api/v1/orders", "https://evil.example");
  EXPECT_EQ(badPreflight.status, 403);
  EXPECT_FALSE(badPreflight.has_header("Access-Control-Allow-Origin"));

  // Every kind of response carries the security headers: success, 401, 404, 400.
  for (const auto& reply :
       {request("GET", "/api/v1/health"), request("GET", "/api/v1/orders"),
        request("GET", "/api/v1/nowhere"), request("POST", "/api/v1/auth/login", "", "{")}) {
    std::map<std::string, std::string> h(reply.headers.begin(), reply.headers.end());
    EXPECT_EQ(h["X-Content-Type-Options"], "nosniff") << reply.describe();
    EXPECT_EQ(h["X-Frame-Options"], "DENY") << reply.describe();
    EXPECT_EQ(h["Cache-Control"], "no-store") << reply.describe();
    EXPECT_EQ(h["Referrer-Policy"], "no-referrer") << reply.describe();
    EXPECT_NE(h["Content-Security-Policy"].find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(reply.headers.count("Cache-Control"), 1u);
  }
}

/// Real Argon2id cost, as production runs it.
class ProductionHashingTest : public CloudFixture {
protected:
  void configure(CloudSettings& settings) override {
    settings.argon2 = Argon2Params{};
    settings.allowWeakPasswordHashing = false;
  }
};

TEST_F(ProductionHashingTest, StoredHashesUseTheProductionParameters) {
  ASSERT_EQ(request("POST", "/api/v1/accounts", "",
                    json{{"email", "prod@example.com"}, {"password", kPassword}}.dump())
                .status,
            202);
  auto tx = server_->store().begin();
  const auto user = tx->findUserByEmail("prod@example.com");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->passwordHash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u)
      << user->passwordHash;
}

} // namespace
} // namespace printrelay::cloud::testing
