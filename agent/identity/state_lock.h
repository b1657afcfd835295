#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace printrelay::agent {

/// One agent per state directory: an exclusive lock on StatePaths::lock()
/// (`<state_dir>/agent.lock`), held while the
/// object lives. It is a kernel lock (POSIX flock, Windows LockFileEx), so the operating system
/// drops it when the process ends, crash included; there is no stale PID file to clean. The
/// file also names the process that holds it, for the message a second agent prints. One file
/// per platform (platform/posix/state_lock_posix.cpp, platform/windows/state_lock_windows.cpp).
class StateLock {
public:
  /// Takes the lock (creating the directory and the lock file, private, if missing). Throws
  /// Error{"state_locked"} naming the directory and the holder when another process (or
  /// another StateLock) holds it, Error{"state_io_failed"} when the file cannot be opened.
  explicit StateLock(const std::filesystem::path& stateDir);
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  /// Releases the lock.
  ~StateLock();

private:
  std::intptr_t handle_; ///< the file descriptor (POSIX) or HANDLE (Windows)
};

/// The message of Error{"state_locked"}: which directory is in use, by which process (when
/// `lockText`, what the lock file holds, names one), and what to do.
std::string stateLockedMessage(const std::filesystem::path& stateDir, std::string lockText);

} // namespace printrelay::agent
