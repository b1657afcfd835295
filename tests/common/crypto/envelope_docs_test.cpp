// The worked examples of docs/envelope.md, checked byte by byte.
#include "tests/common/crypto/envelope_fixture.h"

namespace printrelay::envelope {
namespace {

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
