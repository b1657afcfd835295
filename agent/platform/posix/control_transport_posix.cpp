// The control transport on POSIX: a Unix stream socket.
#include "agent/control/control_transport.h"
#include "agent/daemon/agent_config.h"
#include "common/util/error.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

namespace printrelay::agent::control {
namespace {

/// Closes a descriptor when it goes out of scope.
class Fd {
public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

private:
  int fd_;
};

[[noreturn]] void fail(const std::string& code, const std::string& what, int err) {
  throw Error(code, what + ": " + std::strerror(err));
}

sockaddr_un addressFor(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    throw Error("control_io_failed", "control socket path '" + path + "' is empty or longer than " +
                                         std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

int newSocket() {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail("control_io_failed", "cannot create a Unix socket", errno);
  }
  return fd;
}

/// Connects `fd` to `path`; returns errno (0 on success).
int connectTo(int fd, const std::string& path) {
  const sockaddr_un addr = addressFor(path);
  int rc = 0;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc != 0 && errno == EINTR);
  return rc == 0 ? 0 : errno;
}

/// Waits until `fd` is readable (or `timeout` passes): true when readable.
bool waitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc < 0) {
      fail("control_io_failed", "poll on the control socket failed", errno);
    }
    return rc > 0;
  }
}

class UnixConnection : public LineConnection {
public:
  explicit UnixConnection(int fd) : fd_(fd) {}

  void write(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        fail("control_io_failed", "writing to the control socket failed", errno);
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void shutdown() noexcept override {
    shut_ = true;
    ::shutdown(fd_.get(), SHUT_RDWR);
  }

  std::string peer() const override {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd_.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      return {};
    }
    std::string out = "uid " + std::to_string(cred.uid);
    passwd pw{};
    passwd* found = nullptr;
    char buf[1024];
    if (::getpwuid_r(cred.uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
      out += std::string(" (") + found->pw_name + ")";
    }
    return out + ", pid " + std::to_string(cred.pid);
  }

protected:
  std::optional<std::size_t> readSome(char* buffer, std::size_t size,
                                      std::chrono::milliseconds wait) override {
    if (!waitReadable(fd_.get(), wait)) {
      return std::nullopt;
    }
    const ssize_t n = ::recv(fd_.get(), buffer, size, 0);
    if (n >= 0) {
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR || errno == EAGAIN || shut_) {
      return std::nullopt;
    }
    fail("control_io_failed", "reading from the control socket failed", errno);
  }

private:
  Fd fd_;
};

class UnixListener : public ControlListener {
public:
  explicit UnixListener(std::string path) : path_(std::move(path)) {
    const sockaddr_un addr = addressFor(path_);
    const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      if (!std::filesystem::exists(parent, ec)) {
        std::filesystem::create_directories(parent, ec);
        if (ec) {
          throw Error("control_io_failed",
                      "cannot create " + parent.string() + ": " + ec.message());
        }
        std::filesystem::permissions(parent, std::filesystem::perms(0750), ec);
      }
    }
    removeStale();
    fd_.reset(newSocket());
    // The socket file gets 0777 & ~umask at bind(); 0117 gives 0660 from the start, so no
    // one outside the group can connect in the moment before the chmod below.
    const mode_t old = ::umask(0117);
    const int rc = ::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    const int err = errno;
    ::umask(old);
    if (rc != 0) {
      fail("control_io_failed", "cannot bind the control socket " + path_, err);
    }
    bound_ = true;
    if (::chmod(path_.c_str(), 0660) != 0) {
      fail("control_io_failed", "cannot set the mode of " + path_, errno);
    }
    if (::listen(fd_.get(), 16) != 0) {
      fail("control_io_failed", "cannot listen on " + path_, errno);
    }
  }
  ~UnixListener() override { close(); }

  std::unique_ptr<ControlConnection> accept(std::chrono::milliseconds timeout) override {
    if (fd_.get() < 0 || !waitReadable(fd_.get(), timeout)) {
      return nullptr;
    }
    const int client = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) {
        return nullptr;
      }
      fail("control_io_failed", "accepting a control connection failed", errno);
    }
    return std::make_unique<UnixConnection>(client);
  }

  void close() noexcept override {
    if (fd_.get() >= 0) {
      fd_.reset();
    }
    if (bound_) {
      ::unlink(path_.c_str());
      bound_ = false;
    }
  }

  const std::string& address() const override { return path_; }

private:
  /// Removes a socket no one listens on (left by an agent that died); refuses to touch a live
  /// socket or anything that is not a socket.
  void removeStale() {
    struct stat st {};
    if (::lstat(path_.c_str(), &st) != 0) {
      return;
    }
    if (!S_ISSOCK(st.st_mode)) {
      throw Error("control_io_failed",
                  path_ + " exists and is not a socket; remove it or set control_socket");
    }
    Fd probe(newSocket());
    const int err = connectTo(probe.get(), path_);
    if (err == 0) {
      throw Error("control_in_use", "another agent is listening on " + path_);
    }
    if (err == ECONNREFUSED || err == ENOENT) {
      ::unlink(path_.c_str());
      return;
    }
    fail("control_io_failed", "cannot check the existing control socket " + path_, err);
  }

  std::string path_;
  Fd fd_;
  bool bound_ = false;
};

} // namespace

std::unique_ptr<ControlListener> listenControl(const std::string& address) {
  return std::make_unique<UnixListener>(address);
}

std::unique_ptr<ControlConnection> connectControl(const std::string& address,
                                                  std::chrono::milliseconds /*timeout*/) {
  // connect() on a local socket does not block for long: it fails at once or queues.
  Fd fd(newSocket());
  const int err = connectTo(fd.get(), address);
  if (err == ENOENT || err == ECONNREFUSED || err == ENOTDIR) {
    throw Error("control_unavailable", "the agent is not running (nothing listens on " + address +
                                           ": " + std::strerror(err) + ")");
  }
  if (err == EACCES || err == EPERM) {
    throw Error("control_forbidden",
                "no permission to open " + address +
                    " (be root or a member of the agent's group, e.g. printrelay)");
  }
  if (err != 0) {
    fail("control_io_failed", "cannot connect to " + address, err);
  }
  return std::make_unique<UnixConnection>(fd.release());
}

} // namespace printrelay::agent::control

namespace printrelay::agent {

std::string defaultControlSocket() {
  return "/run/printrelay/agent.sock";
}

} // namespace printrelay::agent
