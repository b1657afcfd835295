#pragma once

// What the Windows platform files share about handles, accounts and ACLs (Windows builds
// only): owning wrappers for kernel handles and LocalAlloc memory, this process's SID, and
// SECURITY_ATTRIBUTES built from SDDL.

#include <memory>
#include <string>
#include <type_traits>
#include <windows.h>

namespace printrelay::agent::win32 {

/// Closes a kernel handle (null and INVALID_HANDLE_VALUE are left alone).
struct HandleCloser {
  void operator()(HANDLE handle) const {
    if (handle != nullptr && handle != INVALID_HANDLE_VALUE) {
      CloseHandle(handle);
    }
  }
};
using Handle = std::unique_ptr<std::remove_pointer_t<HANDLE>, HandleCloser>;

/// Frees memory Windows allocated with LocalAlloc.
struct LocalFreer {
  void operator()(void* memory) const { LocalFree(memory); }
};
using LocalMemory = std::unique_ptr<void, LocalFreer>;

/// The SID of the account this process runs as, as a string ("S-1-5-18" for LocalSystem).
/// Throws Error{errorCode} when the process token cannot be read.
std::wstring processUserSid(const std::string& errorCode);

/// A security descriptor built from SDDL, with SECURITY_ATTRIBUTES (not inheritable) pointing
/// at it. Throws Error{errorCode, "cannot build <what>: …"} when the SDDL is refused.
class SecurityAttributes {
public:
  SecurityAttributes(const std::wstring& sddl, const std::string& errorCode,
                     const std::string& what);
  SECURITY_ATTRIBUTES* get() { return &attributes_; }

private:
  LocalMemory descriptor_;
  SECURITY_ATTRIBUTES attributes_{};
};

} // namespace printrelay::agent::win32
