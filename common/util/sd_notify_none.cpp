// No systemd on this platform: nothing to notify (see sd_notify.h).
#include "common/util/sd_notify.h"

namespace printrelay::sd {

bool notify(std::string_view) {
  return false;
}

std::optional<std::chrono::microseconds> watchdogInterval() {
  return std::nullopt;
}

} // namespace printrelay::sd
