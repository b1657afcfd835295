#include "tests/support/printer_sink.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace printrelay::testing {
namespace {

[[noreturn]] void throwErrno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

PrinterSink::PrinterSink() {
  listenOn();
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    const int saved = errno;
    ::close(listenFd_);
    throw std::system_error(saved, std::generic_category(), "PrinterSink eventfd");
  }
  thread_ = std::thread([this] { serve(); });
}

void PrinterSink::listenOn() {
  // The same port again after refuseConnections(): a few tries, as the port may still be
  // settling.
  for (int attempt = 0;; ++attempt) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listenFd_ < 0) {
      throwErrno("PrinterSink socket");
    }
    const int on = 1;
    ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    socklen_t len = sizeof addr;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::listen(listenFd_, 16) == 0 &&
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
      return;
    }
    const int saved = errno;
    ::close(listenFd_);
    listenFd_ = -1;
    if (attempt >= 50) {
      throw std::system_error(saved, std::generic_category(), "PrinterSink bind/listen");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

PrinterSink::~PrinterSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  thread_.join();
  if (listenFd_ >= 0) {
    ::close(listenFd_);
  }
  ::close(wakeFd_);
}

std::string PrinterSink::deviceUri() const {
  return "socket://127.0.0.1:" + std::to_string(port_);
}

void PrinterSink::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
}

bool PrinterSink::stopRequested() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto got = ::read(wakeFd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  return stopping_;
}

void PrinterSink::hold() {
  {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  wake(); // so the thread stops polling the listening socket
}

void PrinterSink::release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  wake();
}

void PrinterSink::refuseConnections() {
  {
    std::lock_guard lock(mutex_);
    refused_ = true;
  }
  wake();
}

void PrinterSink::acceptConnections() {
  {
    std::lock_guard lock(mutex_);
    refused_ = false;
  }
  wake();
}

void PrinterSink::serve() {
  while (true) {
    bool held = false;
    bool refused = false;
    {
      std::lock_guard lock(mutex_);
      held = held_;
      refused = refused_;
    }
    // The listening socket is opened and closed here, on the thread that polls it.
    if (refused && listenFd_ >= 0) {
      ::close(listenFd_);
      listenFd_ = -1;
    } else if (!refused && listenFd_ < 0) {
      listenOn();
    }
    pollfd fds[2] = {{wakeFd_, POLLIN, 0},
                     {listenFd_, static_cast<short>(held || listenFd_ < 0 ? 0 : POLLIN), 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      if (stopRequested()) {
        return;
      }
      continue;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      const int connection = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection >= 0) {
        receive(connection);
        ::close(connection);
      }
    }
  }
}

void PrinterSink::receive(int connection) {
  {
    std::lock_guard lock(mutex_);
    ++inProgress_;
  }
  std::string job;
  bool complete = false;
  char buffer[64 * 1024];
  while (true) {
    pollfd fds[2] = {{connection, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if ((fds[1].revents & POLLIN) != 0 && stopRequested()) {
      break; // stopping: a job cut off here is not a job
    }
    const ssize_t got = ::read(connection, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      complete = got == 0;
      break;
    }
    job.append(buffer, static_cast<std::size_t>(got));
  }
  std::lock_guard lock(mutex_);
  --inProgress_;
  if (complete) {
    jobs_.push_back(std::move(job));
    jobTimes_.push_back(std::chrono::steady_clock::now());
  }
  changed_.notify_all();
}

bool PrinterSink::waitForJobs(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return jobs_.size() >= count; });
}

std::vector<std::string> PrinterSink::jobs() const {
  std::lock_guard lock(mutex_);
  return jobs_;
}

std::vector<PrinterSink::Received> PrinterSink::received() const {
  std::lock_guard lock(mutex_);
  std::vector<Received> out;
  out.reserve(jobs_.size());
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    out.push_back(Received{jobs_[i], jobTimes_[i]});
  }
  return out;
}

std::size_t PrinterSink::jobCount() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

std::size_t PrinterSink::connectionsInProgress() const {
  std::lock_guard lock(mutex_);
  return inProgress_;
}

} // namespace printrelay::testing
