#pragma once

// A bound Unix datagram socket standing in for systemd's $NOTIFY_SOCKET: what a service sends
// with sd_notify(3) arrives here, one datagram per call. POSIX only; header-only, so the
// portable unit tests can use it without the integration support library.

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace printrelay::testing {

class NotifySocket {
public:
  /// A socket file in a fresh temp directory, or (`abstract`) a name in the abstract namespace.
  explicit NotifySocket(bool abstract = false) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::size_t length = 0;
    if (abstract) {
      static int counter = 0;
      const std::string name =
          "printrelay-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
      address_ = "@" + name;
      std::memcpy(addr.sun_path + 1, name.data(), name.size());
      length = offsetof(sockaddr_un, sun_path) + 1 + name.size();
    } else {
      char dir[] = "/tmp/printrelay-notify-XXXXXX";
      if (::mkdtemp(dir) != nullptr) {
        dir_ = dir;
      }
      address_ = dir_ + "/notify";
      std::memcpy(addr.sun_path, address_.data(), address_.size());
      length = offsetof(sockaddr_un, sun_path) + address_.size();
    }
    bound_ =
        fd_ >= 0 && !(address_.size() >= sizeof addr.sun_path) &&
        ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), static_cast<socklen_t>(length)) == 0;
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket() {
    ::close(fd_);
    if (!dir_.empty()) {
      ::unlink(address_.c_str());
      ::rmdir(dir_.c_str());
    }
  }

  bool bound() const { return bound_; }
  /// The value for $NOTIFY_SOCKET.
  const std::string& address() const { return address_; }

  /// The next datagram, or "" when none comes within `timeoutMs`.
  std::string receive(int timeoutMs = 10000) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeoutMs) != 1) {
      return {};
    }
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, std::size_t(n)) : std::string();
  }

  /// Reads datagrams until one contains `needle`, and returns it; "" when none does within
  /// `timeoutMs` per datagram.
  std::string receiveContaining(const std::string& needle, int timeoutMs = 10000) const {
    while (true) {
      std::string datagram = receive(timeoutMs);
      if (datagram.empty() || datagram.find(needle) != std::string::npos) {
        return datagram;
      }
    }
  }

private:
  int fd_ = -1;
  bool bound_ = false;
  std::string dir_;
  std::string address_;
};

} // namespace printrelay::testing
