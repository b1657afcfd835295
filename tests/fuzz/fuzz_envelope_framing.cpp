// libFuzzer target: parseHeader() and FramingValidator, the cloud's keyless upload checks.
#include "common/crypto/envelope.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

using namespace printrelay;

namespace {

/// Runs a validator over `input` cut at `cut`; returns the error code or "" when accepted.
std::string validate(std::span<const std::uint8_t> input, std::size_t cut, std::uint64_t limit,
                     std::optional<envelope::HeaderInfo>& header) {
  envelope::FramingValidator validator(limit);
  std::string code;
  try {
    validator.write(input.first(cut));
    validator.write(input.subspan(cut));
    validator.finish();
  } catch (const Error& e) {
    code = e.code();
  }
  header = validator.header();
  return code;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);

  std::optional<envelope::HeaderInfo> parsed;
  std::string parseError;
  try {
    parsed = envelope::parseHeader(input);
  } catch (const Error& e) {
    parseError = e.code();
  }
  if (parsed) {
    PRINTRELAY_FUZZ_CHECK(parsed->headerSize <= size);
    PRINTRELAY_FUZZ_CHECK(parsed->keyId.size() == 32);
    PRINTRELAY_FUZZ_CHECK(parsed->chunkSize >= envelope::kMinChunkSize &&
                          parsed->chunkSize <= envelope::kMaxChunkSize);
  }

  std::optional<envelope::HeaderInfo> whole;
  std::optional<envelope::HeaderInfo> split;
  const std::string a = validate(input, 0, UINT64_MAX, whole);
  const std::string b = validate(input, size / 3, UINT64_MAX, split);
  // The verdict does not depend on how the bytes arrive.
  PRINTRELAY_FUZZ_CHECK(a == b);
  PRINTRELAY_FUZZ_CHECK(whole.has_value() == split.has_value());
  // The validator sees a header exactly when parseHeader does.
  PRINTRELAY_FUZZ_CHECK(whole.has_value() == parsed.has_value());
  if (whole && parsed) {
    PRINTRELAY_FUZZ_CHECK(whole->keyId == parsed->keyId && whole->chunkSize == parsed->chunkSize);
  }
  if (!parseError.empty()) {
    PRINTRELAY_FUZZ_CHECK(a == parseError);
  }
  // A limit below the size is always refused, before anything else is looked at.
  if (size > 0) {
    std::optional<envelope::HeaderInfo> ignored;
    PRINTRELAY_FUZZ_CHECK(validate(input, 0, size - 1, ignored) == "envelope_too_large");
  }
  return 0;
}
