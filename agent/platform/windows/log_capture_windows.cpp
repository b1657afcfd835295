// StderrCapture on Windows: the C runtime's standard error descriptor becomes an anonymous pipe
// read by a thread that writes every byte on to the original standard error (the console, or
// the service's log file) and every complete line into the ring.
#include "agent/daemon/log_ring.h"
#include "common/util/error.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <io.h>
#include <string>
#include <thread>

namespace printrelay::agent {

struct StderrCapture::Impl {
  LogRing& ring;
  int target = -1;   // stderr's descriptor (2, unless the service reopened it elsewhere)
  int original = -1; // a duplicate of what stderr was before the capture
  int readEnd = -1;
  std::thread thread;

  explicit Impl(LogRing& r) : ring(r) {}

  void pump() const {
    pumpCapturedLog(
        ring,
        [this](char* buffer, std::size_t size) -> long long {
          return ::_read(readEnd, buffer, static_cast<unsigned>(size));
        },
        [this](const char* data, std::size_t size) -> long long {
          return ::_write(original, data,
                          static_cast<unsigned>(std::min<std::size_t>(size, 64 * 1024)));
        });
  }
};

StderrCapture::StderrCapture(LogRing& ring) : impl_(std::make_unique<Impl>(ring)) {
  std::fflush(stderr);
  impl_->target = ::_fileno(stderr);
  if (impl_->target < 0) {
    throw Error("log_capture_failed", "this process has no standard error");
  }
  int fds[2];
  // Binary: the bytes reach the original stream untranslated; it translates as it always did.
  if (::_pipe(fds, 64 * 1024, _O_BINARY | _O_NOINHERIT) != 0) {
    throw Error("log_capture_failed", std::string("pipe: ") + std::strerror(errno));
  }
  impl_->original = ::_dup(impl_->target);
  if (impl_->original < 0 || ::_dup2(fds[1], impl_->target) != 0) {
    const int err = errno;
    ::_close(fds[0]);
    ::_close(fds[1]);
    if (impl_->original >= 0) {
      ::_close(impl_->original);
    }
    throw Error("log_capture_failed", std::string("redirecting stderr: ") + std::strerror(err));
  }
  ::_close(fds[1]); // stderr's descriptor is now the only write end
  impl_->readEnd = fds[0];
  impl_->thread = std::thread([impl = impl_.get()] { impl->pump(); });
}

StderrCapture::~StderrCapture() {
  // Putting the original stderr back closes the last write end: the thread reads what is
  // left, sees end of file and ends.
  std::fflush(stderr);
  ::_dup2(impl_->original, impl_->target);
  impl_->thread.join();
  ::_close(impl_->readEnd);
  ::_close(impl_->original);
}

} // namespace printrelay::agent
