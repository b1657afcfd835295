#include "common/util/encoding.h"
#include "common/util/error.h"
#include "tests/support/error_code.h"

#include <gtest/gtest.h>
#include <random>
#include <string>

namespace printrelay {
namespace {

using test_support::errorCode;

std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64Encode(asBytes(plain)), encoded);
    EXPECT_EQ(text(base64Decode(encoded)), plain);
  }
}

TEST(Base64, EveryByteValueAndLengthRoundTrips) {
  std::mt19937 rng(1);
  for (std::size_t n = 0; n < 70; ++n) {
    Bytes data(n);
    for (auto& b : data) {
      b = static_cast<std::uint8_t>(rng());
    }
    EXPECT_EQ(base64Decode(base64Encode(data)), data) << n;
  }
  Bytes all(256);
  for (int i = 0; i < 256; ++i) {
    all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  }
  const std::string encoded = base64Encode(all);
  EXPECT_EQ(encoded.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
            std::string::npos);
  EXPECT_EQ(base64Decode(encoded), all);
}

TEST(Base64, RefusesMalformedInput) {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9vY", "Zm9v!A==", "Zm 9v", "Zm9v\n",
                          "Zg==Zg==", "Zg=a", "=Zg=", "Z===", "====", "Zm9-", "Zm9_", "Zm9v====",
                          "\xff\xff"
                          "\xff\xff"}) {
    EXPECT_EQ(errorCode([&] { base64Decode(bad); }), "invalid_base64") << bad;
  }
  const std::string withNul("Zm\0v", 4);
  EXPECT_EQ(errorCode([&] { base64Decode(withNul); }), "invalid_base64");
}

TEST(PercentEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(percentEncode("job_1-a.b~C"), "job_1-a.b~C");
  EXPECT_EQ(percentEncode("job 1/../x"), "job%201%2F..%2Fx");
  EXPECT_EQ(percentEncode("a?b=c&d#e%"), "a%3Fb%3Dc%26d%23e%25");
  EXPECT_EQ(percentEncode(std::string("\x00\xff\xc3\xa9", 4)), "%00%FF%C3%A9");
  EXPECT_EQ(percentEncode(""), "");
}

TEST(Hex, EncodesLowerAndDecodesBothCases) {
  const Bytes data = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  EXPECT_EQ(hexEncode(data), "00017f80abff");
  EXPECT_EQ(hexDecode("00017f80abff"), data);
  EXPECT_EQ(hexDecode("00017F80ABFF"), data);
  EXPECT_EQ(hexDecode("00017F80aBfF"), data);
  EXPECT_TRUE(hexDecode("").empty());
  EXPECT_EQ(hexEncode({}), "");
}

TEST(Hex, RefusesMalformedInput) {
  for (const char* bad : {"0", "abc", "0g", "g0", "0x00", " 00", "00 ", "zz", "-1"}) {
    EXPECT_EQ(errorCode([&] { hexDecode(bad); }), "invalid_hex") << bad;
  }
  const std::string withNul("0\0", 2);
  EXPECT_EQ(errorCode([&] { hexDecode(withNul); }), "invalid_hex");
}

TEST(Random, BytesAndTokens) {
  EXPECT_TRUE(randomBytes(0).empty());
  EXPECT_EQ(randomBytes(33).size(), 33U);
  EXPECT_NE(randomBytes(32), randomBytes(32));
  const std::string token = randomToken();
  EXPECT_EQ(token.size(), 43U); // 32 bytes, unpadded
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  EXPECT_NE(token, randomToken());
  EXPECT_EQ(randomToken(1).size(), 2U);
}

TEST(Digest, Sha256KnownAnswers) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConstantTime, Equals) {
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_TRUE(constantTimeEquals("secret", "secret"));
  EXPECT_FALSE(constantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(constantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(constantTimeEquals("", "x"));
}

TEST(AsBytes, ViewsTheSameMemory) {
  const std::string s = "ab";
  const auto b = asBytes(s);
  ASSERT_EQ(b.size(), 2U);
  EXPECT_EQ(b[0], 'a');
  EXPECT_EQ(static_cast<const void*>(b.data()), static_cast<const void*>(s.data()));
}

TEST(Base64, RefusesNonCanonicalPaddingBits) {
  EXPECT_EQ(base64Decode("Zg=="), Bytes{'f'});
  EXPECT_THROW(base64Decode("Zh=="), Error);
  EXPECT_EQ(base64Decode("Zm8="), (Bytes{'f', 'o'}));
  EXPECT_THROW(base64Decode("Zm9="), Error);
}

} // namespace
} // namespace printrelay
