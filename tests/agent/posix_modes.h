#pragma once

// File modes for the POSIX-only tests of the agent's private state.

#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace printrelay::agent::testing {

/// The permission bits of `path` (a failed assertion when it does not exist).
inline mode_t modeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

/// Sets the process umask for the scope.
class ScopedUmask {
public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;
  ~ScopedUmask() { ::umask(previous_); }

private:
  mode_t previous_;
};

} // namespace printrelay::agent::testing
