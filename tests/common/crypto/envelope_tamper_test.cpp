// The chunked document envelope under attack: every tampering fails with its code and releases
// only whole authenticated chunks.
#include "tests/common/crypto/envelope_fixture.h"

namespace printrelay::envelope {
namespace {

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

} // namespace
} // namespace printrelay::envelope
