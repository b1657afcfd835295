// libFuzzer target: the wire models' from_json on hostile JSON.
#include "common/util/error.h"
#include "common/wire/protocol.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>

using namespace printrelay;
using nlohmann::json;

namespace {

/// Converts `j`; when accepted, the value must survive to_json and back unchanged.
template <typename T> void roundTrip(const json& j) {
  T value;
  try {
    value = j.get<T>();
  } catch (const Error&) {
    return;
  }
  const json again = value;
  const json twice = again.get<T>();
  PRINTRELAY_FUZZ_CHECK(again == twice);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json j = json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) {
    return 0;
  }
  roundTrip<protocol::PrintOptions>(j);
  roundTrip<protocol::EnrollRequest>(j);
  roundTrip<protocol::EnrollResponse>(j);
  roundTrip<protocol::JobOffer>(j);
  roundTrip<protocol::JobEvent>(j);
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      roundTrip<protocol::PrintOptions>(value);
      roundTrip<protocol::JobOffer>(value);
    }
  }
  return 0;
}
