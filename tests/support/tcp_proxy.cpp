#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace printrelay::testing {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxBuffered = 4 * kChunk; // stop reading a side whose peer is slow

void setNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void closeFd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

/// Closes with RST rather than FIN: SO_LINGER with a zero timeout.
void resetFd(int& fd) {
  if (fd >= 0) {
    linger off{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
    closeFd(fd);
  }
}

/// A blocking connect to 127.0.0.1:port (the server is local: it answers or refuses at once).
int connectLocal(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  setNonBlocking(fd);
  return fd;
}

/// One side of a proxied connection: its socket, the bytes waiting to be written to it, whether
/// its peer sent FIN, whether we passed a FIN on to it.
struct Side {
  int fd = -1;
  std::string pending;
  bool eof = false;
  bool shut = false;
};

struct Link {
  Side client;
  Side upstream;
  bool held = false; // black-holed: read and discard on both sides, forward nothing

  bool done() const { return client.fd < 0 && upstream.fd < 0; }
};

/// Reads what `from` has; forwards it into `to.pending` unless held. False on an error.
bool readSide(Side& from, Side& to, bool held) {
  char buffer[kChunk];
  const ssize_t got = ::recv(from.fd, buffer, sizeof buffer, 0);
  if (got < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  if (got == 0) {
    from.eof = true;
    return true;
  }
  if (!held) {
    to.pending.append(buffer, static_cast<std::size_t>(got));
  }
  return true;
}

/// Writes what is pending for `side`. False on an error.
bool writeSide(Side& side) {
  while (!side.pending.empty()) {
    const ssize_t sent = ::send(side.fd, side.pending.data(), side.pending.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
    side.pending.erase(0, static_cast<std::size_t>(sent));
  }
  return true;
}

} // namespace

TcpProxy::TcpProxy(int upstreamPort) : upstreamPort_(upstreamPort) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listenFd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "TcpProxy socket");
  }
  const int on = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd_, 64) != 0 ||
      ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int saved = errno;
    ::close(listenFd_);
    throw std::system_error(saved, std::generic_category(), "TcpProxy bind/listen");
  }
  port_ = ntohs(addr.sin_port);
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) {
    const int saved = errno;
    ::close(listenFd_);
    throw std::system_error(saved, std::generic_category(), "TcpProxy eventfd");
  }
  thread_ = std::thread([this] { serve(); });
}

TcpProxy::~TcpProxy() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  thread_.join();
  ::close(listenFd_);
  ::close(wakeFd_);
}

void TcpProxy::wake() const {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
}

void TcpProxy::setUpstreamPort(int port) {
  std::lock_guard lock(mutex_);
  upstreamPort_ = port;
}

void TcpProxy::setMode(Mode mode) {
  std::unique_lock lock(mutex_);
  mode_ = mode;
  const std::uint64_t generation = ++modeGeneration_;
  wake();
  applied_.wait(lock, [&] { return appliedGeneration_ >= generation || stopping_; });
}

TcpProxy::Mode TcpProxy::mode() const {
  std::lock_guard lock(mutex_);
  return mode_;
}

std::uint64_t TcpProxy::accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

std::size_t TcpProxy::openConnections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void TcpProxy::serve() {
  std::vector<std::unique_ptr<Link>> links;
  const auto closeAll = [&](bool reset) {
    for (auto& link : links) {
      if (reset) {
        resetFd(link->client.fd);
        resetFd(link->upstream.fd);
      } else {
        closeFd(link->client.fd);
        closeFd(link->upstream.fd);
      }
    }
    links.clear();
  };

  while (true) {
    Mode mode = Mode::Pass;
    int upstreamPort = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        break;
      }
      mode = mode_;
      upstreamPort = upstreamPort_;
      if (appliedGeneration_ != modeGeneration_) {
        if (mode == Mode::Drop || mode == Mode::Reset) {
          closeAll(mode == Mode::Reset);
        } else if (mode == Mode::BlackHole) {
          for (auto& link : links) {
            link->held = true;
            link->client.pending.clear();
            link->upstream.pending.clear();
          }
        }
        appliedGeneration_ = modeGeneration_;
        applied_.notify_all();
      }
      open_ = links.size();
    }

    // What to wait for: the wake fd, the listener, then each link's two sides.
    std::vector<pollfd> fds{{wakeFd_, POLLIN, 0}, {listenFd_, POLLIN, 0}};
    const auto interest = [](const Side& self, const Side& peer, bool held) -> short {
      short events = 0;
      if (self.fd < 0) {
        return 0;
      }
      if (!self.eof && (held || peer.pending.size() < kMaxBuffered)) {
        events |= POLLIN;
      }
      if (!held && !self.pending.empty()) {
        events |= POLLOUT;
      }
      return events;
    };
    for (const auto& link : links) {
      fds.push_back({link->client.fd, interest(link->client, link->upstream, link->held), 0});
      fds.push_back({link->upstream.fd, interest(link->upstream, link->client, link->held), 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto got = ::read(wakeFd_, &count, sizeof count);
    }

    // Each link: read, forward, pass a FIN on once its bytes are through, close when done.
    for (std::size_t i = 0; i < links.size(); ++i) {
      Link& link = *links[i];
      const short clientEvents = fds[2 + 2 * i].revents;
      const short upstreamEvents = fds[3 + 2 * i].revents;
      bool ok = true;
      constexpr short kReadable = POLLIN | POLLHUP | POLLERR;
      if (link.client.fd >= 0 && (clientEvents & kReadable) != 0 && !link.client.eof) {
        ok = readSide(link.client, link.upstream, link.held) && ok;
      }
      if (link.upstream.fd >= 0 && (upstreamEvents & kReadable) != 0 && !link.upstream.eof) {
        ok = readSide(link.upstream, link.client, link.held) && ok;
      }
      if (link.held) {
        // Nothing crosses: each side is closed on its own when its peer goes.
        if (!ok || link.client.eof) {
          closeFd(link.client.fd);
        }
        if (!ok || link.upstream.eof) {
          closeFd(link.upstream.fd);
        }
        continue;
      }
      if (ok && link.client.fd >= 0) {
        ok = writeSide(link.client);
      }
      if (ok && link.upstream.fd >= 0) {
        ok = writeSide(link.upstream);
      }
      if (!ok) {
        // One side failed (a reset): the other gets a reset too.
        resetFd(link.client.fd);
        resetFd(link.upstream.fd);
        continue;
      }
      if (link.client.eof && link.upstream.pending.empty() && !link.upstream.shut) {
        ::shutdown(link.upstream.fd, SHUT_WR);
        link.upstream.shut = true;
      }
      if (link.upstream.eof && link.client.pending.empty() && !link.client.shut) {
        ::shutdown(link.client.fd, SHUT_WR);
        link.client.shut = true;
      }
      if (link.client.eof && link.upstream.eof && link.client.pending.empty() &&
          link.upstream.pending.empty()) {
        closeFd(link.client.fd);
        closeFd(link.upstream.fd);
      }
    }
    std::erase_if(links, [](const auto& link) { return link->done(); });

    if ((fds[1].revents & POLLIN) != 0) {
      while (true) {
        int client = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (client < 0) {
          break;
        }
        {
          std::lock_guard lock(mutex_);
          ++accepted_;
        }
        if (mode == Mode::Drop) {
          closeFd(client);
          continue;
        }
        if (mode == Mode::Reset) {
          resetFd(client);
          continue;
        }
        auto link = std::make_unique<Link>();
        link->client.fd = client;
        if (mode == Mode::BlackHole) {
          link->held = true;
        } else {
          link->upstream.fd = connectLocal(upstreamPort);
          if (link->upstream.fd < 0) {
            resetFd(link->client.fd); // the server is down: the client sees the link fail
            continue;
          }
        }
        links.push_back(std::move(link));
      }
    }
  }
  closeAll(false);
  std::lock_guard lock(mutex_);
  open_ = 0;
  applied_.notify_all();
}

} // namespace printrelay::testing
