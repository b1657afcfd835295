// libFuzzer target: the streaming envelope opener on hostile ciphertext.
#include "common/crypto/envelope.h"
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

using namespace printrelay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  // The first byte picks how the stream is cut into writes (1 byte up to everything at once).
  const std::size_t piece = data[0] == 0 ? size : data[0];
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  constexpr std::uint64_t kLimit = 1 << 20;

  std::uint64_t released = 0;
  std::uint32_t chunkSize = 0;
  bool sawShortChunk = false;
  envelope::Opener opener(
      fuzz::storeKey(), fuzz::kOrderId,
      [&](std::span<const std::uint8_t> plain) {
        // Only whole chunks come out, and only the last one may be short.
        const auto header = envelope::parseHeader(input);
        PRINTRELAY_FUZZ_CHECK(header.has_value());
        chunkSize = header->chunkSize;
        PRINTRELAY_FUZZ_CHECK(!plain.empty() && plain.size() <= chunkSize);
        PRINTRELAY_FUZZ_CHECK(!sawShortChunk);
        sawShortChunk = plain.size() < chunkSize;
        released += plain.size();
        return true;
      },
      kLimit);
  bool ok = true;
  try {
    for (std::size_t off = 0; off < input.size(); off += piece) {
      opener.write(input.subspan(off, std::min(piece, input.size() - off)));
    }
    opener.finish();
  } catch (const Error&) {
    ok = false;
  }
  PRINTRELAY_FUZZ_CHECK(opener.complete() == ok);
  PRINTRELAY_FUZZ_CHECK(opener.plaintextBytes() == released);
  PRINTRELAY_FUZZ_CHECK(released <= kLimit);
  if (ok) {
    // Whatever opens must also pass the keyless framing check.
    envelope::FramingValidator validator;
    validator.write(input);
    validator.finish();
  }
  return 0;
}
