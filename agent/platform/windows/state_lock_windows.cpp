// The state directory's lock on Windows: LockFileEx on agent.lock, past the bytes that name the
// holder's process ID for the message (see state_lock.h).
#include "agent/identity/state_files.h"
#include "agent/identity/state_lock.h"
#include "agent/platform/windows/windows_text.h"
#include "common/util/error.h"

#include <string>
#include <windows.h>

namespace printrelay::agent {
namespace {

/// The locked byte range lies far past the PID text, so others can still read that.
constexpr DWORD kLockOffset = 0x7fff0000;

OVERLAPPED lockRange() {
  OVERLAPPED range{};
  range.Offset = kLockOffset;
  return range;
}

/// What the lock file holds (the holder's process ID), or empty.
std::string readLockText(HANDLE file) {
  char buffer[32] = {};
  DWORD read = 0;
  OVERLAPPED start{};
  if (!ReadFile(file, buffer, sizeof buffer, &read, &start)) {
    return {};
  }
  return std::string(buffer, read);
}

} // namespace

StateLock::StateLock(const std::filesystem::path& stateDir) {
  ensurePrivateDirectory(stateDir);
  const std::filesystem::path path = StatePaths(stateDir).lock();
  HANDLE file = CreateFileW(path.wstring().c_str(), GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_ALWAYS,
                            FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    throw Error("state_io_failed",
                "cannot open " + path.string() + ": " + win32::errorMessage(GetLastError()));
  }
  OVERLAPPED range = lockRange();
  if (!LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &range)) {
    const DWORD error = GetLastError();
    const std::string text = readLockText(file);
    CloseHandle(file);
    if (error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING) {
      throw Error("state_locked", stateLockedMessage(stateDir, text));
    }
    throw Error("state_io_failed",
                "cannot lock " + path.string() + ": " + win32::errorMessage(error));
  }
  handle_ = reinterpret_cast<std::intptr_t>(file);
  // Best effort: the PID is only for the message a second agent prints.
  const std::string pid = std::to_string(GetCurrentProcessId()) + "\r\n";
  OVERLAPPED start{};
  DWORD written = 0;
  WriteFile(file, pid.data(), static_cast<DWORD>(pid.size()), &written, &start);
  SetFilePointer(file, static_cast<LONG>(pid.size()), nullptr, FILE_BEGIN);
  SetEndOfFile(file);
}

StateLock::~StateLock() {
  HANDLE file = reinterpret_cast<HANDLE>(handle_);
  OVERLAPPED range = lockRange();
  UnlockFileEx(file, 0, 1, 0, &range);
  CloseHandle(file);
}

} // namespace printrelay::agent
