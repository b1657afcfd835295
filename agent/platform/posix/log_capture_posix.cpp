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

  void pump() const {
    pumpCapturedLog(
        ring,
        [this](char* buffer, std::size_t size) -> long long {
          ssize_t n = 0;
          do {
            n = ::read(readEnd, buffer, size);
          } while (n < 0 && errno == EINTR);
          return n;
        },
        [this](const char* data, std::size_t size) -> long long {
          ssize_t n = 0;
          do {
            n = ::write(original, data, size);
          } while (n < 0 && errno == EINTR);
          return n;
        });
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
