#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace printrelay {

/// The notion of "now" in Unix seconds. Injected so tests can move time forward (lease
/// expiry, enrollment code expiry) without sleeping.
using Clock = std::function<std::int64_t()>;

/// The system clock.
inline std::int64_t systemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace printrelay
