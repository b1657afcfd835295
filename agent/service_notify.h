#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace printrelay::agent {

/// Talks to the service manager the way sd_notify(3) does (a datagram to $NOTIFY_SOCKET):
/// READY=1, STOPPING=1, STATUS=…, and WATCHDOG=1 pings. Everything is a no-op when the agent
/// does not run under systemd.
class ServiceNotifier {
public:
  ServiceNotifier();

  /// Sends one notification line set ("READY=1\nSTATUS=…"); false when not under systemd.
  bool notify(std::string_view state) const;
  void ready(std::string_view status) const;
  void status(std::string_view status) const;
  void stopping() const;
  /// Pings the watchdog (at most once a second), when it is enabled.
  void heartbeat();
  /// The watchdog interval ($WATCHDOG_USEC for this process), when enabled.
  std::optional<std::chrono::microseconds> watchdogInterval() const { return watchdog_; }

private:
  std::optional<std::chrono::microseconds> watchdog_;
  std::chrono::steady_clock::time_point lastPing_{};
};

} // namespace printrelay::agent
