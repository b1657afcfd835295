#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace printrelay::sd {

// The service manager's notification protocol, the way sd_notify(3) speaks it: one datagram of
// newline-separated assignments ("READY=1", "STATUS=…", "WATCHDOG=1", "STOPPING=1") to the
// Unix socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace). Without
// systemd (no $NOTIFY_SOCKET, or Windows) every call is a no-op. The agent's ServiceNotifier and
// the cloud both send through here.

/// Sends `state` to $NOTIFY_SOCKET; false when it is unset, malformed or the send fails.
bool notify(std::string_view state);

/// The watchdog interval systemd set for this process ($WATCHDOG_USEC, honoured only when
/// $WATCHDOG_PID is unset or names this process); nullopt when the watchdog is off.
std::optional<std::chrono::microseconds> watchdogInterval();

} // namespace printrelay::sd
