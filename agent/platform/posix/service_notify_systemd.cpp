// ServiceNotifier under systemd: sd_notify(3) datagrams to $NOTIFY_SOCKET, sent by
// common/util/sd_notify (see service_notify.h).
#include "agent/platform/service_notify.h"
#include "common/util/sd_notify.h"

namespace printrelay::agent {

ServiceNotifier::ServiceNotifier() : watchdog_(sd::watchdogInterval()) {}

bool ServiceNotifier::notify(std::string_view state) const {
  return sd::notify(state);
}

void ServiceNotifier::heartbeat() {
  if (!watchdog_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - lastPing_ >= std::chrono::seconds(1)) {
    notify("WATCHDOG=1");
    lastPing_ = now;
  }
}

} // namespace printrelay::agent
