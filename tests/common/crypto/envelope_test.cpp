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
namespace {

using hpke::Aead;
using hpke::KeyPair;

constexpr std::size_t kHeaderSize = 69;
constexpr std::size_t kPrefixSize = 5;
constexpr std::size_t kTag = 16;
constexpr std::uint32_t kSmallChunk = kMinChunkSize;

Bytes pattern(std::size_t size, std::uint32_t seed = 1) {
  Bytes out(size);
  std::mt19937 rng(seed);
  for (auto& b : out) {
    b = static_cast<std::uint8_t>(rng());
  }
  return out;
}

const KeyPair& storeKey() {
  static const KeyPair key = KeyPair::generate();
  return key;
}

/// Seals with the real Sealer, writing `plaintext` in pieces of `piece` bytes (0: all at once).
Bytes seal(const Bytes& plaintext, std::string_view orderId = "order-1",
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

Opened open(std::span<const std::uint8_t> envelope, std::string_view orderId = "order-1",
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
void expectSafePrefix(const Opened& r, const Bytes& original, std::uint32_t chunkSize,
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

std::uint32_t readU32(const Bytes& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

Parts split(const Bytes& envelope) {
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

std::string errorCode(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return "no error";
}

std::string validate(std::span<const std::uint8_t> envelope, std::uint64_t max = UINT64_MAX,
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

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

Bytes info(std::string_view orderId) {
  const std::string s = "printrelay-envelope-v1:" + std::string(orderId);
  return Bytes(s.begin(), s.end());
}

Bytes header(Aead aead, std::uint32_t chunkSize, std::span<const std::uint8_t> publicKey,
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

Bytes aad(const Bytes& header, std::uint64_t index, bool final) {
  Bytes a = header;
  put32(a, static_cast<std::uint32_t>(index >> 32));
  put32(a, static_cast<std::uint32_t>(index));
  a.push_back(final ? 0x01 : 0x00);
  return a;
}

/// Seals a whole document. `emptyFinal` ends a document that fills its last chunk with an extra
/// empty final chunk (allowed, though the Sealer never does it).
Bytes seal(std::span<const std::uint8_t> recipientPublicKey, std::string_view orderId,
           const Bytes& plaintext, std::uint32_t chunkSize, Aead aead, const KeyPair& ephemeral,
           bool emptyFinal = false) {
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
std::optional<Bytes> open(const Bytes& envelope, std::string_view orderId, const KeyPair& key) {
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

// ---------------------------------------------------------------------------------------------
// Round trips

class EnvelopeRoundTrip : public testing::TestWithParam<std::size_t> {};

TEST_P(EnvelopeRoundTrip, SmallChunksWholeAndPieces) {
  const Bytes doc = pattern(GetParam());
  const Bytes envelope = seal(doc);
  const std::size_t chunks = doc.empty() ? 1 : (doc.size() + kSmallChunk - 1) / kSmallChunk;
  EXPECT_EQ(envelope.size(), kHeaderSize + doc.size() + chunks * (kPrefixSize + kTag));
  EXPECT_EQ(split(envelope).records.size(), chunks);

  const Opened whole = open(envelope);
  EXPECT_EQ(whole.error, "");
  EXPECT_TRUE(whole.complete);
  EXPECT_EQ(whole.released, doc);

  std::mt19937 rng(GetParam() + 7);
  const Opened pieces = open(envelope, "order-1", storeKey(), [&] { return 1 + rng() % 300; });
  EXPECT_EQ(pieces.error, "");
  EXPECT_EQ(pieces.released, doc);

  EXPECT_EQ(validate(envelope), "no error");
  EXPECT_EQ(validate(envelope, UINT64_MAX, 7), "no error");
  EXPECT_EQ(spec::open(envelope, "order-1", storeKey()), doc);
}

TEST_P(EnvelopeRoundTrip, SealerFedInPiecesGivesSameFraming) {
  const Bytes doc = pattern(GetParam(), 3);
  for (std::size_t piece : {std::size_t{1}, std::size_t{1000}, std::size_t{kSmallChunk},
                            std::size_t{kSmallChunk + 1}}) {
    const Bytes envelope = seal(doc, "order-1", kSmallChunk, Aead::Aes256Gcm, storeKey(), piece);
    const Parts parts = split(envelope);
    for (std::size_t i = 0; i + 1 < parts.records.size(); ++i) {
      EXPECT_EQ(parts.records[i][0], 0x00);
      EXPECT_EQ(parts.records[i].size(), kPrefixSize + kSmallChunk + kTag);
    }
    EXPECT_EQ(parts.records.back()[0], 0x01);
    EXPECT_EQ(open(envelope).released, doc);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, EnvelopeRoundTrip,
                         testing::Values(0, 1, kSmallChunk - 1, kSmallChunk, kSmallChunk + 1,
                                         3 * kSmallChunk, 5 * kSmallChunk + 17));

TEST(Envelope, RoundTripSeveralMiBInRandomPieces) {
  const Bytes doc = pattern(3 * 1024 * 1024 + 12345, 9);
  std::mt19937 rng(42);
  Bytes envelope;
  Sealer sealer(storeKey().publicKey(), "order-big", [&](std::span<const std::uint8_t> b) {
    envelope.insert(envelope.end(), b.begin(), b.end());
    return true;
  });
  for (std::size_t off = 0; off < doc.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 200000, doc.size() - off);
    sealer.write(std::span(doc).subspan(off, n));
    off += n;
  }
  sealer.finish();
  EXPECT_EQ(split(envelope).records.size(), doc.size() / kDefaultChunkSize + 1);

  // Pieces from 1 byte up to large, mixed.
  const Opened r = open(envelope, "order-big", storeKey(), [&] {
    switch (rng() % 4) {
    case 0:
      return std::size_t{1} + rng() % 8;
    case 1:
      return std::size_t{1} + rng() % 5000;
    case 2:
      return std::size_t{kDefaultChunkSize + kPrefixSize + kTag};
    default:
      return std::size_t{1} + rng() % 400000;
    }
  });
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.released, doc);
  for (std::size_t i = 0; i + 1 < r.releases.size(); ++i) {
    EXPECT_EQ(r.releases[i], kDefaultChunkSize);
  }
  EXPECT_EQ(validate(envelope, UINT64_MAX, 4099), "no error");
}

TEST(Envelope, OneBytePiecesThroughout) {
  const Bytes doc = pattern(2 * kSmallChunk + 100, 5);
  const Bytes envelope = seal(doc);
  const Opened r = open(envelope, "order-1", storeKey(), [] { return std::size_t{1}; });
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.released, doc);
  EXPECT_EQ(validate(envelope, UINT64_MAX, 1), "no error");
}

TEST(Envelope, EveryAeadAndChunkSize) {
  const Bytes doc = pattern(70000, 11);
  for (Aead aead : {Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305}) {
    for (std::uint32_t chunk : {kMinChunkSize, 4096U, kDefaultChunkSize, kMaxChunkSize}) {
      const Bytes envelope = seal(doc, "o", chunk, aead);
      const auto header = parseHeader(envelope);
      ASSERT_TRUE(header.has_value());
      EXPECT_EQ(header->aead, aead);
      EXPECT_EQ(header->chunkSize, chunk);
      EXPECT_EQ(open(envelope, "o").released, doc);
    }
  }
}

TEST(Envelope, ParseHeaderReportsFieldsAndWantsMore) {
  const Bytes envelope = seal(pattern(10), "order-1", 4096, Aead::ChaCha20Poly1305);
  const auto h = parseHeader(envelope);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->version, 1);
  EXPECT_EQ(h->aead, Aead::ChaCha20Poly1305);
  EXPECT_EQ(h->keyId, keyIdFor(storeKey().publicKey()));
  EXPECT_EQ(h->chunkSize, 4096U);
  EXPECT_EQ(h->headerSize, kHeaderSize);
  for (std::size_t n = 0; n < kHeaderSize; ++n) {
    EXPECT_FALSE(parseHeader(std::span(envelope).first(n)).has_value()) << n;
  }
  EXPECT_TRUE(parseHeader(std::span(envelope).first(kHeaderSize)).has_value());
}

TEST(Envelope, ParseHeaderRefusesGarbageAtItsFirstWrongByte) {
  EXPECT_EQ(errorCode([] { parseHeader(asBytes("X")); }), "envelope_malformed");
  EXPECT_EQ(errorCode([] { parseHeader(asBytes("%PDF-1.7")); }), "envelope_malformed");
  Bytes h = seal({}, "o");
  h[8] = 2;
  EXPECT_EQ(errorCode([&] { parseHeader(std::span(h).first(9)); }), "envelope_unsupported");
  Bytes exportOnly = seal({}, "o");
  exportOnly[13] = 0xff;
  exportOnly[14] = 0xff;
  EXPECT_EQ(errorCode([&] { parseHeader(exportOnly); }), "envelope_unsupported");
  EXPECT_EQ(validate(exportOnly), "envelope_unsupported");
}

TEST(Envelope, LowOrderEncIsAnAuthenticationFailure) {
  Bytes bad = seal(pattern(10), "order-1");
  std::fill(bad.begin() + 37, bad.begin() + 69, 0); // u = 0: X25519 gives the zero secret
  const Opened r = open(bad);
  EXPECT_EQ(r.error, "envelope_auth_failed");
  EXPECT_TRUE(r.released.empty());
  EXPECT_EQ(validate(bad), "no error"); // only the key holder can tell
}

TEST(Envelope, KeyIdIsTruncatedSha256OfThePublicKey) {
  const auto& pk = storeKey().publicKey();
  const std::string id = keyIdFor(pk);
  EXPECT_EQ(id.size(), 32U);
  EXPECT_EQ(id, sha256Hex(std::string(pk.begin(), pk.end())).substr(0, 32));
  // RFC 9180 A.1 pkRm, computed independently.
  EXPECT_EQ(
      keyIdFor(hexDecode("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d")),
      sha256Hex(std::string("\x39\x48\xcf\xe0\xad\x1d\xdb\x69\x5d\x78\x0e\x59\x07\x71\x95\xda\x6c"
                            "\x56\x50\x6b\x02\x73\x29\x79\x4a\xb0\x2b\xca\x80\x81\x5c\x4d",
                            32))
          .substr(0, 32));
  EXPECT_EQ(errorCode([] { keyIdFor(Bytes(31)); }), "envelope_invalid_argument");
}

TEST(Envelope, SpecImplementationAgreesBothWays) {
  const KeyPair eph = KeyPair::generate();
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{kSmallChunk},
                           std::size_t{3 * kSmallChunk + 5}}) {
    const Bytes doc = pattern(size, 17);
    const Bytes bySpec =
        spec::seal(storeKey().publicKey(), "order-1", doc, kSmallChunk, Aead::Aes256Gcm, eph);
    EXPECT_EQ(open(bySpec).released, doc);
    EXPECT_EQ(spec::open(seal(doc), "order-1", storeKey()), doc);
  }
}

TEST(Envelope, EmptyFinalChunkAfterFullChunksIsAccepted) {
  const Bytes doc = pattern(2 * kSmallChunk, 19);
  const Bytes envelope = spec::seal(storeKey().publicKey(), "order-1", doc, kSmallChunk,
                                    Aead::Aes256Gcm, KeyPair::generate(), true);
  EXPECT_EQ(split(envelope).records.size(), 3U);
  const Opened r = open(envelope);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.released, doc);
  EXPECT_EQ(validate(envelope), "no error");
}

// ---------------------------------------------------------------------------------------------
// Tampering: each case fails with its code and releases only whole authenticated chunks.

class EnvelopeTamper : public testing::Test {
protected:
  void SetUp() override {
    doc_ = pattern(3 * kSmallChunk + 300, 23); // 3 full chunks and a final one of 300 bytes
    envelope_ = seal(doc_);
    parts_ = split(envelope_);
    ASSERT_EQ(parts_.records.size(), 4U);
  }

  void expectFails(const Bytes& envelope, const std::string& code, std::size_t chunks,
                   const std::string& orderId = "order-1", const KeyPair& key = storeKey()) {
    const Opened whole = open(envelope, orderId, key);
    EXPECT_EQ(whole.error, code);
    expectSafePrefix(whole, doc_, kSmallChunk, chunks);
    std::mt19937 rng(static_cast<std::uint32_t>(envelope.size()));
    const Opened pieces = open(envelope, orderId, key, [&] { return 1 + rng() % 700; });
    EXPECT_EQ(pieces.error, code);
    expectSafePrefix(pieces, doc_, kSmallChunk, chunks);
  }

  Bytes doc_;
  Bytes envelope_;
  Parts parts_;
};

/// What flipping header byte `at` must cause, from the field it lands in.
std::string expectedHeaderFlipCode(const Bytes& header, std::size_t at, bool singleFinalChunk,
                                   std::size_t finalPlaintext) {
  if (at < 8) {
    return "envelope_malformed";
  }
  if (at < 13) {
    return "envelope_unsupported"; // version, KEM id, KDF id
  }
  if (at < 15) {
    const int aead = (header[13] << 8) | header[14];
    return aead >= 1 && aead <= 3 ? "envelope_auth_failed" : "envelope_unsupported";
  }
  if (at < 19) {
    const std::uint32_t chunk = readU32(header, 15);
    if (chunk < kMinChunkSize || chunk > kMaxChunkSize) {
      return "envelope_malformed";
    }
    if (!singleFinalChunk || finalPlaintext > chunk) {
      return "envelope_malformed"; // the first record's length no longer fits
    }
    return "envelope_auth_failed";
  }
  if (at < 35) {
    return "envelope_wrong_key";
  }
  if (at < 37) {
    return "envelope_malformed";
  }
  return "envelope_auth_failed";
}

TEST_F(EnvelopeTamper, EveryHeaderByteFlipped) {
  const Bytes single = seal(pattern(300, 23)); // one final chunk
  for (const Bytes* source : std::initializer_list<const Bytes*>{&envelope_, &single}) {
    const bool singleChunk = source == &single;
    for (std::size_t at = 0; at < kHeaderSize; ++at) {
      for (std::uint8_t mask : {0x01, 0x80, 0xff}) {
        Bytes bad = *source;
        bad[at] ^= mask;
        const std::string code = expectedHeaderFlipCode(bad, at, singleChunk, 300);
        SCOPED_TRACE("byte " + std::to_string(at) + " mask " + std::to_string(mask) +
                     (singleChunk ? " single" : " multi"));
        expectFails(bad, code, 0);
        // The framing check agrees wherever it can know without the key.
        const std::string framing = validate(bad);
        if (code == "envelope_auth_failed" || code == "envelope_wrong_key") {
          EXPECT_EQ(framing, "no error");
        } else {
          EXPECT_EQ(framing, code);
        }
      }
    }
  }
}

TEST_F(EnvelopeTamper, ChunkDropped) {
  for (std::size_t drop = 0; drop < 3; ++drop) {
    Parts p = parts_;
    p.records.erase(p.records.begin() + static_cast<std::ptrdiff_t>(drop));
    expectFails(p.join(), "envelope_auth_failed", drop);
    EXPECT_EQ(validate(p.join()), "no error"); // framing alone cannot see it
  }
  Parts p = parts_;
  p.records.pop_back(); // the final chunk
  expectFails(p.join(), "envelope_truncated", 3);
  EXPECT_EQ(validate(p.join()), "envelope_truncated");
}

TEST_F(EnvelopeTamper, TwoChunksSwapped) {
  Parts p = parts_;
  std::swap(p.records[1], p.records[2]);
  expectFails(p.join(), "envelope_auth_failed", 1);
  Parts q = parts_;
  std::swap(q.records[2], q.records[3]); // the final chunk moved forward
  expectFails(q.join(), "envelope_auth_failed", 2);
}

TEST_F(EnvelopeTamper, ChunkDuplicated) {
  Parts p = parts_;
  p.records.insert(p.records.begin() + 2, p.records[1]);
  expectFails(p.join(), "envelope_auth_failed", 2);
}

TEST_F(EnvelopeTamper, ChunkAppendedAfterFinal) {
  for (std::size_t which : {0U, 3U}) {
    Parts p = parts_;
    p.records.push_back(parts_.records[which]);
    const Opened r = open(p.join());
    EXPECT_EQ(r.error, "envelope_trailing_data");
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(r.released, doc_); // the whole document had authenticated before the extra bytes
    EXPECT_EQ(validate(p.join()), "envelope_trailing_data");
  }
}

TEST_F(EnvelopeTamper, DataAppended) {
  for (const Bytes& extra : {Bytes{0x00}, Bytes(1000, 0x41)}) {
    Bytes bad = envelope_;
    bad.insert(bad.end(), extra.begin(), extra.end());
    const Opened r = open(bad);
    EXPECT_EQ(r.error, "envelope_trailing_data");
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(validate(bad), "envelope_trailing_data");
    EXPECT_EQ(validate(bad, UINT64_MAX, 3), "envelope_trailing_data");
  }
}

TEST_F(EnvelopeTamper, TruncatedAtEveryChunkBoundary) {
  std::size_t boundary = kHeaderSize;
  for (std::size_t chunks = 0; chunks < parts_.records.size(); ++chunks) {
    const Bytes cut(envelope_.begin(), envelope_.begin() + static_cast<std::ptrdiff_t>(boundary));
    expectFails(cut, "envelope_truncated", chunks);
    EXPECT_EQ(validate(cut), "envelope_truncated");
    boundary += parts_.records[chunks].size();
  }
  EXPECT_EQ(boundary, envelope_.size());
  expectFails({}, "envelope_truncated", 0);
}

TEST_F(EnvelopeTamper, TruncatedMidChunk) {
  std::vector<std::size_t> cuts;
  for (std::size_t at = 1; at < envelope_.size(); at += 97) {
    cuts.push_back(at);
  }
  std::size_t boundary = kHeaderSize;
  for (const auto& r : parts_.records) {
    for (std::size_t d : {1U, 2U, 4U, 5U, 6U, 100U}) { // in the prefix, just after, inside
      cuts.push_back(boundary + d);
    }
    boundary += r.size();
    cuts.push_back(boundary - 1);
  }
  for (std::size_t at : cuts) {
    if (at >= envelope_.size()) {
      continue;
    }
    // Whole chunks that fit completely before the cut are released, nothing else.
    std::size_t chunks = 0;
    std::size_t end = kHeaderSize;
    for (const auto& r : parts_.records) {
      end += r.size();
      if (end <= at) {
        ++chunks;
      }
    }
    SCOPED_TRACE("cut at " + std::to_string(at));
    expectFails(Bytes(envelope_.begin(), envelope_.begin() + static_cast<std::ptrdiff_t>(at)),
                "envelope_truncated", chunks);
  }
}

TEST_F(EnvelopeTamper, WrongRecipientKey) {
  const KeyPair other = KeyPair::generate();
  expectFails(envelope_, "envelope_wrong_key", 0, "order-1", other);
  // Even with the key id rewritten to the other key, nothing opens.
  Bytes bad = envelope_;
  const Bytes otherId = hexDecode(keyIdFor(other.publicKey()));
  std::copy(otherId.begin(), otherId.end(), bad.begin() + 19);
  expectFails(bad, "envelope_auth_failed", 0, "order-1", other);
}

TEST_F(EnvelopeTamper, WrongOrderId) {
  expectFails(envelope_, "envelope_auth_failed", 0, "order-2");
  expectFails(envelope_, "envelope_auth_failed", 0, "order-1 ");
}

TEST_F(EnvelopeTamper, ChunkSplicedFromAnotherEnvelopeOfTheSameKey) {
  const Parts other = split(seal(doc_)); // same key, same order, same document, other enc
  for (std::size_t i = 0; i < parts_.records.size(); ++i) {
    Parts p = parts_;
    p.records[i] = other.records[i];
    expectFails(p.join(), "envelope_auth_failed", i);
  }
  Parts header = other;
  header.header = parts_.header;
  expectFails(header.join(), "envelope_auth_failed", 0);
}

TEST_F(EnvelopeTamper, FinalFlagFlipped) {
  Parts p = parts_;
  p.records[1][0] = 0x01; // a middle chunk claims to be final
  expectFails(p.join(), "envelope_auth_failed", 1);
  Parts q = parts_;
  q.records[3][0] = 0x00; // the final chunk claims more follow: its length is wrong for that
  expectFails(q.join(), "envelope_malformed", 3);
  Parts r = parts_;
  r.records[2][0] = 0x02;
  expectFails(r.join(), "envelope_malformed", 2);
  EXPECT_EQ(validate(r.join()), "envelope_malformed");
}

TEST_F(EnvelopeTamper, RecordLengthsOutOfRange) {
  for (std::uint32_t len : {0U, 15U, kSmallChunk + 17U, 0xffffffffU}) {
    Parts p = parts_;
    Bytes& rec = p.records[3];
    rec[1] = static_cast<std::uint8_t>(len >> 24);
    rec[2] = static_cast<std::uint8_t>(len >> 16);
    rec[3] = static_cast<std::uint8_t>(len >> 8);
    rec[4] = static_cast<std::uint8_t>(len);
    expectFails(p.join(), "envelope_malformed", 3);
    EXPECT_EQ(validate(p.join()), "envelope_malformed");
  }
  Parts p = parts_;
  p.records[0][4] ^= 0x01; // a non-final chunk that is not exactly one chunk long
  expectFails(p.join(), "envelope_malformed", 0);
}

TEST_F(EnvelopeTamper, CiphertextByteFlipped) {
  for (std::size_t rec = 0; rec < parts_.records.size(); ++rec) {
    for (std::size_t at : {kPrefixSize, kPrefixSize + 100, parts_.records[rec].size() - 1}) {
      Parts p = parts_;
      p.records[rec][at] ^= 0x04;
      expectFails(p.join(), "envelope_auth_failed", rec);
    }
  }
}

TEST_F(EnvelopeTamper, PlaintextLimit) {
  const Opened exact = open(envelope_, "order-1", storeKey(), {}, doc_.size());
  EXPECT_EQ(exact.error, "");
  EXPECT_EQ(exact.released, doc_);
  const Opened over = open(envelope_, "order-1", storeKey(), {}, doc_.size() - 1);
  EXPECT_EQ(over.error, "envelope_too_large");
  expectSafePrefix(over, doc_, kSmallChunk, 3);
  const Opened tiny = open(envelope_, "order-1", storeKey(), {}, 10);
  EXPECT_EQ(tiny.error, "envelope_too_large");
  EXPECT_TRUE(tiny.released.empty());
}

TEST_F(EnvelopeTamper, FramingLimit) {
  EXPECT_EQ(validate(envelope_, envelope_.size()), "no error");
  EXPECT_EQ(validate(envelope_, envelope_.size() - 1), "envelope_too_large");
  EXPECT_EQ(validate(envelope_, envelope_.size() - 1, 100), "envelope_too_large");
  FramingValidator v;
  v.write(envelope_);
  v.finish();
  ASSERT_TRUE(v.header().has_value());
  EXPECT_EQ(v.header()->chunkSize, kSmallChunk);
  EXPECT_EQ(v.bytesSeen(), envelope_.size());
}

TEST_F(EnvelopeTamper, SinkRefusalStopsTheStream) {
  int calls = 0;
  Opener opener(storeKey(), "order-1", [&](std::span<const std::uint8_t>) {
    ++calls;
    return calls < 2;
  });
  EXPECT_EQ(errorCode([&] { opener.write(envelope_); }), "envelope_sink_aborted");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(errorCode([&] { opener.write(envelope_); }), "envelope_sink_aborted");
  EXPECT_EQ(errorCode([&] { opener.finish(); }), "envelope_sink_aborted");
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(opener.complete());

  Opener throwing(storeKey(), "order-1",
                  [](std::span<const std::uint8_t>) -> bool { throw std::runtime_error("disk"); });
  EXPECT_THROW(throwing.write(envelope_), std::runtime_error);
  EXPECT_EQ(errorCode([&] { throwing.finish(); }), "envelope_sink_aborted");
}

// ---------------------------------------------------------------------------------------------
// Sealer misuse

TEST(EnvelopeSealer, RefusesBadArguments) {
  const auto ok = [](std::span<const std::uint8_t>) { return true; };
  const auto& pk = storeKey().publicKey();
  EXPECT_EQ(errorCode([&] { Sealer(Bytes(31), "o", ok); }), "envelope_invalid_argument");
  EXPECT_EQ(errorCode([&] { Sealer(pk, "", ok); }), "envelope_invalid_argument");
  EXPECT_EQ(errorCode([&] { Sealer(pk, std::string(256, 'x'), ok); }), "envelope_invalid_argument");
  EXPECT_EQ(errorCode([&] { Sealer(pk, std::string(255, 'x'), ok); }), "no error");
  EXPECT_EQ(errorCode([&] { Sealer(pk, "o", ok, kMinChunkSize - 1); }),
            "envelope_invalid_argument");
  EXPECT_EQ(errorCode([&] { Sealer(pk, "o", ok, kMaxChunkSize + 1); }),
            "envelope_invalid_argument");
  EXPECT_EQ(errorCode([&] { Sealer(pk, "o", ok, kDefaultChunkSize, Aead::ExportOnly); }),
            "envelope_invalid_argument");
  EXPECT_EQ(errorCode([&] { Opener(storeKey(), "", ok); }), "envelope_invalid_argument");

  Sealer sealer(pk, "o", ok);
  sealer.finish();
  sealer.finish(); // harmless
  EXPECT_EQ(errorCode([&] { sealer.write(asBytes("late")); }), "envelope_invalid_argument");
}

TEST(EnvelopeSealer, SinkRefusalStopsSealing) {
  int calls = 0;
  Sealer sealer(
      storeKey().publicKey(), "o", [&](std::span<const std::uint8_t>) { return ++calls < 2; },
      kSmallChunk);
  EXPECT_EQ(errorCode([&] { sealer.write(pattern(5 * kSmallChunk)); }), "envelope_sink_aborted");
  EXPECT_EQ(errorCode([&] { sealer.write(asBytes("more")); }), "envelope_sink_aborted");
  EXPECT_EQ(errorCode([&] { sealer.finish(); }), "envelope_sink_aborted");
}

TEST(EnvelopeSealer, OutputStartsOnlyWhenAChunkIsKnown) {
  std::size_t out = 0;
  Sealer sealer(
      storeKey().publicKey(), "o",
      [&](std::span<const std::uint8_t> b) {
        out += b.size();
        return true;
      },
      kSmallChunk);
  sealer.write(pattern(kSmallChunk));
  EXPECT_EQ(out, 0U); // a full chunk may still be the last one
  sealer.write(pattern(1));
  EXPECT_EQ(out, kHeaderSize + kPrefixSize + kSmallChunk + kTag);
  sealer.finish();
  EXPECT_EQ(out, sealer.ciphertextBytes());
}

// ---------------------------------------------------------------------------------------------
// The worked examples in docs/envelope.md

/// The fenced block that follows `<!-- check:NAME -->` in docs/envelope.md, whitespace removed.
std::string documented(const std::string& name) {
  std::ifstream in(std::string(PRINTRELAY_DOCS_DIR) + "/envelope.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto marker = doc.find("<!-- check:" + name + " -->");
  if (marker == std::string::npos) {
    return "(missing " + name + ")";
  }
  const auto fence = doc.find("```", marker);
  const auto start = doc.find('\n', fence) + 1;
  const auto close = doc.find("```", start);
  std::string value;
  for (char c : doc.substr(start, close - start)) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      value += c;
    }
  }
  return value;
}

Bytes ramp(std::uint8_t from) {
  Bytes b(32);
  for (std::size_t i = 0; i < b.size(); ++i) {
    b[i] = static_cast<std::uint8_t>(from + i);
  }
  return b;
}

struct Example {
  KeyPair recipient = KeyPair::derive(ramp(0x00));
  KeyPair ephemeral = KeyPair::derive(ramp(0x20));
  std::string orderId = "ord_2Xb7QfK9";
};

TEST(EnvelopeDocs, ExampleKeys) {
  const Example ex;
  EXPECT_EQ(hexEncode(ex.recipient.privateKey()), documented("recipient.sk"));
  EXPECT_EQ(hexEncode(ex.recipient.publicKey()), documented("recipient.pk"));
  EXPECT_EQ(keyIdFor(ex.recipient.publicKey()), documented("recipient.key_id"));
  EXPECT_EQ(hexEncode(ex.ephemeral.privateKey()), documented("ephemeral.sk"));
  EXPECT_EQ(hexEncode(ex.ephemeral.publicKey()), documented("ephemeral.pk"));
  EXPECT_EQ(hexEncode(spec::info(ex.orderId)), documented("info"));
  const hpke::SenderSetup s = hpke::setupBaseSender(Aead::Aes256Gcm, ex.recipient.publicKey(),
                                                    spec::info(ex.orderId), &ex.ephemeral);
  EXPECT_EQ(hexEncode(s.context.key()), documented("key"));
  EXPECT_EQ(hexEncode(s.context.baseNonce()), documented("base_nonce"));
}

TEST(EnvelopeDocs, ExampleOneChunk) {
  const Example ex;
  const std::string text = "Hello, print shop!\n";
  const Bytes doc(text.begin(), text.end());
  const Bytes envelope = spec::seal(ex.recipient.publicKey(), ex.orderId, doc, kDefaultChunkSize,
                                    Aead::Aes256Gcm, ex.ephemeral);
  EXPECT_EQ(hexEncode(std::span(envelope).first(kHeaderSize)), documented("example1.header"));
  EXPECT_EQ(hexEncode(spec::aad(split(envelope).header, 0, true)), documented("example1.aad0"));
  EXPECT_EQ(hexEncode(envelope), documented("example1.envelope"));
  const Opened r = open(hexDecode(documented("example1.envelope")), ex.orderId, ex.recipient);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.released, doc);
}

TEST(EnvelopeDocs, ExampleEmptyDocument) {
  const Example ex;
  const Bytes envelope = spec::seal(ex.recipient.publicKey(), ex.orderId, {}, kMinChunkSize,
                                    Aead::Aes256Gcm, ex.ephemeral);
  EXPECT_EQ(hexEncode(envelope), documented("example2.envelope"));
  const Opened r = open(hexDecode(documented("example2.envelope")), ex.orderId, ex.recipient);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.released.empty());
}

TEST(EnvelopeDocs, ExampleTwoChunks) {
  const Example ex;
  Bytes doc(kMinChunkSize + 1);
  for (std::size_t i = 0; i < doc.size(); ++i) {
    doc[i] = static_cast<std::uint8_t>(i % 251);
  }
  const Bytes envelope = spec::seal(ex.recipient.publicKey(), ex.orderId, doc, kMinChunkSize,
                                    Aead::Aes256Gcm, ex.ephemeral);
  const Parts parts = split(envelope);
  ASSERT_EQ(parts.records.size(), 2U);
  EXPECT_EQ(hexEncode(std::span(parts.records[0]).first(kPrefixSize)),
            documented("example3.prefix0"));
  EXPECT_EQ(hexEncode(std::span(parts.records[0]).last(kTag)), documented("example3.tag0"));
  const Bytes aad1 = spec::aad(parts.header, 1, true);
  EXPECT_EQ(hexEncode(std::span(aad1).last(9)), documented("example3.aad1_tail"));
  EXPECT_EQ(hexEncode(parts.records[1]), documented("example3.record1"));
  EXPECT_EQ(sha256Hex(std::string(envelope.begin(), envelope.end())),
            documented("example3.sha256"));
  EXPECT_EQ(std::to_string(envelope.size()), documented("example3.size"));
  EXPECT_EQ(open(envelope, ex.orderId, ex.recipient).released, doc);
}

} // namespace
} // namespace printrelay::envelope
