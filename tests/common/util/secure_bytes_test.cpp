// The wiping buffer that holds plaintext: filled in bulk, emptied whole.

#include "common/util/secure_bytes.h"

#include <gtest/gtest.h>
#include <vector>

namespace printrelay {
namespace {

TEST(SecureBytes, AppendKeepsEveryByteInOrder) {
  SecureBytes bytes;
  bytes.reserve(10);
  const std::vector<std::uint8_t> first{1, 2, 3};
  const std::vector<std::uint8_t> second{4, 5, 6, 7};
  appendBytes(bytes, first);
  appendBytes(bytes, {});
  appendBytes(bytes, second);
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
            (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7}));
}

TEST(SecureBytes, AppendGrowsPastTheReservation) {
  SecureBytes bytes;
  const std::vector<std::uint8_t> piece(1000, 0xAB);
  for (int i = 0; i < 100; ++i) {
    appendBytes(bytes, piece);
  }
  ASSERT_EQ(bytes.size(), 100'000u);
  EXPECT_EQ(bytes.front(), 0xAB);
  EXPECT_EQ(bytes.back(), 0xAB);
}

TEST(SecureBytes, WipeEmptiesAndFreesTheBuffer) {
  SecureBytes bytes(64, 0x5A);
  wipe(bytes);
  EXPECT_TRUE(bytes.empty());
  EXPECT_EQ(bytes.capacity(), 0u) << "the block was given back (and wiped as it was)";
}

TEST(SecureBytes, ValuesAskedForAreStillWritten) {
  const SecureBytes filled(16, 0x7F); // construct with a value: not left to chance
  for (const auto b : filled) {
    EXPECT_EQ(b, 0x7F);
  }
}

} // namespace
} // namespace printrelay
