// The chunked document envelope: round trips of every size, AEAD and chunk size, the header
// parser, and the Sealer's refusals.
#include "tests/common/crypto/envelope_fixture.h"

namespace printrelay::envelope {
namespace {

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

} // namespace
} // namespace printrelay::envelope
