#pragma once

// Environment edits for tests, on every platform: setenv/unsetenv on POSIX, the CRT's
// _putenv_s on Windows (where an empty value removes the variable). Header-only, so the
// portable unit tests can use it without the integration support library.

#include <cstdlib>

namespace printrelay::test_env {

#ifdef _WIN32
/// Sets `name` to `value` for this process.
inline void set(const char* name, const char* value) {
  _putenv_s(name, value);
}
/// Removes `name` from this process's environment.
inline void unset(const char* name) {
  _putenv_s(name, "");
}
#else
/// Sets `name` to `value` for this process.
inline void set(const char* name, const char* value) {
  ::setenv(name, value, 1);
}
/// Removes `name` from this process's environment.
inline void unset(const char* name) {
  ::unsetenv(name);
}
#endif

} // namespace printrelay::test_env
