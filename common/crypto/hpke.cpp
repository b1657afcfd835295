#include "common/crypto/hpke.h"

#include "common/util/error.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string_view>

namespace printrelay::hpke {
namespace {

// RFC 9180 constants for DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256.
constexpr std::size_t kNsecret = 32; // KEM shared secret
constexpr std::size_t kNenc = 32;    // encapsulated key
constexpr std::size_t kNpk = 32;
constexpr std::size_t kNsk = 32;
constexpr std::size_t kNh = 32; // HKDF-SHA256 output
constexpr std::size_t kNn = 12; // nonce of every AEAD here
constexpr std::size_t kNt = 16; // tag of every AEAD here
constexpr std::uint8_t kModeBase = 0x00;
constexpr std::string_view kVersionLabel = "HPKE-v1";
// OpenSSL 3.0's HKDF refuses an info longer than 32 KiB; stay well below it.
constexpr std::size_t kMaxExpandInfo = 16 * 1024;

struct KdfDeleter {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
};
struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct CipherDeleter {
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
};
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using KdfPtr = std::unique_ptr<EVP_KDF, KdfDeleter>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherDeleter>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

[[noreturn]] void cryptoFailed(const char* what) {
  throw Error("hpke_crypto_failed", std::string("OpenSSL failed: ") + what);
}

void wipe(Bytes& b) {
  if (!b.empty()) {
    OPENSSL_cleanse(b.data(), b.size());
  }
}

/// A byte buffer holding a secret; wiped when it goes out of scope.
struct Secret {
  Bytes bytes;
  Secret() = default;
  explicit Secret(Bytes b) : bytes(std::move(b)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { wipe(bytes); }
};

void append(Bytes& out, std::span<const std::uint8_t> data) {
  out.insert(out.end(), data.begin(), data.end());
}

void append(Bytes& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

void appendU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

Bytes kemSuiteId() {
  Bytes id;
  append(id, std::string_view("KEM"));
  appendU16(id, static_cast<std::uint16_t>(Kem::X25519HkdfSha256));
  return id;
}

Bytes hpkeSuiteId(Aead aead) {
  Bytes id;
  append(id, std::string_view("HPKE"));
  appendU16(id, static_cast<std::uint16_t>(Kem::X25519HkdfSha256));
  appendU16(id, static_cast<std::uint16_t>(Kdf::HkdfSha256));
  appendU16(id, static_cast<std::uint16_t>(aead));
  return id;
}

std::size_t keySize(Aead aead) {
  switch (aead) {
  case Aead::Aes128Gcm:
    return 16;
  case Aead::Aes256Gcm:
  case Aead::ChaCha20Poly1305:
    return 32;
  case Aead::ExportOnly:
    return 0;
  }
  throw Error("hpke_invalid_argument", "unknown AEAD id");
}

std::size_t nonceSize(Aead aead) {
  return aead == Aead::ExportOnly ? 0 : kNn;
}

const char* cipherName(Aead aead) {
  switch (aead) {
  case Aead::Aes128Gcm:
    return "AES-128-GCM";
  case Aead::Aes256Gcm:
    return "AES-256-GCM";
  case Aead::ChaCha20Poly1305:
    return "ChaCha20-Poly1305";
  case Aead::ExportOnly:
    break;
  }
  throw Error("hpke_export_only", "the export-only AEAD cannot seal or open");
}

void checkAead(Aead aead) {
  switch (aead) {
  case Aead::Aes128Gcm:
  case Aead::Aes256Gcm:
  case Aead::ChaCha20Poly1305:
  case Aead::ExportOnly:
    return;
  }
  throw Error("hpke_invalid_argument", "unknown AEAD id");
}

/// One HKDF-SHA256 step through EVP_KDF "HKDF" (mode is EXTRACT_ONLY or EXPAND_ONLY).
/// `key` is the IKM when extracting and the PRK when expanding.
Bytes hkdf(int mode, std::span<const std::uint8_t> salt, std::span<const std::uint8_t> key,
           std::span<const std::uint8_t> info, std::size_t length) {
  KdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (!kdf) {
    cryptoFailed("EVP_KDF_fetch(HKDF)");
  }
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) {
    cryptoFailed("EVP_KDF_CTX_new");
  }
  char digest[] = "SHA256";
  // OpenSSL wants non-const pointers in OSSL_PARAM but only reads these buffers.
  auto octets = [](const char* name, std::span<const std::uint8_t> data) {
    return OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(data.data()),
                                             data.size());
  };
  OSSL_PARAM params[6];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = octets(OSSL_KDF_PARAM_KEY, key);
  // HKDF with an absent salt uses Nh zero bytes, exactly what RFC 5869 says for an empty one.
  if (!salt.empty()) {
    params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
  }
  if (!info.empty()) {
    params[n++] = octets(OSSL_KDF_PARAM_INFO, info);
  }
  params[n] = OSSL_PARAM_construct_end();
  Bytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    wipe(out);
    cryptoFailed("HKDF");
  }
  return out;
}

/// RFC 9180 LabeledExtract(salt, label, ikm) with the given suite id.
Bytes labeledExtract(std::span<const std::uint8_t> suiteId, std::span<const std::uint8_t> salt,
                     std::string_view label, std::span<const std::uint8_t> ikm) {
  Secret labeledIkm;
  labeledIkm.bytes.reserve(kVersionLabel.size() + suiteId.size() + label.size() + ikm.size());
  append(labeledIkm.bytes, kVersionLabel);
  append(labeledIkm.bytes, suiteId);
  append(labeledIkm.bytes, label);
  append(labeledIkm.bytes, ikm);
  return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, labeledIkm.bytes, {}, kNh);
}

/// RFC 9180 LabeledExpand(prk, label, info, L) with the given suite id.
Bytes labeledExpand(std::span<const std::uint8_t> suiteId, std::span<const std::uint8_t> prk,
                    std::string_view label, std::span<const std::uint8_t> info,
                    std::size_t length) {
  if (length > 255 * kNh) {
    throw Error("hpke_invalid_argument", "HKDF-Expand cannot produce more than 8160 bytes");
  }
  if (info.size() > kMaxExpandInfo) {
    throw Error("hpke_invalid_argument", "HKDF-Expand info longer than 16 KiB");
  }
  if (length == 0) {
    return {};
  }
  Bytes labeledInfo;
  labeledInfo.reserve(2 + kVersionLabel.size() + suiteId.size() + label.size() + info.size());
  appendU16(labeledInfo, static_cast<std::uint16_t>(length));
  append(labeledInfo, kVersionLabel);
  append(labeledInfo, suiteId);
  append(labeledInfo, label);
  append(labeledInfo, info);
  return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, {}, prk, labeledInfo, length);
}

PkeyPtr privateKeyFrom(std::span<const std::uint8_t> sk) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, sk.data(), sk.size()));
  if (!key) {
    cryptoFailed("EVP_PKEY_new_raw_private_key");
  }
  return key;
}

/// X25519(sk, pk). Throws Error{errorCode} when the result is the all-zero value (a low-order
/// public key), as RFC 9180 section 7.1.4 requires.
Bytes dh(std::span<const std::uint8_t> sk, std::span<const std::uint8_t> pk,
         const char* errorCode) {
  PkeyPtr priv = privateKeyFrom(sk);
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, pk.data(), pk.size()));
  if (!peer) {
    throw Error(errorCode, "invalid X25519 public key");
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    cryptoFailed("EVP_PKEY_derive_init");
  }
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    throw Error(errorCode, "X25519 public key refused");
  }
  Bytes out(kNsecret);
  std::size_t length = out.size();
  // OpenSSL itself fails the derivation when the shared secret is all zeros.
  if (EVP_PKEY_derive(ctx.get(), out.data(), &length) != 1 || length != kNsecret) {
    wipe(out);
    throw Error(errorCode, "X25519 key agreement failed (low-order public key)");
  }
  std::uint8_t acc = 0;
  for (auto b : out) {
    acc |= b;
  }
  if (acc == 0) {
    throw Error(errorCode, "X25519 shared secret is zero (low-order public key)");
  }
  return out;
}

/// DHKEM ExtractAndExpand(dh, kem_context).
Bytes extractAndExpand(std::span<const std::uint8_t> dhValue,
                       std::span<const std::uint8_t> kemContext) {
  const Bytes suite = kemSuiteId();
  Secret eaePrk(labeledExtract(suite, {}, "eae_prk", dhValue));
  return labeledExpand(suite, eaePrk.bytes, "shared_secret", kemContext, kNsecret);
}

/// RFC 9180 KeySchedule for mode_base (empty psk and psk_id).
Context keySchedule(Aead aead, std::span<const std::uint8_t> sharedSecret,
                    std::span<const std::uint8_t> info) {
  const Bytes suite = hpkeSuiteId(aead);
  const Bytes pskIdHash = labeledExtract(suite, {}, "psk_id_hash", {});
  const Bytes infoHash = labeledExtract(suite, {}, "info_hash", info);
  Bytes context;
  context.push_back(kModeBase);
  append(context, pskIdHash);
  append(context, infoHash);
  Secret secret(labeledExtract(suite, sharedSecret, "secret", {}));
  Bytes key = labeledExpand(suite, secret.bytes, "key", context, keySize(aead));
  Bytes baseNonce = labeledExpand(suite, secret.bytes, "base_nonce", context, nonceSize(aead));
  Bytes exporter = labeledExpand(suite, secret.bytes, "exp", context, kNh);
  return Context(aead, std::move(key), std::move(baseNonce), std::move(exporter));
}

void checkLength(std::span<const std::uint8_t> data, std::size_t expected, const char* what) {
  if (data.size() != expected) {
    throw Error("hpke_invalid_key", std::string(what) + " must be " + std::to_string(expected) +
                                        " bytes, got " + std::to_string(data.size()));
  }
}

CipherPtr fetchCipher(Aead aead) {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, cipherName(aead), nullptr));
  if (!cipher) {
    cryptoFailed("EVP_CIPHER_fetch");
  }
  return cipher;
}

// EVP_*Update take int lengths; feed larger inputs in pieces.
constexpr std::size_t kMaxUpdate = 1U << 30;

} // namespace

// ---------------------------------------------------------------------------------------------
// KeyPair

KeyPair KeyPair::generate() {
  Secret sk(randomBytes(kNsk));
  return fromPrivateKey(sk.bytes);
}

KeyPair KeyPair::fromPrivateKey(std::span<const std::uint8_t> privateKey) {
  checkLength(privateKey, kNsk, "an X25519 private key");
  PkeyPtr key = privateKeyFrom(privateKey);
  KeyPair pair;
  std::size_t length = pair.public_.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), pair.public_.data(), &length) != 1 || length != kNpk) {
    cryptoFailed("EVP_PKEY_get_raw_public_key");
  }
  std::copy(privateKey.begin(), privateKey.end(), pair.private_.begin());
  return pair;
}

KeyPair KeyPair::derive(std::span<const std::uint8_t> ikm) {
  if (ikm.size() < kNsk) {
    throw Error("hpke_invalid_argument", "DeriveKeyPair needs at least 32 bytes of input");
  }
  const Bytes suite = kemSuiteId();
  Secret prk(labeledExtract(suite, {}, "dkp_prk", ikm));
  Secret sk(labeledExpand(suite, prk.bytes, "sk", {}, kNsk));
  return fromPrivateKey(sk.bytes);
}

KeyPair::~KeyPair() {
  OPENSSL_cleanse(private_.data(), private_.size());
}

// ---------------------------------------------------------------------------------------------
// Context

Context::Context(Aead aead, Bytes key, Bytes baseNonce, Bytes exporterSecret)
    : aead_(aead), key_(std::move(key)), baseNonce_(std::move(baseNonce)),
      exporterSecret_(std::move(exporterSecret)) {
  checkAead(aead_);
  if (key_.size() != keySize(aead_) || baseNonce_.size() != nonceSize(aead_) ||
      exporterSecret_.size() != kNh) {
    wipe(key_);
    wipe(baseNonce_);
    wipe(exporterSecret_);
    throw Error("hpke_invalid_argument", "key, nonce or exporter secret has the wrong size");
  }
}

Context::Context(Context&& other) noexcept
    : aead_(other.aead_), key_(std::move(other.key_)), baseNonce_(std::move(other.baseNonce_)),
      exporterSecret_(std::move(other.exporterSecret_)), seq_(other.seq_) {
  other.key_.clear();
  other.baseNonce_.clear();
  other.exporterSecret_.clear();
}

Context& Context::operator=(Context&& other) noexcept {
  if (this != &other) {
    wipe(key_);
    wipe(baseNonce_);
    wipe(exporterSecret_);
    aead_ = other.aead_;
    key_ = std::move(other.key_);
    baseNonce_ = std::move(other.baseNonce_);
    exporterSecret_ = std::move(other.exporterSecret_);
    seq_ = other.seq_;
    other.key_.clear();
    other.baseNonce_.clear();
    other.exporterSecret_.clear();
  }
  return *this;
}

Context::~Context() {
  wipe(key_);
  wipe(baseNonce_);
  wipe(exporterSecret_);
}

Bytes Context::nonce() const {
  // base_nonce XOR I2OSP(seq, Nn): the sequence number occupies the last 8 bytes.
  Bytes n = baseNonce_;
  for (std::size_t i = 0; i < 8; ++i) {
    n[n.size() - 1 - i] ^= static_cast<std::uint8_t>(seq_ >> (8 * i));
  }
  return n;
}

Bytes Context::seal(std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext) {
  CipherPtr cipher = fetchCipher(aead_);
  if (seq_ == UINT64_MAX) {
    throw Error("hpke_seq_overflow", "HPKE sequence number would wrap");
  }
  Secret nonceBytes(nonce());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key_.data(), nonceBytes.bytes.data(),
                                  nullptr) != 1) {
    cryptoFailed("EVP_EncryptInit_ex2");
  }
  int outLength = 0;
  for (std::size_t off = 0; off < aad.size(); off += kMaxUpdate) {
    const auto piece = aad.subspan(off, std::min(kMaxUpdate, aad.size() - off));
    if (EVP_EncryptUpdate(ctx.get(), nullptr, &outLength, piece.data(),
                          static_cast<int>(piece.size())) != 1) {
      cryptoFailed("EVP_EncryptUpdate(aad)");
    }
  }
  Bytes out(plaintext.size() + kNt);
  std::size_t written = 0;
  for (std::size_t off = 0; off < plaintext.size(); off += kMaxUpdate) {
    const auto piece = plaintext.subspan(off, std::min(kMaxUpdate, plaintext.size() - off));
    if (EVP_EncryptUpdate(ctx.get(), out.data() + written, &outLength, piece.data(),
                          static_cast<int>(piece.size())) != 1) {
      cryptoFailed("EVP_EncryptUpdate");
    }
    written += static_cast<std::size_t>(outLength);
  }
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &outLength) != 1) {
    cryptoFailed("EVP_EncryptFinal_ex");
  }
  written += static_cast<std::size_t>(outLength);
  if (written != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kNt),
                          out.data() + written) != 1) {
    cryptoFailed("EVP_CTRL_AEAD_GET_TAG");
  }
  ++seq_;
  return out;
}

std::optional<Bytes> Context::open(std::span<const std::uint8_t> aad,
                                   std::span<const std::uint8_t> ciphertext) {
  if (ciphertext.size() < kNt) {
    return std::nullopt;
  }
  Bytes out(ciphertext.size() - kNt);
  const auto length = openInto(aad, ciphertext, out);
  if (!length) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::size_t> Context::openInto(std::span<const std::uint8_t> aad,
                                             std::span<const std::uint8_t> ciphertext,
                                             std::span<std::uint8_t> out) {
  if (ciphertext.size() < kNt || out.size() < ciphertext.size() - kNt) {
    return std::nullopt;
  }
  CipherPtr cipher = fetchCipher(aead_);
  if (seq_ == UINT64_MAX) {
    throw Error("hpke_seq_overflow", "HPKE sequence number would wrap");
  }
  const auto body = ciphertext.first(ciphertext.size() - kNt);
  const auto tag = ciphertext.last(kNt);
  Secret nonceBytes(nonce());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_DecryptInit_ex2(ctx.get(), cipher.get(), key_.data(), nonceBytes.bytes.data(),
                                  nullptr) != 1) {
    cryptoFailed("EVP_DecryptInit_ex2");
  }
  int outLength = 0;
  for (std::size_t off = 0; off < aad.size(); off += kMaxUpdate) {
    const auto piece = aad.subspan(off, std::min(kMaxUpdate, aad.size() - off));
    if (EVP_DecryptUpdate(ctx.get(), nullptr, &outLength, piece.data(),
                          static_cast<int>(piece.size())) != 1) {
      cryptoFailed("EVP_DecryptUpdate(aad)");
    }
  }
  const auto wipeOut = [&] { OPENSSL_cleanse(out.data(), body.size()); };
  std::size_t written = 0;
  for (std::size_t off = 0; off < body.size(); off += kMaxUpdate) {
    const auto piece = body.subspan(off, std::min(kMaxUpdate, body.size() - off));
    if (EVP_DecryptUpdate(ctx.get(), out.data() + written, &outLength, piece.data(),
                          static_cast<int>(piece.size())) != 1) {
      wipeOut();
      cryptoFailed("EVP_DecryptUpdate");
    }
    written += static_cast<std::size_t>(outLength);
  }
  std::array<std::uint8_t, kNt> expected{};
  std::copy(tag.begin(), tag.end(), expected.begin());
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kNt),
                          expected.data()) != 1) {
    wipeOut();
    cryptoFailed("EVP_CTRL_AEAD_SET_TAG");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &outLength) != 1) {
    // Authentication failed: the unverified plaintext never leaves this function.
    wipeOut();
    return std::nullopt;
  }
  ++seq_;
  return body.size();
}

Bytes Context::exportSecret(std::span<const std::uint8_t> exporterContext,
                            std::size_t length) const {
  return labeledExpand(hpkeSuiteId(aead_), exporterSecret_, "sec", exporterContext, length);
}

// ---------------------------------------------------------------------------------------------
// Setup

SenderSetup setupBaseSender(Aead aead, std::span<const std::uint8_t> recipientPublicKey,
                            std::span<const std::uint8_t> info, const KeyPair* ephemeral) {
  checkAead(aead);
  checkLength(recipientPublicKey, kNpk, "an X25519 public key");
  std::optional<KeyPair> fresh;
  if (ephemeral == nullptr) {
    fresh.emplace(KeyPair::generate());
    ephemeral = &*fresh;
  }
  // Encap(pkR): enc = pkE, kem_context = enc ‖ pkRm.
  Secret dhValue(dh(ephemeral->privateKey(), recipientPublicKey, "hpke_encap_failed"));
  Bytes enc(ephemeral->publicKey().begin(), ephemeral->publicKey().end());
  Bytes kemContext = enc;
  append(kemContext, recipientPublicKey);
  Secret sharedSecret(extractAndExpand(dhValue.bytes, kemContext));
  return SenderSetup{std::move(enc), keySchedule(aead, sharedSecret.bytes, info)};
}

Context setupBaseRecipient(Aead aead, std::span<const std::uint8_t> enc, const KeyPair& recipient,
                           std::span<const std::uint8_t> info) {
  checkAead(aead);
  if (enc.size() != kNenc) {
    throw Error("hpke_decap_failed", "encapsulated key must be 32 bytes");
  }
  // Decap(enc, skR): kem_context = enc ‖ pkRm.
  Secret dhValue(dh(recipient.privateKey(), enc, "hpke_decap_failed"));
  Bytes kemContext(enc.begin(), enc.end());
  append(kemContext, recipient.publicKey());
  Secret sharedSecret(extractAndExpand(dhValue.bytes, kemContext));
  return keySchedule(aead, sharedSecret.bytes, info);
}

std::size_t tagSize(Aead aead) {
  checkAead(aead);
  return aead == Aead::ExportOnly ? 0 : kNt;
}

} // namespace printrelay::hpke
