#include "common/crypto/envelope.h"

#include <algorithm>
#include <array>
#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace printrelay::envelope {
namespace {

// docs/envelope.md is the reference for every constant here.
constexpr std::array<std::uint8_t, 8> kMagic{'P', 'R', 'L', 'Y', 'E', 'N', 'V', 0x00};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kKeyIdSize = 16;
constexpr std::size_t kFixedHeaderSize = 37; // everything before enc
constexpr std::size_t kEncSize = 32;         // DHKEM(X25519) Nenc
constexpr std::size_t kPublicKeySize = 32;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kRecordPrefixSize = 5; // flag u8 ‖ sealed length u32
constexpr std::uint8_t kFlagMore = 0x00;
constexpr std::uint8_t kFlagFinal = 0x01;
constexpr std::string_view kInfoLabel = "printrelay-envelope-v1:";

std::uint16_t readU16(std::span<const std::uint8_t> d, std::size_t at) {
  return static_cast<std::uint16_t>((d[at] << 8) | d[at + 1]);
}

std::uint32_t readU32(std::span<const std::uint8_t> d, std::size_t at) {
  return (static_cast<std::uint32_t>(d[at]) << 24) | (static_cast<std::uint32_t>(d[at + 1]) << 16) |
         (static_cast<std::uint32_t>(d[at + 2]) << 8) | static_cast<std::uint32_t>(d[at + 3]);
}

void appendU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void appendU32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

void wipe(Bytes& b) {
  if (!b.empty()) {
    OPENSSL_cleanse(b.data(), b.size());
  }
}

[[noreturn]] void invalidArgument(const std::string& message) {
  throw Error("envelope_invalid_argument", message);
}

void checkOrderId(std::string_view orderId) {
  if (orderId.empty() || orderId.size() > kMaxOrderIdSize) {
    invalidArgument("an order id must be 1 to 255 bytes");
  }
}

Bytes infoFor(std::string_view orderId) {
  // Sized once and filled by copy: GCC 12 at -O2 misreads vector::insert here (-Warray-bounds).
  Bytes info(kInfoLabel.size() + orderId.size());
  std::copy(kInfoLabel.begin(), kInfoLabel.end(), info.begin());
  std::copy(orderId.begin(), orderId.end(),
            info.begin() + static_cast<std::ptrdiff_t>(kInfoLabel.size()));
  return info;
}

bool isContentAead(std::uint16_t id) {
  return id == static_cast<std::uint16_t>(hpke::Aead::Aes128Gcm) ||
         id == static_cast<std::uint16_t>(hpke::Aead::Aes256Gcm) ||
         id == static_cast<std::uint16_t>(hpke::Aead::ChaCha20Poly1305);
}

/// Builds the AAD of chunk `index`: header ‖ u64 BE index ‖ flag. `aad` already holds the header
/// followed by 9 bytes that are overwritten.
void setAadTail(Bytes& aad, std::uint64_t index, std::uint8_t flag) {
  const std::size_t at = aad.size() - 9;
  for (int i = 0; i < 8; ++i) {
    aad[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(index >> (56 - 8 * i));
  }
  aad[at + 8] = flag;
}

/// The result of looking at the start of a stream: a header, or how many bytes are needed
/// before it can say more.
struct HeaderScan {
  std::optional<HeaderInfo> info;
  std::size_t wanted = kFixedHeaderSize;
};

/// Checks every header field that `data` already covers, so garbage is refused at its first
/// wrong byte rather than after a whole header's worth of input.
HeaderScan scanHeader(std::span<const std::uint8_t> data) {
  const std::size_t magicSeen = std::min(data.size(), kMagic.size());
  if (!std::equal(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(magicSeen),
                  kMagic.begin())) {
    throw Error("envelope_malformed", "not a PrintRelay envelope (bad magic)");
  }
  if (data.size() > 8 && data[8] != kVersion) {
    throw Error("envelope_unsupported",
                "envelope version " + std::to_string(data[8]) + " is not supported");
  }
  if (data.size() >= 11 &&
      readU16(data, 9) != static_cast<std::uint16_t>(hpke::Kem::X25519HkdfSha256)) {
    throw Error("envelope_unsupported",
                "KEM id " + std::to_string(readU16(data, 9)) + " is not supported");
  }
  if (data.size() >= 13 && readU16(data, 11) != static_cast<std::uint16_t>(hpke::Kdf::HkdfSha256)) {
    throw Error("envelope_unsupported",
                "KDF id " + std::to_string(readU16(data, 11)) + " is not supported");
  }
  if (data.size() >= 15 && !isContentAead(readU16(data, 13))) {
    throw Error("envelope_unsupported",
                "AEAD id " + std::to_string(readU16(data, 13)) + " is not supported");
  }
  if (data.size() >= 19) {
    const std::uint32_t chunk = readU32(data, 15);
    if (chunk < kMinChunkSize || chunk > kMaxChunkSize) {
      throw Error("envelope_malformed", "chunk size " + std::to_string(chunk) + " is out of range");
    }
  }
  if (data.size() >= 37 && readU16(data, 35) != kEncSize) {
    throw Error("envelope_malformed",
                "encapsulated key length " + std::to_string(readU16(data, 35)) + " is not 32");
  }
  HeaderScan scan;
  if (data.size() < kFixedHeaderSize) {
    return scan;
  }
  scan.wanted = kFixedHeaderSize + kEncSize;
  if (data.size() < scan.wanted) {
    return scan;
  }
  HeaderInfo info;
  info.version = data[8];
  info.aead = static_cast<hpke::Aead>(readU16(data, 13));
  info.chunkSize = readU32(data, 15);
  info.keyId = hexEncode(data.subspan(19, kKeyIdSize));
  info.headerSize = scan.wanted;
  scan.info = info;
  return scan;
}

/// Checks a record prefix (flag, sealed length) against the chunk size.
std::size_t checkRecordPrefix(std::span<const std::uint8_t> prefix, std::uint32_t chunkSize) {
  const std::uint8_t flag = prefix[0];
  const std::uint32_t sealed = readU32(prefix, 1);
  if (flag == kFlagMore) {
    if (sealed != chunkSize + kTagSize) {
      throw Error("envelope_malformed", "a chunk that is not the last must hold exactly " +
                                            std::to_string(chunkSize) + " bytes");
    }
  } else if (flag == kFlagFinal) {
    if (sealed < kTagSize || sealed > chunkSize + kTagSize) {
      throw Error("envelope_malformed",
                  "final chunk length " + std::to_string(sealed) + " is out of range");
    }
  } else {
    throw Error("envelope_malformed", "unknown chunk flag " + std::to_string(flag));
  }
  return sealed;
}

hpke::SenderSetup setupFor(std::span<const std::uint8_t> recipientPublicKey,
                           std::string_view orderId, std::uint32_t chunkSize, hpke::Aead aead) {
  if (recipientPublicKey.size() != kPublicKeySize) {
    invalidArgument("a recipient public key must be 32 bytes");
  }
  checkOrderId(orderId);
  if (chunkSize < kMinChunkSize || chunkSize > kMaxChunkSize) {
    invalidArgument("chunk size must be between 1 KiB and 4 MiB");
  }
  if (!isContentAead(static_cast<std::uint16_t>(aead))) {
    invalidArgument("the AEAD must be AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305");
  }
  return hpke::setupBaseSender(aead, recipientPublicKey, infoFor(orderId));
}

} // namespace

std::string keyIdFor(std::span<const std::uint8_t> publicKey) {
  if (publicKey.size() != kPublicKeySize) {
    invalidArgument("a public key must be 32 bytes");
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(publicKey.data(), publicKey.size(), digest.data(), &length, EVP_sha256(),
                 nullptr) != 1) {
    throw Error("digest_failed", "SHA-256 failed");
  }
  return hexEncode(std::span(digest.data(), kKeyIdSize));
}

std::optional<HeaderInfo> parseHeader(std::span<const std::uint8_t> data) {
  return scanHeader(data).info;
}

// ---------------------------------------------------------------------------------------------
// Sealer

Sealer::Sealer(std::span<const std::uint8_t> recipientPublicKey, std::string_view orderId,
               Sink sink, std::uint32_t chunkSize, hpke::Aead aead)
    : Sealer(recipientPublicKey, std::move(sink), chunkSize, aead,
             setupFor(recipientPublicKey, orderId, chunkSize, aead)) {}

Sealer::Sealer(std::span<const std::uint8_t> recipientPublicKey, Sink sink, std::uint32_t chunkSize,
               hpke::Aead aead, hpke::SenderSetup setup)
    : sink_(std::move(sink)), context_(std::move(setup.context)), chunkSize_(chunkSize) {
  header_.reserve(kFixedHeaderSize + kEncSize);
  header_.insert(header_.end(), kMagic.begin(), kMagic.end());
  header_.push_back(kVersion);
  appendU16(header_, static_cast<std::uint16_t>(hpke::Kem::X25519HkdfSha256));
  appendU16(header_, static_cast<std::uint16_t>(hpke::Kdf::HkdfSha256));
  appendU16(header_, static_cast<std::uint16_t>(aead));
  appendU32(header_, chunkSize_);
  const Bytes keyId = hexDecode(keyIdFor(recipientPublicKey));
  header_.insert(header_.end(), keyId.begin(), keyId.end());
  appendU16(header_, static_cast<std::uint16_t>(setup.enc.size()));
  header_.insert(header_.end(), setup.enc.begin(), setup.enc.end());
  aad_ = header_;
  aad_.resize(header_.size() + 9);
  buffer_.reserve(chunkSize_);
}

Sealer::~Sealer() {
  wipe(buffer_);
}

void Sealer::checkUsable() const {
  if (failed_) {
    throw Error("envelope_sink_aborted", "the sealer's sink failed earlier");
  }
  if (finished_) {
    invalidArgument("write() after finish()");
  }
}

void Sealer::emit(std::span<const std::uint8_t> bytes) {
  bool accepted = false;
  try {
    accepted = sink_(bytes);
  } catch (...) {
    failed_ = true;
    throw;
  }
  if (!accepted) {
    failed_ = true;
    throw Error("envelope_sink_aborted", "the output sink refused the sealed data");
  }
  ciphertextBytes_ += bytes.size();
}

void Sealer::emitChunk(std::span<const std::uint8_t> plaintext, bool final) {
  if (!headerSent_) {
    emit(header_);
    headerSent_ = true;
  }
  const std::uint8_t flag = final ? kFlagFinal : kFlagMore;
  setAadTail(aad_, index_, flag);
  const Bytes sealed = context_.seal(aad_, plaintext);
  Bytes prefix;
  prefix.reserve(kRecordPrefixSize);
  prefix.push_back(flag);
  appendU32(prefix, static_cast<std::uint32_t>(sealed.size()));
  emit(prefix);
  emit(sealed);
  ++index_;
}

void Sealer::write(std::span<const std::uint8_t> plaintext) {
  checkUsable();
  plaintextBytes_ += plaintext.size();
  while (!plaintext.empty()) {
    // A full chunk is sealed only once more data shows it is not the last one.
    if (buffer_.size() == chunkSize_) {
      emitChunk(buffer_, false);
      wipe(buffer_);
      buffer_.clear();
    }
    if (buffer_.empty() && plaintext.size() > chunkSize_) {
      emitChunk(plaintext.first(chunkSize_), false);
      plaintext = plaintext.subspan(chunkSize_);
      continue;
    }
    const std::size_t take = std::min<std::size_t>(chunkSize_ - buffer_.size(), plaintext.size());
    buffer_.insert(buffer_.end(), plaintext.begin(),
                   plaintext.begin() + static_cast<std::ptrdiff_t>(take));
    plaintext = plaintext.subspan(take);
  }
}

void Sealer::finish() {
  if (finished_ && !failed_) {
    return;
  }
  checkUsable();
  emitChunk(buffer_, true);
  wipe(buffer_);
  buffer_.clear();
  finished_ = true;
}

// ---------------------------------------------------------------------------------------------
// Opener

Opener::Opener(const hpke::KeyPair& recipient, std::string_view orderId, Sink sink,
               std::uint64_t maxPlaintextBytes)
    : recipient_(recipient), keyId_(keyIdFor(recipient.publicKey())), orderId_(orderId),
      sink_(std::move(sink)), maxPlaintextBytes_(maxPlaintextBytes) {
  checkOrderId(orderId_);
}

Opener::~Opener() {
  wipe(pending_);
  wipe(plain_);
}

void Opener::fail(const std::string& code, const std::string& message) {
  wipe(pending_);
  pending_.clear();
  failure_.emplace(code, message);
  throw *failure_;
}

std::size_t Opener::takeHeader(std::span<const std::uint8_t> data) {
  std::size_t used = 0;
  while (used < data.size()) {
    HeaderScan scan = scanHeader(pending_);
    if (scan.info) {
      break;
    }
    const std::size_t take = std::min(scan.wanted - pending_.size(), data.size() - used);
    pending_.insert(pending_.end(), data.begin() + static_cast<std::ptrdiff_t>(used),
                    data.begin() + static_cast<std::ptrdiff_t>(used + take));
    used += take;
  }
  const HeaderScan scan = scanHeader(pending_);
  if (!scan.info) {
    return used;
  }
  if (scan.info->keyId != keyId_) {
    throw Error("envelope_wrong_key", "the envelope is sealed to key " + scan.info->keyId +
                                          ", not to this store's key " + keyId_);
  }
  header_ = pending_;
  pending_.clear();
  chunkSize_ = scan.info->chunkSize;
  const auto enc = std::span<const std::uint8_t>(header_).subspan(kFixedHeaderSize, kEncSize);
  try {
    context_.emplace(hpke::setupBaseRecipient(scan.info->aead, enc, recipient_, infoFor(orderId_)));
  } catch (const Error& e) {
    if (e.code() == "hpke_decap_failed") {
      throw Error("envelope_auth_failed", "the envelope's encapsulated key is invalid");
    }
    throw;
  }
  aad_ = header_;
  aad_.resize(header_.size() + 9);
  stage_ = Stage::RecordPrefix;
  return used;
}

void Opener::startRecord() {
  recordFlag_ = pending_[0];
  recordSize_ = checkRecordPrefix(pending_, chunkSize_);
  pending_.clear();
  const std::uint64_t plain = recordSize_ - kTagSize;
  if (plain > maxPlaintextBytes_ - plaintextBytes_) {
    throw Error("envelope_too_large",
                "the document is larger than " + std::to_string(maxPlaintextBytes_) + " bytes");
  }
  stage_ = Stage::RecordBody;
}

void Opener::openRecord(std::span<const std::uint8_t> sealed) {
  setAadTail(aad_, index_, recordFlag_);
  if (plain_.size() < sealed.size()) {
    plain_.resize(sealed.size());
  }
  const std::optional<std::size_t> length = context_->openInto(aad_, sealed, plain_);
  if (!length) {
    throw Error("envelope_auth_failed",
                "chunk " + std::to_string(index_) + " failed authentication");
  }
  const std::span<const std::uint8_t> plain(plain_.data(), *length);
  ++index_;
  plaintextBytes_ += plain.size();
  if (recordFlag_ == kFlagFinal) {
    stage_ = Stage::Done;
    complete_ = true;
  } else {
    stage_ = Stage::RecordPrefix;
  }
  bool accepted = false;
  try {
    accepted = plain.empty() || sink_(plain);
  } catch (...) {
    OPENSSL_cleanse(plain_.data(), plain.size());
    failure_.emplace("envelope_sink_aborted", "the plaintext sink failed");
    complete_ = false;
    throw;
  }
  OPENSSL_cleanse(plain_.data(), plain.size());
  if (!accepted) {
    complete_ = false;
    throw Error("envelope_sink_aborted", "the plaintext sink refused the document");
  }
}

void Opener::write(std::span<const std::uint8_t> ciphertext) {
  if (failure_) {
    throw *failure_;
  }
  try {
    while (!ciphertext.empty()) {
      switch (stage_) {
      case Stage::Header:
        ciphertext = ciphertext.subspan(takeHeader(ciphertext));
        break;
      case Stage::RecordPrefix: {
        const std::size_t take = std::min(kRecordPrefixSize - pending_.size(), ciphertext.size());
        pending_.insert(pending_.end(), ciphertext.begin(),
                        ciphertext.begin() + static_cast<std::ptrdiff_t>(take));
        ciphertext = ciphertext.subspan(take);
        if (pending_.size() == kRecordPrefixSize) {
          startRecord();
        }
        break;
      }
      case Stage::RecordBody:
        if (pending_.empty() && ciphertext.size() >= recordSize_) {
          // The whole record is in the caller's buffer: open it in place.
          openRecord(ciphertext.first(recordSize_));
          ciphertext = ciphertext.subspan(recordSize_);
        } else {
          const std::size_t take = std::min(recordSize_ - pending_.size(), ciphertext.size());
          pending_.insert(pending_.end(), ciphertext.begin(),
                          ciphertext.begin() + static_cast<std::ptrdiff_t>(take));
          ciphertext = ciphertext.subspan(take);
          if (pending_.size() == recordSize_) {
            openRecord(pending_);
            pending_.clear();
          }
        }
        break;
      case Stage::Done:
        throw Error("envelope_trailing_data", "data follows the final chunk");
      }
    }
  } catch (const Error& e) {
    if (!failure_) {
      failure_.emplace(e.code(), e.what());
    }
    complete_ = false;
    wipe(pending_);
    pending_.clear();
    throw;
  } catch (...) {
    if (!failure_) {
      failure_.emplace("envelope_sink_aborted", "the plaintext sink failed");
    }
    complete_ = false;
    wipe(pending_);
    pending_.clear();
    throw;
  }
}

void Opener::finish() {
  if (failure_) {
    throw *failure_;
  }
  if (stage_ != Stage::Done) {
    fail("envelope_truncated", stage_ == Stage::Header
                                   ? "the envelope ended inside its header"
                                   : "the envelope ended before its final chunk");
  }
}

// ---------------------------------------------------------------------------------------------
// FramingValidator

FramingValidator::FramingValidator(std::uint64_t maxCiphertextBytes)
    : maxBytes_(maxCiphertextBytes) {}

void FramingValidator::fail(const std::string& code, const std::string& message) {
  failure_.emplace(code, message);
  throw *failure_;
}

void FramingValidator::write(std::span<const std::uint8_t> data) {
  if (failure_) {
    throw *failure_;
  }
  if (data.empty()) {
    return;
  }
  if (finalSeen_) {
    fail("envelope_trailing_data", "data follows the final chunk");
  }
  if (data.size() > maxBytes_ - seen_) {
    fail("envelope_too_large",
         "the envelope is larger than " + std::to_string(maxBytes_) + " bytes");
  }
  seen_ += data.size();
  try {
    while (!data.empty()) {
      if (finalSeen_) {
        throw Error("envelope_trailing_data", "data follows the final chunk");
      }
      if (!header_) {
        const HeaderScan before = scanHeader(pending_);
        const std::size_t take = std::min(before.wanted - pending_.size(), data.size());
        pending_.insert(pending_.end(), data.begin(),
                        data.begin() + static_cast<std::ptrdiff_t>(take));
        data = data.subspan(take);
        const HeaderScan after = scanHeader(pending_);
        if (after.info) {
          header_ = after.info;
          pending_.clear();
        }
      } else if (!inChunk_) {
        const std::size_t take = std::min(kRecordPrefixSize - pending_.size(), data.size());
        pending_.insert(pending_.end(), data.begin(),
                        data.begin() + static_cast<std::ptrdiff_t>(take));
        data = data.subspan(take);
        if (pending_.size() == kRecordPrefixSize) {
          recordFlag_ = pending_[0];
          chunkRemaining_ = checkRecordPrefix(pending_, header_->chunkSize);
          pending_.clear();
          inChunk_ = true;
        }
      } else {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunkRemaining_, data.size()));
        chunkRemaining_ -= take;
        data = data.subspan(take);
      }
      if (inChunk_ && chunkRemaining_ == 0) {
        inChunk_ = false;
        finalSeen_ = recordFlag_ == kFlagFinal;
      }
    }
  } catch (const Error& e) {
    failure_.emplace(e.code(), e.what());
    throw;
  }
}

void FramingValidator::finish() {
  if (failure_) {
    throw *failure_;
  }
  if (!finalSeen_) {
    fail("envelope_truncated", header_ ? "the envelope ended before its final chunk"
                                       : "the envelope ended inside its header");
  }
}

} // namespace printrelay::envelope
