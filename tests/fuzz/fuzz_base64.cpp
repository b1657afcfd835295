// libFuzzer target: base64Decode and hexDecode on arbitrary text.
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace printrelay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const Bytes decoded = base64Decode(text);
    PRINTRELAY_FUZZ_CHECK(decoded.size() <= size / 4 * 3);
    PRINTRELAY_FUZZ_CHECK(base64Encode(decoded).size() == size);
    PRINTRELAY_FUZZ_CHECK(base64Decode(base64Encode(decoded)) == decoded);
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(e.code() == "invalid_base64");
  }
  try {
    const Bytes decoded = hexDecode(text);
    PRINTRELAY_FUZZ_CHECK(decoded.size() * 2 == size);
    const std::string encoded = hexEncode(decoded);
    for (std::size_t i = 0; i < size; ++i) {
      PRINTRELAY_FUZZ_CHECK(encoded[i] == std::tolower(static_cast<unsigned char>(text[i])));
    }
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(e.code() == "invalid_hex");
  }
  // Round trip the other way: any bytes encode and decode back.
  const std::span<const std::uint8_t> bytes(data, size);
  PRINTRELAY_FUZZ_CHECK(base64Decode(base64Encode(bytes)) == Bytes(bytes.begin(), bytes.end()));
  return 0;
}
