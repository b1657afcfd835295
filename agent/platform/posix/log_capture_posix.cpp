// StderrCapture on POSIX: standard error becomes a pipe read by a thread that writes every
// byte on to the original standard error and every complete line into the ring.
#include "agent/daemon/log_ring.h"
#include "common/util/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace printrelay::agent {

struct StderrCapture::Impl {
  LogRing& ring;
  int original = -1; // a duplicate of the stderr the process started with
  int readEnd = -1;
  std::thread thread;

  explicit Impl(LogRing& r) : ring(r) {}

  void writeOriginal(const char* data, std::size_t size) const {
    while (size > 0) {
      const ssize_t n = ::write(original, data, size);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return; // nowhere to write: the ring still gets the line
      }
      data += n;
      size -= static_cast<std::size_t>(n);
    }
  }

  void pump() {
    LogLineSplitter lines(ring);
    char buffer[8192];
    for (;;) {
      const ssize_t n = ::read(readEnd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      writeOriginal(buffer, static_cast<std::size_t>(n));
      lines.feed(buffer, static_cast<std::size_t>(n));
    }
    lines.finish();
  }
};

StderrCapture::StderrCapture(LogRing& ring) : impl_(std::make_unique<Impl>(ring)) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error("log_capture_failed", std::string("pipe: ") + std::strerror(errno));
  }
  impl_->original = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  if (impl_->original < 0 || ::dup2(fds[1], STDERR_FILENO) < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    if (impl_->original >= 0) {
      ::close(impl_->original);
    }
    throw Error("log_capture_failed", std::string("redirecting stderr: ") + std::strerror(err));
  }
  ::close(fds[1]); // stderr (fd 2) is now the only write end
  impl_->readEnd = fds[0];
  impl_->thread = std::thread([impl = impl_.get()] { impl->pump(); });
}

StderrCapture::~StderrCapture() {
  // Putting the original stderr back closes the last write end: the thread reads what is
  // left, sees end of file and ends.
  ::dup2(impl_->original, STDERR_FILENO);
  impl_->thread.join();
  ::close(impl_->readEnd);
  ::close(impl_->original);
}

} // namespace printrelay::agent
