// The state directory's lock on POSIX: flock(2) on agent.lock, which also holds the holder's
// PID for the message (see state_lock.h).
#include "agent/identity/state_files.h"
#include "agent/identity/state_lock.h"
#include "common/util/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>

namespace printrelay::agent {
namespace {

/// What the lock file holds (the holder's PID), or empty.
std::string readLockText(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer, 0);
  return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

} // namespace

StateLock::StateLock(const std::filesystem::path& stateDir) {
  ensurePrivateDirectory(stateDir);
  const std::filesystem::path path = StatePaths(stateDir).lock();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    throw Error("state_io_failed", "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string text = readLockText(fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      throw Error("state_locked", stateLockedMessage(stateDir, text));
    }
    throw Error("state_io_failed", "cannot lock " + path.string() + ": " + std::strerror(err));
  }
  handle_ = fd;
  // Best effort: the PID is only for the message a second agent prints.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
}

StateLock::~StateLock() {
  ::close(static_cast<int>(handle_)); // drops the lock
}

} // namespace printrelay::agent
