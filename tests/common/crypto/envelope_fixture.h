#pragma once

// What the envelope tests (envelope_test.cpp, envelope_tamper_test.cpp, envelope_docs_test.cpp)
// share: sealing and opening in pieces, cutting an envelope into its records, and a second
// implementation written from docs/envelope.md alone.
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/util/error.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace printrelay::envelope {

using hpke::Aead;
using hpke::KeyPair;

inline constexpr std::size_t kHeaderSize = 69;
inline constexpr std::size_t kPrefixSize = 5;
inline constexpr std::size_t kTag = 16;
inline constexpr std::uint32_t kSmallChunk = kMinChunkSize;

inline Bytes pattern(std::size_t size, std::uint32_t seed = 1) {
  Bytes out(size);
  std::mt19937 rng(seed);
  for (auto& b : out) {
    b = static_cast<std::uint8_t>(rng());
  }
  return out;
}

inline const KeyPair& storeKey() {
  static const KeyPair key = KeyPair::generate();
  return key;
}

/// Seals with the real Sealer, writing `plaintext` in pieces of `piece` bytes (0: all at once).
inline Bytes seal(const Bytes& plaintext, std::string_view orderId = "order-1",
                  std::uint32_t chunkSize = kSmallChunk, Aead aead = Aead::Aes256Gcm,
                  const KeyPair& recipient = storeKey(), std::size_t piece = 0) {
  Bytes out;
  Sealer sealer(
      recipient.publicKey(), orderId,
      [&](std::span<const std::uint8_t> b) {
        out.insert(out.end(), b.begin(), b.end());
        return true;
      },
      chunkSize, aead);
  if (piece == 0) {
    sealer.write(plaintext);
  } else {
    for (std::size_t off = 0; off < plaintext.size(); off += piece) {
      sealer.write(std::span(plaintext).subspan(off, std::min(piece, plaintext.size() - off)));
    }
  }
  sealer.finish();
  EXPECT_EQ(sealer.plaintextBytes(), plaintext.size());
  EXPECT_EQ(sealer.ciphertextBytes(), out.size());
  return out;
}

/// What an Opener released and how it ended.
struct Opened {
  Bytes released;
  std::vector<std::size_t> releases; ///< size of every sink call
  std::string error;                 ///< empty when finish() succeeded
  bool complete = false;
};

using PieceSizer = std::function<std::size_t()>;

inline Opened open(std::span<const std::uint8_t> envelope, std::string_view orderId = "order-1",
                   const KeyPair& recipient = storeKey(), const PieceSizer& sizer = {},
                   std::uint64_t maxPlaintext = UINT64_MAX) {
  Opened result;
  Opener opener(
      recipient, orderId,
      [&](std::span<const std::uint8_t> b) {
        result.released.insert(result.released.end(), b.begin(), b.end());
        result.releases.push_back(b.size());
        return true;
      },
      maxPlaintext);
  try {
    std::size_t off = 0;
    while (off < envelope.size()) {
      const std::size_t n = sizer ? std::max<std::size_t>(1, sizer()) : envelope.size();
      const std::size_t take = std::min(n, envelope.size() - off);
      opener.write(envelope.subspan(off, take));
      off += take;
    }
    opener.finish();
  } catch (const Error& e) {
    result.error = e.code();
    // A failed opener keeps failing and releases nothing more.
    const std::size_t before = result.released.size();
    try {
      opener.write(std::span(envelope).first(std::min<std::size_t>(envelope.size(), 1)));
      ADD_FAILURE() << "write() after a failure did not throw";
    } catch (const Error& again) {
      EXPECT_EQ(again.code(), result.error);
    }
    try {
      opener.finish();
      ADD_FAILURE() << "finish() after a failure did not throw";
    } catch (const Error& again) {
      EXPECT_EQ(again.code(), result.error);
    }
    EXPECT_EQ(result.released.size(), before);
  }
  result.complete = opener.complete();
  EXPECT_EQ(opener.plaintextBytes(), result.released.size());
  return result;
}

/// The released bytes are a prefix of the document made of whole chunks that authenticated.
inline void expectSafePrefix(const Opened& r, const Bytes& original, std::uint32_t chunkSize,
                             std::size_t expectedChunks) {
  ASSERT_LE(r.released.size(), original.size());
  EXPECT_TRUE(std::equal(r.released.begin(), r.released.end(), original.begin()));
  EXPECT_FALSE(r.complete);
  for (std::size_t n : r.releases) {
    EXPECT_EQ(n, chunkSize) << "a failed stream released a partial chunk";
  }
  EXPECT_EQ(r.released.size(), expectedChunks * chunkSize);
}

/// An envelope cut into its parts: the header and each record (prefix ‖ sealed bytes).
struct Parts {
  Bytes header;
  std::vector<Bytes> records;

  Bytes join() const {
    Bytes out = header;
    for (const auto& r : records) {
      out.insert(out.end(), r.begin(), r.end());
    }
    return out;
  }
};

inline std::uint32_t readU32(const Bytes& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

inline Parts split(const Bytes& envelope) {
  Parts p;
  p.header.assign(envelope.begin(), envelope.begin() + kHeaderSize);
  std::size_t off = kHeaderSize;
  while (off < envelope.size()) {
    const std::size_t len = kPrefixSize + readU32(envelope, off + 1);
    p.records.emplace_back(envelope.begin() + static_cast<std::ptrdiff_t>(off),
                           envelope.begin() + static_cast<std::ptrdiff_t>(off + len));
    off += len;
  }
  EXPECT_EQ(off, envelope.size());
  return p;
}

inline std::string errorCode(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return "no error";
}

inline std::string validate(std::span<const std::uint8_t> envelope, std::uint64_t max = UINT64_MAX,
                            std::size_t piece = 0) {
  FramingValidator v(max);
  return errorCode([&] {
    if (piece == 0) {
      v.write(envelope);
    } else {
      for (std::size_t off = 0; off < envelope.size(); off += piece) {
        v.write(envelope.subspan(off, std::min(piece, envelope.size() - off)));
      }
    }
    v.finish();
  });
}

// ---------------------------------------------------------------------------------------------
// A second implementation written from docs/envelope.md alone (on top of the HPKE layer), used
// to check the documented examples and that both sides agree on every byte.
namespace spec {

inline void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

inline void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

inline Bytes info(std::string_view orderId) {
  const std::string s = "printrelay-envelope-v1:" + std::string(orderId);
  return Bytes(s.begin(), s.end());
}

inline Bytes header(Aead aead, std::uint32_t chunkSize, std::span<const std::uint8_t> publicKey,
                    std::span<const std::uint8_t> enc) {
  Bytes h = {'P', 'R', 'L', 'Y', 'E', 'N', 'V', 0x00, 0x01};
  put16(h, 0x0020);
  put16(h, 0x0001);
  put16(h, static_cast<std::uint16_t>(aead));
  put32(h, chunkSize);
  const Bytes keyId = hexDecode(sha256Hex(std::string(publicKey.begin(), publicKey.end())));
  h.insert(h.end(), keyId.begin(), keyId.begin() + 16);
  put16(h, static_cast<std::uint16_t>(enc.size()));
  h.insert(h.end(), enc.begin(), enc.end());
  return h;
}

inline Bytes aad(const Bytes& header, std::uint64_t index, bool final) {
  Bytes a = header;
  put32(a, static_cast<std::uint32_t>(index >> 32));
  put32(a, static_cast<std::uint32_t>(index));
  a.push_back(final ? 0x01 : 0x00);
  return a;
}

/// Seals a whole document. `emptyFinal` ends a document that fills its last chunk with an extra
/// empty final chunk (allowed, though the Sealer never does it).
inline Bytes seal(std::span<const std::uint8_t> recipientPublicKey, std::string_view orderId,
                  const Bytes& plaintext, std::uint32_t chunkSize, Aead aead,
                  const KeyPair& ephemeral, bool emptyFinal = false) {
  hpke::SenderSetup s = hpke::setupBaseSender(aead, recipientPublicKey, info(orderId), &ephemeral);
  const Bytes h = header(aead, chunkSize, recipientPublicKey, s.enc);
  Bytes out = h;
  std::size_t off = 0;
  std::uint64_t index = 0;
  for (;;) {
    const std::size_t n = std::min<std::size_t>(chunkSize, plaintext.size() - off);
    bool final = off + n == plaintext.size();
    if (emptyFinal && final && n == chunkSize && !plaintext.empty()) {
      final = false;
    }
    const Bytes sealed = s.context.seal(aad(h, index, final), std::span(plaintext).subspan(off, n));
    out.push_back(final ? 0x01 : 0x00);
    put32(out, static_cast<std::uint32_t>(sealed.size()));
    out.insert(out.end(), sealed.begin(), sealed.end());
    off += n;
    ++index;
    if (final) {
      return out;
    }
  }
}

/// Opens a whole document (non-streaming); nullopt on any failure.
inline std::optional<Bytes> open(const Bytes& envelope, std::string_view orderId,
                                 const KeyPair& key) {
  const Parts parts = split(envelope);
  const std::span<const std::uint8_t> enc(parts.header.data() + 37, 32);
  const auto aead = static_cast<Aead>((parts.header[13] << 8) | parts.header[14]);
  hpke::Context ctx = hpke::setupBaseRecipient(aead, enc, key, info(orderId));
  Bytes out;
  for (std::size_t i = 0; i < parts.records.size(); ++i) {
    const Bytes& r = parts.records[i];
    const bool final = r[0] == 0x01;
    if (final != (i + 1 == parts.records.size())) {
      return std::nullopt;
    }
    const auto pt = ctx.open(aad(parts.header, i, final), std::span(r).subspan(kPrefixSize));
    if (!pt) {
      return std::nullopt;
    }
    out.insert(out.end(), pt->begin(), pt->end());
  }
  return out;
}

} // namespace spec

} // namespace printrelay::envelope
