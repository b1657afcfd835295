#include "agent/platform/windows/windows_security.h"

#include "agent/platform/windows/windows_text.h"
#include "common/util/error.h"

#include <cstdint>
#include <vector>

// clang-format off
#include <windows.h> // first: sddl.h needs its macros
#include <sddl.h>
// clang-format on

namespace printrelay::agent::win32 {
namespace {

[[noreturn]] void fail(const std::string& code, const char* what, DWORD error) {
  throw Error(code, std::string(what) + ": " + errorMessage(error));
}

} // namespace

std::wstring processUserSid(const std::string& errorCode) {
  HANDLE raw = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw)) {
    fail(errorCode, "cannot open the process token", GetLastError());
  }
  Handle token(raw);
  DWORD size = 0;
  GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  std::vector<std::uint64_t> buffer(size / 8 + 1);
  if (!GetTokenInformation(token.get(), TokenUser, buffer.data(),
                           static_cast<DWORD>(buffer.size() * 8), &size)) {
    fail(errorCode, "cannot read the process token", GetLastError());
  }
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &text)) {
    fail(errorCode, "cannot format the process SID", GetLastError());
  }
  LocalMemory owned(text);
  return text;
}

SecurityAttributes::SecurityAttributes(const std::wstring& sddl, const std::string& errorCode,
                                       const std::string& what) {
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                            &descriptor, nullptr)) {
    const DWORD error = GetLastError();
    throw Error(errorCode, "cannot build " + what + ": " + errorMessage(error));
  }
  descriptor_.reset(descriptor);
  attributes_.nLength = sizeof attributes_;
  attributes_.lpSecurityDescriptor = descriptor;
  attributes_.bInheritHandle = FALSE;
}

} // namespace printrelay::agent::win32
