#include "common/crypto/hpke.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "tests/support/error_code.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string>
#include <vector>

namespace printrelay::hpke {
namespace {

using nlohmann::json;
using test_support::errorCode;

const json& allVectors() {
  static const json vectors = [] {
    std::ifstream in(std::string(PRINTRELAY_TEST_DATA_DIR) + "/hpke-rfc9180-x25519.json");
    if (!in) {
      throw std::runtime_error("cannot open the RFC 9180 test vectors");
    }
    return json::parse(in).at("vectors");
  }();
  return vectors;
}

/// The base-mode (mode 0) vector for `aead`.
const json& baseVector(Aead aead) {
  for (const auto& v : allVectors()) {
    if (v.at("mode") == 0 && v.at("kem_id") == 0x20 && v.at("kdf_id") == 1 &&
        v.at("aead_id") == static_cast<int>(aead)) {
      return v;
    }
  }
  throw std::runtime_error("no base-mode vector for this AEAD");
}

Bytes hex(const json& v, const char* field) {
  return hexDecode(v.at(field).get<std::string>());
}

template <std::size_t N> Bytes toBytes(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

std::string aeadName(const testing::TestParamInfo<Aead>& info) {
  switch (info.param) {
  case Aead::Aes128Gcm:
    return "Aes128Gcm";
  case Aead::Aes256Gcm:
    return "Aes256Gcm";
  case Aead::ChaCha20Poly1305:
    return "ChaCha20Poly1305";
  case Aead::ExportOnly:
    break;
  }
  return "ExportOnly";
}

class HpkeVectorTest : public testing::TestWithParam<Aead> {
protected:
  const json& vector() const { return baseVector(GetParam()); }
  KeyPair recipient() const { return KeyPair::fromPrivateKey(hex(vector(), "skRm")); }
  KeyPair ephemeral() const { return KeyPair::fromPrivateKey(hex(vector(), "skEm")); }
  SenderSetup sender() const {
    const KeyPair eph = ephemeral();
    return setupBaseSender(GetParam(), hex(vector(), "pkRm"), hex(vector(), "info"), &eph);
  }
  Context receiver() const {
    return setupBaseRecipient(GetParam(), hex(vector(), "enc"), recipient(), hex(vector(), "info"));
  }
};

TEST(HpkeVectorsFile, HoldsEveryBaseModeVector) {
  int base = 0;
  for (const auto& v : allVectors()) {
    if (v.at("mode") == 0) {
      ++base;
      EXPECT_EQ(v.at("encryptions").size(), 257U);
      EXPECT_FALSE(v.at("exports").empty());
    }
  }
  EXPECT_EQ(base, 3);
}

TEST_P(HpkeVectorTest, DeriveKeyPairGivesRecipientKeys) {
  const KeyPair pair = KeyPair::derive(hex(vector(), "ikmR"));
  EXPECT_EQ(toBytes(pair.privateKey()), hex(vector(), "skRm"));
  EXPECT_EQ(toBytes(pair.publicKey()), hex(vector(), "pkRm"));
}

TEST_P(HpkeVectorTest, PrivateKeyGivesPublicKey) {
  EXPECT_EQ(toBytes(recipient().publicKey()), hex(vector(), "pkRm"));
  EXPECT_EQ(toBytes(ephemeral().publicKey()), hex(vector(), "enc"));
}

TEST_P(HpkeVectorTest, SenderSetupGivesEncAndKeySchedule) {
  const SenderSetup setup = sender();
  EXPECT_EQ(setup.enc, hex(vector(), "enc"));
  EXPECT_EQ(setup.context.sequence(), 0U);
  EXPECT_EQ(setup.context.aead(), GetParam());
  if (vector().contains("_rfc9180_A.1.1")) {
    const json& a = vector().at("_rfc9180_A.1.1");
    EXPECT_EQ(setup.context.key(), hex(a, "key"));
    EXPECT_EQ(setup.context.baseNonce(), hex(a, "base_nonce"));
    EXPECT_EQ(setup.context.exporterSecret(), hex(a, "exporter_secret"));
  }
}

TEST_P(HpkeVectorTest, RecipientSetupMatchesSender) {
  const SenderSetup setup = sender();
  const Context ctx = receiver();
  EXPECT_EQ(ctx.key(), setup.context.key());
  EXPECT_EQ(ctx.baseNonce(), setup.context.baseNonce());
  EXPECT_EQ(ctx.exporterSecret(), setup.context.exporterSecret());
}

TEST_P(HpkeVectorTest, EveryEncryptionSeals) {
  SenderSetup setup = sender();
  std::uint64_t seq = 0;
  for (const auto& e : vector().at("encryptions")) {
    ASSERT_EQ(e.at("seq").get<std::uint64_t>(), seq);
    EXPECT_EQ(setup.context.seal(hex(e, "aad"), hex(e, "pt")), hex(e, "ct")) << "seq " << seq;
    ++seq;
    EXPECT_EQ(setup.context.sequence(), seq);
  }
}

TEST_P(HpkeVectorTest, EveryEncryptionOpens) {
  Context ctx = receiver();
  std::uint64_t seq = 0;
  for (const auto& e : vector().at("encryptions")) {
    ASSERT_EQ(e.at("seq").get<std::uint64_t>(), seq);
    const auto pt = ctx.open(hex(e, "aad"), hex(e, "ct"));
    ASSERT_TRUE(pt.has_value()) << "seq " << seq;
    EXPECT_EQ(*pt, hex(e, "pt")) << "seq " << seq;
    ++seq;
    EXPECT_EQ(ctx.sequence(), seq);
  }
}

TEST_P(HpkeVectorTest, EveryExportMatches) {
  const SenderSetup setup = sender();
  const Context ctx = receiver();
  for (const auto& x : vector().at("exports")) {
    const Bytes context = hex(x, "exporter_context");
    const auto length = x.at("L").get<std::size_t>();
    EXPECT_EQ(setup.context.exportSecret(context, length), hex(x, "exported_value"));
    EXPECT_EQ(ctx.exportSecret(context, length), hex(x, "exported_value"));
  }
}

// The vector file gives ikmE, key, base_nonce and exporter_secret only for AES-128-GCM (A.1.1).
TEST(HpkeRfc9180A11, ContextFromRawSecretsMatchesVectors) {
  const json& v = baseVector(Aead::Aes128Gcm);
  const json& a = v.at("_rfc9180_A.1.1");
  const KeyPair eph = KeyPair::derive(hex(a, "ikmE"));
  EXPECT_EQ(toBytes(eph.privateKey()), hex(v, "skEm"));
  EXPECT_EQ(toBytes(eph.publicKey()), hex(a, "pkEm"));
  Context ctx(Aead::Aes128Gcm, hex(a, "key"), hex(a, "base_nonce"), hex(a, "exporter_secret"));
  for (const auto& e : v.at("encryptions")) {
    EXPECT_EQ(ctx.seal(hex(e, "aad"), hex(e, "pt")), hex(e, "ct"));
  }
  for (const auto& x : v.at("exports")) {
    EXPECT_EQ(ctx.exportSecret(hex(x, "exporter_context"), x.at("L").get<std::size_t>()),
              hex(x, "exported_value"));
  }
}

TEST_P(HpkeVectorTest, WrongTagFailsAndKeepsSequence) {
  Context ctx = receiver();
  const json& first = vector().at("encryptions").at(0);
  Bytes ct = hex(first, "ct");
  ct.back() ^= 0x01;
  EXPECT_FALSE(ctx.open(hex(first, "aad"), ct).has_value());
  EXPECT_EQ(ctx.sequence(), 0U);
  // The right ciphertext still opens at the same sequence number.
  const auto pt = ctx.open(hex(first, "aad"), hex(first, "ct"));
  ASSERT_TRUE(pt.has_value());
  EXPECT_EQ(*pt, hex(first, "pt"));
  EXPECT_EQ(ctx.sequence(), 1U);
}

TEST_P(HpkeVectorTest, TamperedCiphertextAadOrOrderFails) {
  const json& encryptions = vector().at("encryptions");
  {
    Context ctx = receiver();
    Bytes ct = hex(encryptions.at(0), "ct");
    ct.front() ^= 0x80;
    EXPECT_FALSE(ctx.open(hex(encryptions.at(0), "aad"), ct).has_value());
  }
  {
    Context ctx = receiver();
    Bytes aad = hex(encryptions.at(0), "aad");
    aad.push_back(0);
    EXPECT_FALSE(ctx.open(aad, hex(encryptions.at(0), "ct")).has_value());
  }
  {
    // Messages out of order fail: the nonce depends on the sequence number.
    Context ctx = receiver();
    EXPECT_FALSE(ctx.open(hex(encryptions.at(1), "aad"), hex(encryptions.at(1), "ct")));
    EXPECT_EQ(ctx.sequence(), 0U);
  }
  {
    Context ctx = receiver();
    const Bytes ct = hex(encryptions.at(0), "ct");
    EXPECT_FALSE(ctx.open(hex(encryptions.at(0), "aad"), std::span(ct).first(15)).has_value());
    EXPECT_FALSE(ctx.open({}, {}).has_value());
  }
}

TEST_P(HpkeVectorTest, WrongInfoOrKeyGivesDifferentContext) {
  Bytes info = hex(vector(), "info");
  info.push_back('!');
  const Context wrongInfo = setupBaseRecipient(GetParam(), hex(vector(), "enc"), recipient(), info);
  EXPECT_NE(wrongInfo.key(), sender().context.key());
  const Context wrongKey = setupBaseRecipient(GetParam(), hex(vector(), "enc"), KeyPair::generate(),
                                              hex(vector(), "info"));
  EXPECT_NE(wrongKey.key(), sender().context.key());
}

TEST_P(HpkeVectorTest, MovedContextKeepsItsSequence) {
  SenderSetup setup = sender();
  const json& encryptions = vector().at("encryptions");
  setup.context.seal(hex(encryptions.at(0), "aad"), hex(encryptions.at(0), "pt"));
  Context moved(std::move(setup.context));
  EXPECT_EQ(moved.sequence(), 1U);
  EXPECT_EQ(moved.seal(hex(encryptions.at(1), "aad"), hex(encryptions.at(1), "pt")),
            hex(encryptions.at(1), "ct"));
  Context assigned = receiver();
  assigned = std::move(moved);
  EXPECT_EQ(assigned.sequence(), 2U);
}

INSTANTIATE_TEST_SUITE_P(Rfc9180, HpkeVectorTest,
                         testing::Values(Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305),
                         aeadName);

// ---------------------------------------------------------------------------------------------

TEST(Hpke, GeneratedKeysAreDistinctAndRebuild) {
  const KeyPair a = KeyPair::generate();
  const KeyPair b = KeyPair::generate();
  EXPECT_NE(a.privateKey(), b.privateKey());
  EXPECT_NE(a.publicKey(), b.publicKey());
  const KeyPair again = KeyPair::fromPrivateKey(a.privateKey());
  EXPECT_EQ(again.publicKey(), a.publicKey());
}

TEST(Hpke, RoundTripWithFreshEphemeralKey) {
  const KeyPair recipient = KeyPair::generate();
  const Bytes info = hexDecode("0102");
  for (Aead aead : {Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305}) {
    SenderSetup s = setupBaseSender(aead, recipient.publicKey(), info);
    Context r = setupBaseRecipient(aead, s.enc, recipient, info);
    for (int i = 0; i < 3; ++i) {
      const Bytes pt(static_cast<std::size_t>(i) * 1000, static_cast<std::uint8_t>(i));
      const Bytes ct = s.context.seal(asBytes("aad"), pt);
      EXPECT_EQ(ct.size(), pt.size() + tagSize(aead));
      EXPECT_EQ(r.open(asBytes("aad"), ct), pt);
    }
  }
}

TEST(Hpke, ExportOnlyContextExportsButCannotSeal) {
  const KeyPair recipient = KeyPair::generate();
  SenderSetup s = setupBaseSender(Aead::ExportOnly, recipient.publicKey(), asBytes("info"));
  Context r = setupBaseRecipient(Aead::ExportOnly, s.enc, recipient, asBytes("info"));
  EXPECT_TRUE(s.context.key().empty());
  EXPECT_TRUE(s.context.baseNonce().empty());
  EXPECT_EQ(s.context.exportSecret(asBytes("ctx"), 64), r.exportSecret(asBytes("ctx"), 64));
  EXPECT_NE(s.context.exportSecret(asBytes("ctx"), 32), r.exportSecret(asBytes("ctx2"), 32));
  EXPECT_EQ(errorCode([&] { s.context.seal({}, asBytes("x")); }), "hpke_export_only");
  EXPECT_EQ(errorCode([&] { r.open({}, Bytes(32)); }), "hpke_export_only");
  EXPECT_EQ(tagSize(Aead::ExportOnly), 0U);
  EXPECT_EQ(tagSize(Aead::Aes256Gcm), 16U);
  // The suite id differs, so the exporter differs from a sealing suite's on the same keys.
  const KeyPair eph = KeyPair::generate();
  const SenderSetup e1 = setupBaseSender(Aead::ExportOnly, recipient.publicKey(), {}, &eph);
  const SenderSetup e2 = setupBaseSender(Aead::Aes128Gcm, recipient.publicKey(), {}, &eph);
  EXPECT_NE(e1.context.exporterSecret(), e2.context.exporterSecret());
}

/// HKDF-Expand with HMAC-SHA256 written out from RFC 5869, to check long exporter contexts.
Bytes referenceExpand(std::span<const std::uint8_t> prk, std::span<const std::uint8_t> info,
                      std::size_t length) {
  Bytes out;
  Bytes t;
  for (std::uint8_t counter = 1; out.size() < length; ++counter) {
    Bytes input = t;
    input.insert(input.end(), info.begin(), info.end());
    input.push_back(counter);
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    t.assign(32, 0);
    std::size_t n = 0;
    EXPECT_EQ(EVP_MAC_init(ctx, prk.data(), prk.size(), params), 1);
    EXPECT_EQ(EVP_MAC_update(ctx, input.data(), input.size()), 1);
    EXPECT_EQ(EVP_MAC_final(ctx, t.data(), &n, t.size()), 1);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return out;
}

TEST(Hpke, ExportLimits) {
  const json& v = baseVector(Aead::Aes128Gcm);
  const Context ctx = setupBaseRecipient(Aead::Aes128Gcm, hex(v, "enc"),
                                         KeyPair::fromPrivateKey(hex(v, "skRm")), hex(v, "info"));
  EXPECT_TRUE(ctx.exportSecret({}, 0).empty());
  EXPECT_EQ(ctx.exportSecret({}, 8160).size(), 8160U);
  EXPECT_EQ(errorCode([&] { ctx.exportSecret({}, 8161); }), "hpke_invalid_argument");
  const Bytes longContext(16 * 1024, 0x5a);
  // LabeledExpand(exporter_secret, "sec", ctx, L): info = I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite ‖ "sec".
  Bytes labeled = {0x00, 0x40};
  for (char c : std::string_view("HPKE-v1HPKE")) {
    labeled.push_back(static_cast<std::uint8_t>(c));
  }
  labeled.insert(labeled.end(), {0x00, 0x20, 0x00, 0x01, 0x00, 0x01, 's', 'e', 'c'});
  labeled.insert(labeled.end(), longContext.begin(), longContext.end());
  EXPECT_EQ(ctx.exportSecret(longContext, 64), referenceExpand(ctx.exporterSecret(), labeled, 64));
  EXPECT_EQ(errorCode([&] { ctx.exportSecret(Bytes(16 * 1024 + 1), 32); }),
            "hpke_invalid_argument");
}

TEST(Hpke, RefusesBadKeysAndSizes) {
  const KeyPair recipient = KeyPair::generate();
  EXPECT_EQ(errorCode([] { KeyPair::fromPrivateKey(Bytes(31)); }), "hpke_invalid_key");
  EXPECT_EQ(errorCode([] { KeyPair::fromPrivateKey(Bytes(33)); }), "hpke_invalid_key");
  EXPECT_EQ(errorCode([] { KeyPair::derive(Bytes(31)); }), "hpke_invalid_argument");
  EXPECT_EQ(errorCode([] { setupBaseSender(Aead::Aes256Gcm, Bytes(31), {}); }), "hpke_invalid_key");
  EXPECT_EQ(errorCode([&] { setupBaseRecipient(Aead::Aes256Gcm, Bytes(31), recipient, {}); }),
            "hpke_decap_failed");
  EXPECT_EQ(errorCode([&] { setupBaseRecipient(Aead::Aes256Gcm, Bytes(33), recipient, {}); }),
            "hpke_decap_failed");
  EXPECT_EQ(errorCode([&] { setupBaseSender(static_cast<Aead>(7), recipient.publicKey(), {}); }),
            "hpke_invalid_argument");
  EXPECT_EQ(errorCode([] { Context(Aead::Aes256Gcm, Bytes(16), Bytes(12), Bytes(32)); }),
            "hpke_invalid_argument");
  EXPECT_EQ(errorCode([] { Context(Aead::Aes128Gcm, Bytes(16), Bytes(11), Bytes(32)); }),
            "hpke_invalid_argument");
  EXPECT_EQ(errorCode([] { Context(Aead::Aes128Gcm, Bytes(16), Bytes(12), Bytes(31)); }),
            "hpke_invalid_argument");
}

TEST(Hpke, RefusesLowOrderPublicKeys) {
  const KeyPair recipient = KeyPair::generate();
  // u = 0 and u = 1 are points of small order: X25519 with them is all zeros.
  Bytes zero(32, 0);
  Bytes one(32, 0);
  one[0] = 1;
  for (const Bytes& bad : {zero, one}) {
    EXPECT_EQ(errorCode([&] { setupBaseSender(Aead::Aes256Gcm, bad, {}); }), "hpke_encap_failed");
    EXPECT_EQ(errorCode([&] { setupBaseRecipient(Aead::Aes256Gcm, bad, recipient, {}); }),
              "hpke_decap_failed");
  }
}

} // namespace
} // namespace printrelay::hpke
