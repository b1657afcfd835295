// ServiceNotifier under systemd: sd_notify(3) datagrams to $NOTIFY_SOCKET (see service_notify.h).
#include "agent/platform/service_notify.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace printrelay::agent {

ServiceNotifier::ServiceNotifier() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (usec != nullptr && (pid == nullptr || std::atol(pid) == static_cast<long>(::getpid()))) {
    const long long value = std::atoll(usec);
    if (value > 0) {
      watchdog_ = std::chrono::microseconds(value);
    }
  }
}

bool ServiceNotifier::notify(std::string_view state) const {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') {
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t length = std::strlen(path);
  if (length >= sizeof addr.sun_path || (path[0] != '/' && path[0] != '@')) {
    return false;
  }
  std::memcpy(addr.sun_path, path, length);
  if (path[0] == '@') {
    addr.sun_path[0] = '\0'; // abstract namespace
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), size);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
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
