// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (see sd_notify.h).
#include "common/util/sd_notify.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace printrelay::sd {

bool notify(std::string_view state) {
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

std::optional<std::chrono::microseconds> watchdogInterval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (usec == nullptr || (pid != nullptr && std::atol(pid) != static_cast<long>(::getpid()))) {
    return std::nullopt;
  }
  const long long value = std::atoll(usec);
  if (value <= 0) {
    return std::nullopt;
  }
  return std::chrono::microseconds(value);
}

} // namespace printrelay::sd
