#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace printrelay::agent {

/// Talks to the service manager, one file per platform. systemd (service_notify_systemd.cpp):
/// the way sd_notify(3) does, a datagram to $NOTIFY_SOCKET: READY=1, STOPPING=1, STATUS=…, and
/// WATCHDOG=1 pings. Windows (windows_service.cpp): READY=1 reports SERVICE_RUNNING and
/// STOPPING=1 SERVICE_STOP_PENDING to the service control manager, heartbeats advance the
/// checkpoint while starting or stopping. Everything is a no-op outside a service manager.
class ServiceNotifier {
public:
  ServiceNotifier();

  /// Sends one notification line set ("READY=1\nSTATUS=…"); false when not under a service
  /// manager.
  bool notify(std::string_view state) const;
  void ready(std::string_view status) const;
  void status(std::string_view status) const;
  void stopping() const;
  /// Pings the watchdog (at most once a second), when it is enabled.
  void heartbeat();
  /// The watchdog interval ($WATCHDOG_USEC for this process), when enabled (never on Windows).
  std::optional<std::chrono::microseconds> watchdogInterval() const { return watchdog_; }

private:
  std::optional<std::chrono::microseconds> watchdog_;
  std::chrono::steady_clock::time_point lastPing_{};
};

} // namespace printrelay::agent
