// libFuzzer target: a request's query string as the routes read it: decoded into name-value
// pairs (cloud/server/route_adapter), then read with queryParam, wholeNumberParam and the order
// state names (cloud/routes/route_support, common/wire/order_state).
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/server/route_adapter.h"
#include "common/util/encoding.h"
#include "common/wire/order_state.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace printrelay;
using namespace printrelay::cloud;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);

  HttpRequest request;
  request.query = decodeQuery(query);
  std::size_t decodedBytes = 0;
  for (const auto& [name, value] : request.query) {
    decodedBytes += name.size() + value.size();
    // Decoding never grows the text and undoes percentEncode.
    PRINTRELAY_FUZZ_CHECK(percentDecode(percentEncode(name), true) == name);
    PRINTRELAY_FUZZ_CHECK(percentDecode(percentEncode(value), false) == value);
  }
  PRINTRELAY_FUZZ_CHECK(decodedBytes <= size);
  PRINTRELAY_FUZZ_CHECK(percentDecode(query, false).size() <= size);
  PRINTRELAY_FUZZ_CHECK(percentDecode(query, true).size() == percentDecode(query, false).size());

  for (const auto& [name, value] : request.query) {
    const auto values = request.queryValues(name);
    PRINTRELAY_FUZZ_CHECK(!values.empty());
    PRINTRELAY_FUZZ_CHECK(request.queryValue(name) == values.front());
    try {
      const auto once = queryParam(request, name);
      PRINTRELAY_FUZZ_CHECK(values.size() == 1 && once && *once == value);
    } catch (const ApiError& e) {
      PRINTRELAY_FUZZ_CHECK(e.status() == 400 && e.code() == "invalid_request");
      PRINTRELAY_FUZZ_CHECK(values.size() > 1);
    }
    for (const std::int64_t max : {std::int64_t{100}, std::int64_t{999'999'999'999}}) {
      try {
        const std::int64_t n = wholeNumberParam(name, value, 1, max);
        PRINTRELAY_FUZZ_CHECK(n >= 1 && n <= max);
        PRINTRELAY_FUZZ_CHECK(value.find_first_not_of("0123456789") == std::string::npos);
        const auto digits = value.find_first_not_of('0');
        PRINTRELAY_FUZZ_CHECK(digits != std::string::npos &&
                              value.substr(digits) == std::to_string(n));
      } catch (const ApiError& e) {
        PRINTRELAY_FUZZ_CHECK(e.status() == 400 && e.code() == "invalid_request");
      }
    }
    if (const auto state = parseOrderState(value)) {
      PRINTRELAY_FUZZ_CHECK(toString(*state) == value);
    }
  }
  // A parameter the query does not have (longer than the whole query) is absent.
  PRINTRELAY_FUZZ_CHECK(!queryParam(request, std::string(size + 1, 'x')).has_value());
  return 0;
}
