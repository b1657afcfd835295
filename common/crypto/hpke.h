#pragma once

#include "common/util/encoding.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace printrelay::hpke {

// Error codes thrown (printrelay::Error::code()):
//   hpke_invalid_key       a key of the wrong length
//   hpke_invalid_argument  a bad size or id (key schedule inputs, export length, AEAD id)
//   hpke_encap_failed      X25519 with the recipient's public key gave the zero secret
//   hpke_decap_failed      `enc` is not a usable X25519 public key
//   hpke_export_only       seal/open on an export-only context
//   hpke_seq_overflow      the sequence number would wrap
//   hpke_crypto_failed     OpenSSL itself failed

/// RFC 9180 identifiers. Only DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256 are implemented.
enum class Kem : std::uint16_t { X25519HkdfSha256 = 0x0020 };
enum class Kdf : std::uint16_t { HkdfSha256 = 0x0001 };
enum class Aead : std::uint16_t {
  Aes128Gcm = 0x0001,
  Aes256Gcm = 0x0002,
  ChaCha20Poly1305 = 0x0003,
  ExportOnly = 0xFFFF,
};

/// An X25519 key pair; the private key is wiped from memory when the object dies.
class KeyPair {
public:
  /// A fresh random key pair.
  static KeyPair generate();
  /// Rebuilds the pair from its 32-byte private key (derives the public key).
  static KeyPair fromPrivateKey(std::span<const std::uint8_t> privateKey);
  /// RFC 9180 DeriveKeyPair(ikm) for DHKEM(X25519, HKDF-SHA256). `ikm` must hold at least
  /// 32 bytes (Error{"hpke_invalid_argument"}).
  static KeyPair derive(std::span<const std::uint8_t> ikm);

  KeyPair(const KeyPair&) = default;
  KeyPair& operator=(const KeyPair&) = default;
  ~KeyPair();

  const std::array<std::uint8_t, 32>& privateKey() const { return private_; }
  const std::array<std::uint8_t, 32>& publicKey() const { return public_; }

private:
  KeyPair() = default;
  std::array<std::uint8_t, 32> private_{};
  std::array<std::uint8_t, 32> public_{};
};

/// An HPKE encryption context (RFC 9180 section 5.2). Each seal/open advances the sequence
/// number; a failed open does not advance it.
class Context {
public:
  Context(Aead aead, Bytes key, Bytes baseNonce, Bytes exporterSecret);
  Context(Context&&) noexcept;
  Context& operator=(Context&&) noexcept;
  ~Context();

  /// Seals `plaintext`, returning ciphertext ‖ tag. Throws Error{"hpke_seq_overflow"} when the
  /// sequence number would wrap.
  Bytes seal(std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext);
  /// Opens ciphertext ‖ tag. Returns nullopt when authentication fails (nothing is released).
  std::optional<Bytes> open(std::span<const std::uint8_t> aad,
                            std::span<const std::uint8_t> ciphertext);
  /// Opens ciphertext ‖ tag into `out` (at least ciphertext.size() - 16 bytes; the caller's
  /// buffer, reused from record to record). Returns the plaintext's length, or nullopt when
  /// authentication fails (then `out` is wiped: nothing unverified is released).
  std::optional<std::size_t> openInto(std::span<const std::uint8_t> aad,
                                      std::span<const std::uint8_t> ciphertext,
                                      std::span<std::uint8_t> out);
  /// RFC 9180 Export(exporter_context, L). Throws Error{"hpke_invalid_argument"} when L > 8160
  /// or the exporter context is longer than 16 KiB.
  Bytes exportSecret(std::span<const std::uint8_t> exporterContext, std::size_t length) const;

  Aead aead() const { return aead_; }
  std::uint64_t sequence() const { return seq_; }
  const Bytes& key() const { return key_; }
  const Bytes& baseNonce() const { return baseNonce_; }
  const Bytes& exporterSecret() const { return exporterSecret_; }

private:
  Bytes nonce() const;

  Aead aead_;
  Bytes key_;
  Bytes baseNonce_;
  Bytes exporterSecret_;
  std::uint64_t seq_ = 0;
};

/// What SetupBaseS returns: the encapsulated key to send and the sender's context.
struct SenderSetup {
  Bytes enc;
  Context context;
};

/// RFC 9180 SetupBaseS. `ephemeral` is for test vectors only; normally a fresh key is drawn.
SenderSetup setupBaseSender(Aead aead, std::span<const std::uint8_t> recipientPublicKey,
                            std::span<const std::uint8_t> info, const KeyPair* ephemeral = nullptr);

/// RFC 9180 SetupBaseR. Throws Error{"hpke_decap_failed"} for an invalid `enc`.
Context setupBaseRecipient(Aead aead, std::span<const std::uint8_t> enc, const KeyPair& recipient,
                           std::span<const std::uint8_t> info);

/// Size in bytes of the AEAD tag (16 for every AEAD here; 0 for ExportOnly).
std::size_t tagSize(Aead aead);

} // namespace printrelay::hpke
