// libFuzzer target: a JSON request body as every route reads it (cloud/routes/json_body):
// parseJsonObject, then the field readers a handler calls, then dumpJson of what it read.
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "tests/fuzz/fuzz_support.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

using namespace printrelay;
using namespace printrelay::cloud;
using nlohmann::json;

namespace {

/// Every refusal of a request body is a 400 with one of the two codes.
void checkRefusal(const ApiError& e) {
  PRINTRELAY_FUZZ_CHECK(e.status() == 400);
  PRINTRELAY_FUZZ_CHECK(e.code() == "invalid_request" || e.code() == "malformed_json");
  PRINTRELAY_FUZZ_CHECK(json::parse(errorBody(e.code(), e.what()), nullptr, false).is_object());
}

bool hasControl(const std::string& s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

void checkFields(const json& body, std::size_t maxLength, std::int64_t min, std::int64_t max) {
  for (const auto& [key, value] : body.items()) {
    try {
      const std::string s = requiredString(body, key, maxLength);
      PRINTRELAY_FUZZ_CHECK(value.is_string());
      PRINTRELAY_FUZZ_CHECK(!s.empty() && s.size() <= maxLength && !hasControl(s));
    } catch (const ApiError& e) {
      checkRefusal(e);
    }
    try {
      const std::string s = optionalString(body, key, maxLength);
      PRINTRELAY_FUZZ_CHECK(s.size() <= maxLength && !hasControl(s));
    } catch (const ApiError& e) {
      checkRefusal(e);
    }
    try {
      const double d =
          requiredNumber(body, key, static_cast<double>(min), static_cast<double>(max));
      PRINTRELAY_FUZZ_CHECK(std::isfinite(d) && d >= static_cast<double>(min) &&
                            d <= static_cast<double>(max));
    } catch (const ApiError& e) {
      checkRefusal(e);
    }
    try {
      const std::int64_t n = requiredInteger(body, key, min, max);
      PRINTRELAY_FUZZ_CHECK(value.is_number_integer());
      PRINTRELAY_FUZZ_CHECK(n >= min && n <= max);
    } catch (const ApiError& e) {
      checkRefusal(e);
    }
  }
  try {
    rejectUnknownFields(body, {"store_id", "email", "password", "name", "reason"});
    for (const auto& [key, value] : body.items()) {
      PRINTRELAY_FUZZ_CHECK(key == "store_id" || key == "email" || key == "password" ||
                            key == "name" || key == "reason");
    }
  } catch (const ApiError& e) {
    checkRefusal(e);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte picks the limits the handler reads with; the rest is the body.
  if (size == 0) {
    return 0;
  }
  const std::uint8_t mode = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t maxLength = mode & 0x3f;
  const std::int64_t min = (mode & 0x40) ? -(std::int64_t{1} << 62) : 1;
  const std::int64_t max = (mode & 0x80) ? INT64_MAX : 100000;
  json body;
  try {
    body = parseJsonObject(text);
  } catch (const ApiError& e) {
    checkRefusal(e);
    return 0;
  }
  PRINTRELAY_FUZZ_CHECK(body.is_object());
  checkFields(body, maxLength, min, max);
  // What a handler read, written back, reads the same (numbers too large for a double excepted:
  // they become null).
  const std::string dumped = dumpJson(body);
  const json again = parseJsonObject(dumped);
  PRINTRELAY_FUZZ_CHECK(dumpJson(again) == dumped);
  // Error bodies take any bytes (an unknown field's name is quoted back) and stay JSON.
  PRINTRELAY_FUZZ_CHECK(json::parse(errorBody(text, text), nullptr, false).is_object());
  return 0;
}
