// Units behind the accounts: Argon2id hashing, the JWT token service and its key ring,
// base64url, the rate limiter, and the configuration floor for password hashing.
#include "cloud/accounts/password_hasher.h"
#include "cloud/accounts/rate_limiter.h"
#include "cloud/accounts/token_service.h"
#include "cloud/config/cloud_config.h"
#include "cloud/routes/api_error.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

namespace printrelay::cloud::testing {
namespace {

TEST(PasswordHasherTest, ProductionParametersAreWhatTheEncodedHashRecords) {
  const Argon2Params defaults;
  EXPECT_TRUE(defaults.meetsFloor());
  PasswordHasher hasher(defaults);
  const std::string hash = hasher.hash("correct horse battery staple");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(hasher.verify(hash, "correct horse battery staple"));
  EXPECT_FALSE(hasher.verify(hash, "correct horse battery stapl"));
}

TEST(PasswordHasherTest, EachHashHasItsOwnSaltAndNothingIsTruncated) {
  PasswordHasher hasher(Argon2Params{1024, 1, 1}); // cheap: this test is not about the cost
  const std::string a = hasher.hash("same password");
  const std::string b = hasher.hash("same password");
  EXPECT_NE(a, b);
  EXPECT_TRUE(hasher.verify(a, "same password"));
  EXPECT_TRUE(hasher.verify(b, "same password"));
  const std::string longPassword(1000, 'x');
  const std::string h = hasher.hash(longPassword);
  EXPECT_FALSE(hasher.verify(h, longPassword.substr(0, 999) + "y"));
  EXPECT_FALSE(hasher.verify("$2y$10$notargon", "anything"));
  EXPECT_FALSE(hasher.verify("", "anything"));
  const auto before = hasher.dummyVerifications();
  EXPECT_FALSE(hasher.verifyDummy("anything"));
  EXPECT_EQ(hasher.dummyVerifications(), before + 1);
}

TEST(PasswordHasherTest, LengthRulesCountCharactersNotBytes) {
  EXPECT_FALSE(passwordProblem("1234567").empty());
  EXPECT_TRUE(passwordProblem("12345678").empty());
  EXPECT_TRUE(passwordProblem("ääääääää").empty());
  EXPECT_FALSE(passwordProblem("äääääää").empty()); // 7 characters, 14 bytes
  EXPECT_TRUE(passwordProblem(std::string(256, 'a')).empty());
  EXPECT_FALSE(passwordProblem(std::string(257, 'a')).empty());
}

TEST(PasswordHasherTest, ConfigurationCannotGoBelowTheFloor) {
  Config config(cloudConfigTable(), "PRINTRELAY_TEST_UNUSED_");
  config.set("argon2_memory_kib", "1024");
  completeCloudConfig(config);
  EXPECT_THROW(settingsFromConfig(config), Error);
  Config iterations(cloudConfigTable(), "PRINTRELAY_TEST_UNUSED_");
  iterations.set("argon2_iterations", "1");
  completeCloudConfig(iterations);
  EXPECT_THROW(settingsFromConfig(iterations), Error);
  CloudSettings weak;
  weak.argon2 = Argon2Params{1024, 1, 1};
  EXPECT_THROW(validateSettings(weak), Error);
  weak.allowWeakPasswordHashing = true; // only code (tests) can set this
  EXPECT_NO_THROW(validateSettings(weak));
  Config defaults(cloudConfigTable(), "PRINTRELAY_TEST_UNUSED_");
  completeCloudConfig(defaults);
  const CloudSettings s = settingsFromConfig(defaults);
  EXPECT_EQ(s.argon2.memoryKiB, 19456u);
  EXPECT_EQ(s.argon2.iterations, 2u);
  EXPECT_EQ(s.argon2.parallelism, 1u);
  EXPECT_EQ(s.accessTokenTtlSeconds, 600);
  EXPECT_GE(s.resetTokenTtlSeconds, 900);
  EXPECT_LE(s.resetTokenTtlSeconds, 3600);
}

TEST(Base64UrlTest, RoundTripsAndDecodesStrictly) {
  for (std::size_t n = 0; n < 40; ++n) {
    Bytes data(n);
    for (std::size_t i = 0; i < n; ++i) {
      data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    }
    const std::string text = base64UrlEncode(data);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(base64UrlDecode(text), data);
  }
  EXPECT_FALSE(base64UrlDecode("ab+c"));
  EXPECT_FALSE(base64UrlDecode("abc="));
  EXPECT_FALSE(base64UrlDecode("a"));
  EXPECT_FALSE(base64UrlDecode("ab c"));
  EXPECT_FALSE(base64UrlDecode("QR")); // non-zero padding bits: not canonical
  EXPECT_TRUE(base64UrlDecode("QQ"));
}

class TokenServiceTest : public ::testing::Test {
protected:
  TokenSettings settings() const {
    TokenSettings s;
    s.keyFile = dir_.path() / "keys.json";
    s.issuer = "https://cloud.example";
    s.audience = "printrelay-api";
    s.accessTtlSeconds = 600;
    s.keyRotationSeconds = 86400;
    return s;
  }
  Clock clock() {
    return [this] { return now_; };
  }

  printrelay::testing::TempDir dir_{"printrelay-token-test"};
  std::int64_t now_ = 1'800'000'000;
};

TEST_F(TokenServiceTest, IssuedTokensVerifyWithEveryClaim) {
  TokenService tokens(settings(), clock());
  AccessClaims issued;
  const std::string token = tokens.issue("usr_1", "customer", "ses_1", &issued);
  const AccessClaims c = tokens.verify(token);
  EXPECT_EQ(c.subject, "usr_1");
  EXPECT_EQ(c.role, "customer");
  EXPECT_EQ(c.sessionId, "ses_1");
  EXPECT_EQ(c.tokenId, issued.tokenId);
  EXPECT_EQ(c.tokenId.size(), 32u);
  EXPECT_EQ(c.expiresAt, now_ + 600);
  EXPECT_NE(tokens.issue("usr_1", "customer", "ses_1"), token); // a fresh jti each time
  EXPECT_EQ(std::filesystem::status(settings().keyFile).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(TokenServiceTest, KeyRingSurvivesARestartAndRotatesWhenDue) {
  std::string token;
  {
    TokenService tokens(settings(), clock());
    token = tokens.issue("usr_1", "customer", "ses_1");
  }
  TokenService reopened(settings(), clock());
  EXPECT_NO_THROW(reopened.verify(token));
  EXPECT_FALSE(reopened.rotateIfDue());
  now_ += 86400 - 300; // the newest key is a day old
  const auto expiresSoon = reopened.issue("usr_1", "customer", "ses_1");
  now_ += 300;
  EXPECT_TRUE(reopened.rotateIfDue());
  EXPECT_EQ(reopened.keyIds().size(), 2u);
  EXPECT_NO_THROW(reopened.verify(expiresSoon)); // the old key still verifies its tokens
  now_ += 601; // every token of the old key has expired: it is dropped
  EXPECT_TRUE(reopened.rotateIfDue());
  EXPECT_EQ(reopened.keyIds().size(), 1u);
  try {
    reopened.verify(expiresSoon);
    FAIL() << "a token of a retired key was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(statusForErrorCode(e.code()), 401);
  }
}

TEST(RateLimiterTest, CountsEventsInASlidingWindow) {
  std::int64_t now = 1000;
  RateLimiter limiter(60, 3, [&] { return now; });
  EXPECT_TRUE(limiter.tryAcquire("k"));
  limiter.record("k");
  EXPECT_FALSE(limiter.exhausted("k"));
  now += 30;
  EXPECT_TRUE(limiter.tryAcquire("k"));
  EXPECT_TRUE(limiter.exhausted("k"));
  EXPECT_FALSE(limiter.tryAcquire("k"));
  EXPECT_FALSE(limiter.exhausted("other"));
  EXPECT_EQ(limiter.retryAfter("k"), 30);
  now += 30; // the first two left the window
  EXPECT_FALSE(limiter.exhausted("k"));
  limiter.reset("k");
  EXPECT_EQ(limiter.retryAfter("k"), 0);
}

} // namespace
} // namespace printrelay::cloud::testing
