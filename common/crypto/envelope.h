#pragma once

#include "common/crypto/hpke.h"
#include "common/util/error.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace printrelay::envelope {

// The sealed-document format, specified byte by byte in docs/envelope.md.
// Error codes thrown (printrelay::Error::code()):
//   envelope_malformed     header or framing is not well formed (bad magic, sizes, …)
//   envelope_unsupported   a version or suite id this build does not implement
//   envelope_wrong_key     the header's key id is not the recipient's
//   envelope_auth_failed   a chunk failed authentication (tamper, reorder, splice,
//                          wrong order id, wrong key)
//   envelope_truncated     the stream ended before the final chunk
//   envelope_trailing_data bytes follow the final chunk
//   envelope_too_large     the document exceeds the configured limit
//   envelope_sink_aborted  the sink returned false (or threw)
//   envelope_invalid_argument  a caller error: bad key length, order id, chunk size or AEAD,
//                          write() after finish()
// A Sealer, Opener or FramingValidator that failed keeps failing: every later write() or
// finish() throws the same code again.

inline constexpr std::uint32_t kDefaultChunkSize = 64 * 1024;
inline constexpr std::uint32_t kMinChunkSize = 1024;
inline constexpr std::uint32_t kMaxChunkSize = 4 * 1024 * 1024;
inline constexpr std::string_view kMediaType = "application/vnd.printrelay.envelope";
/// Longest order id accepted (bytes); it is bound into the HPKE info.
inline constexpr std::size_t kMaxOrderIdSize = 255;

/// A store's key id: the first 16 bytes of SHA-256(public key), as 32 lower-case hex chars.
/// Throws envelope_invalid_argument unless `publicKey` is 32 bytes.
std::string keyIdFor(std::span<const std::uint8_t> publicKey);

/// Receives output bytes as they are produced. Returning false aborts the stream
/// (Error{"envelope_sink_aborted"}).
using Sink = std::function<bool(std::span<const std::uint8_t>)>;

/// Seals a document as a stream: feed plaintext with write(), then finish(). Output (header,
/// then framed chunks) goes to the sink as soon as a chunk is known not to be the last one (a
/// full chunk waits for one more byte or finish()), so memory use is one chunk whatever the
/// document size.
class Sealer {
public:
  Sealer(std::span<const std::uint8_t> recipientPublicKey, std::string_view orderId, Sink sink,
         std::uint32_t chunkSize = kDefaultChunkSize, hpke::Aead aead = hpke::Aead::Aes256Gcm);
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;
  ~Sealer();

  void write(std::span<const std::uint8_t> plaintext);
  /// Emits the final chunk. No write() may follow.
  void finish();

  std::uint64_t plaintextBytes() const { return plaintextBytes_; }
  std::uint64_t ciphertextBytes() const { return ciphertextBytes_; }

private:
  Sealer(std::span<const std::uint8_t> recipientPublicKey, Sink sink, std::uint32_t chunkSize,
         hpke::Aead aead, hpke::SenderSetup setup);
  void emitChunk(std::span<const std::uint8_t> plaintext, bool final);
  void emit(std::span<const std::uint8_t> bytes);
  void checkUsable() const;

  Sink sink_;
  Bytes header_;
  hpke::Context context_;
  std::uint32_t chunkSize_;
  Bytes buffer_;
  Bytes aad_;
  std::uint64_t index_ = 0;
  std::uint64_t plaintextBytes_ = 0;
  std::uint64_t ciphertextBytes_ = 0;
  bool headerSent_ = false;
  bool finished_ = false;
  bool failed_ = false;
};

/// Opens a sealed document as a stream: feed ciphertext in pieces of any size with write(),
/// then finish(). Plaintext reaches the sink one whole chunk at a time and only after that
/// chunk authenticated; any failure throws and nothing further is released.
class Opener {
public:
  Opener(const hpke::KeyPair& recipient, std::string_view orderId, Sink sink,
         std::uint64_t maxPlaintextBytes = UINT64_MAX);
  Opener(const Opener&) = delete;
  Opener& operator=(const Opener&) = delete;
  ~Opener();

  void write(std::span<const std::uint8_t> ciphertext);
  /// Throws envelope_truncated unless the final chunk has been opened.
  void finish();

  bool complete() const { return complete_; }
  std::uint64_t plaintextBytes() const { return plaintextBytes_; }

private:
  enum class Stage { Header, RecordPrefix, RecordBody, Done };

  std::size_t takeHeader(std::span<const std::uint8_t> data);
  void startRecord();
  void openRecord(std::span<const std::uint8_t> sealed);
  [[noreturn]] void fail(const std::string& code, const std::string& message);

  hpke::KeyPair recipient_;
  std::string keyId_;
  std::string orderId_;
  Sink sink_;
  std::uint64_t maxPlaintextBytes_;
  Bytes pending_;
  Bytes plain_; ///< one record's plaintext, reused; wiped once the sink has it
  Bytes header_;
  Bytes aad_;
  std::optional<hpke::Context> context_;
  std::uint32_t chunkSize_ = 0;
  std::uint64_t index_ = 0;
  std::uint64_t plaintextBytes_ = 0;
  std::size_t recordSize_ = 0;
  std::uint8_t recordFlag_ = 0;
  Stage stage_ = Stage::Header;
  bool complete_ = false;
  std::optional<Error> failure_;
};

/// What a header says, for inspection without the private key (the cloud checks uploads).
struct HeaderInfo {
  std::uint8_t version = 0;
  hpke::Aead aead = hpke::Aead::Aes256Gcm;
  std::string keyId;
  std::uint32_t chunkSize = 0;
  std::size_t headerSize = 0;
};

/// Parses a header from the start of `data`. Returns nullopt when more bytes are needed;
/// throws envelope_malformed / envelope_unsupported when the bytes cannot be a header.
std::optional<HeaderInfo> parseHeader(std::span<const std::uint8_t> data);

/// Checks the framing of a whole envelope stream without decrypting: header well formed,
/// every chunk of the right size, exactly one final chunk, nothing after it. The cloud uses it
/// on client-sealed uploads so a malformed envelope is refused before it is stored.
class FramingValidator {
public:
  explicit FramingValidator(std::uint64_t maxCiphertextBytes = UINT64_MAX);
  void write(std::span<const std::uint8_t> data);
  /// Throws unless the stream ended right after its final chunk.
  void finish();
  const std::optional<HeaderInfo>& header() const { return header_; }

  /// Total bytes accepted so far.
  std::uint64_t bytesSeen() const { return seen_; }

private:
  [[noreturn]] void fail(const std::string& code, const std::string& message);

  std::uint64_t maxBytes_;
  std::uint64_t seen_ = 0;
  Bytes pending_;
  std::optional<HeaderInfo> header_;
  std::uint64_t chunkRemaining_ = 0;
  std::uint8_t recordFlag_ = 0;
  bool inChunk_ = false;
  bool finalSeen_ = false;
  std::optional<Error> failure_;
};

} // namespace printrelay::envelope
