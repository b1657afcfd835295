// libFuzzer target: the cloud's Date header as the agent reads it to learn the clock skew
// (agent/cloud/cloud_requests, parseHttpDate: IMF-fixdate only).
#include "agent/cloud/cloud_requests.h"
#include "tests/fuzz/fuzz_support.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

using namespace printrelay;

namespace {

/// `unixSeconds` as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), without the C library's
/// time zone state.
std::string imfFixdate(std::int64_t unixSeconds) {
  static constexpr std::array<const char*, 7> kDays{"Thu", "Fri", "Sat", "Sun",
                                                    "Mon", "Tue", "Wed"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t days = unixSeconds / 86400;
  const std::int64_t rest = unixSeconds % 86400;
  // civil_from_days (H. Hinnant), days since 1970-01-01 ≥ 0.
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays[static_cast<std::size_t>(days % 7)], static_cast<int>(d),
                kMonths[static_cast<std::size_t>(m - 1)], static_cast<int>(y),
                static_cast<int>(rest / 3600), static_cast<int>(rest % 3600 / 60),
                static_cast<int>(rest % 60));
  return text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto seconds = agent::parseHttpDate(text);
  if (!seconds) {
    return 0;
  }
  // 1970 … 9999 (four digits), and the date written back reads the same.
  PRINTRELAY_FUZZ_CHECK(*seconds >= 0 && *seconds < 253402300800 + 31 * 86400);
  const std::string again = imfFixdate(*seconds);
  if (*seconds < 253402300800) { // past 9999-12-31 the year needs five digits
    PRINTRELAY_FUZZ_CHECK(agent::parseHttpDate(again) == seconds);
  }
  return 0;
}
