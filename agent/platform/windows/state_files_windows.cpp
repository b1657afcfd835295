// State files on Windows: a private ACL instead of mode 0600, CREATE_NEW, FlushFileBuffers and
// MoveFileEx write-through instead of fsync + rename (see state_files.h).
#include "agent/identity/state_files.h"
#include "agent/platform/windows/windows_security.h"
#include "agent/platform/windows/windows_text.h"
#include "common/util/error.h"

#include <aclapi.h>
#include <algorithm>
#include <fstream>
#include <memory>
#include <sddl.h>
#include <sstream>
#include <type_traits>
#include <windows.h>

namespace printrelay::agent {
namespace {

using win32::Handle;
using win32::LocalMemory;

[[noreturn]] void throwWin32(const std::string& what, DWORD error) {
  throw Error("state_io_failed", what + ": " + win32::errorMessage(error));
}

/// The private ACL: protected (nothing inherited from above), full control for SYSTEM,
/// Administrators and this process's account; inherited by files and folders inside a
/// directory. `othersRead` adds read access for Users (a `mode` with group/other bits).
std::wstring privateAcl(bool directory, bool othersRead) {
  const std::wstring inherit = directory ? L"OICI" : L"";
  std::wstring sddl = L"D:P(A;" + inherit + L";FA;;;SY)(A;" + inherit + L";FA;;;BA)(A;" + inherit +
                      L";FA;;;" + win32::processUserSid("state_io_failed") + L")";
  if (othersRead) {
    sddl += L"(A;" + inherit + L";FR;;;BU)";
  }
  return sddl;
}

/// True for the accounts a secret may be open to: SYSTEM, Administrators, this process's.
bool trusted(PSID sid, PSID self) {
  return IsWellKnownSid(sid, WinLocalSystemSid) ||
         IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
         (self != nullptr && EqualSid(sid, self));
}

/// "DOMAIN\name" of a SID, or its string form.
std::string accountName(PSID sid) {
  wchar_t name[256];
  wchar_t domain[256];
  DWORD nameSize = 256;
  DWORD domainSize = 256;
  SID_NAME_USE use{};
  if (LookupAccountSidW(nullptr, sid, name, &nameSize, domain, &domainSize, &use)) {
    const std::string prefix = domainSize > 0 ? win32::narrow(domain, 256) + "\\" : "";
    return prefix + win32::narrow(name, 256);
  }
  wchar_t* text = nullptr;
  if (ConvertSidToStringSidW(sid, &text)) {
    LocalMemory owned(text);
    return win32::narrow(std::wstring_view(text));
  }
  return "an unknown account";
}

/// The process account's SID in binary form (freed with LocalFree).
LocalMemory processUserSidBinary() {
  PSID sid = nullptr;
  if (!ConvertStringSidToSidW(win32::processUserSid("state_io_failed").c_str(), &sid)) {
    throwWin32("cannot parse the process SID", GetLastError());
  }
  return LocalMemory(sid);
}

} // namespace

void makePrivateDirectory(const std::filesystem::path& dir) {
  win32::SecurityAttributes attributes(privateAcl(true, false), "state_io_failed",
                                       "the state files' ACL");
  if (!CreateDirectoryW(dir.wstring().c_str(), attributes.get())) {
    const DWORD error = GetLastError();
    if (error != ERROR_ALREADY_EXISTS) {
      throwWin32("cannot create state directory " + dir.string(), error);
    }
  }
}

void writeFileAtomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                     mode_t mode) {
  const std::filesystem::path temp = temporaryPathFor(path);
  win32::SecurityAttributes attributes(privateAcl(false, (mode & 077) != 0), "state_io_failed",
                                       "the state files' ACL");
  Handle file(CreateFileW(temp.wstring().c_str(), GENERIC_WRITE, 0, attributes.get(), CREATE_NEW,
                          FILE_ATTRIBUTE_NORMAL, nullptr));
  if (file.get() == INVALID_HANDLE_VALUE) {
    throwWin32("cannot create " + temp.string(), GetLastError());
  }
  auto fail = [&](const std::string& what) {
    const DWORD error = GetLastError();
    file.reset();
    DeleteFileW(temp.wstring().c_str());
    throwWin32(what, error);
  };
  std::size_t done = 0;
  while (done < data.size()) {
    const DWORD piece = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, 1u << 20));
    DWORD written = 0;
    if (!WriteFile(file.get(), data.data() + done, piece, &written, nullptr)) {
      fail("cannot write " + temp.string());
    }
    done += written;
  }
  if (!FlushFileBuffers(file.get())) {
    fail("cannot flush " + temp.string());
  }
  file.reset();
  if (!MoveFileExW(temp.wstring().c_str(), path.wstring().c_str(),
                   MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    const DWORD error = GetLastError();
    DeleteFileW(temp.wstring().c_str());
    throwWin32("cannot rename " + temp.string() + " to " + path.string(), error);
  }
}

void makePrivateFile(const std::filesystem::path& /*path*/) {
  // Created inside the state directory, the file inherits its private ACL.
}

std::string readPrivateFile(const std::filesystem::path& path) {
  const std::wstring wide = path.wstring();
  if (GetFileAttributesW(wide.c_str()) == INVALID_FILE_ATTRIBUTES) {
    const DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
      throw Error("state_missing", path.string() + " does not exist");
    }
    throwWin32("cannot open " + path.string(), error);
  }
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const DWORD status =
      GetNamedSecurityInfoW(wide.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                            nullptr, &dacl, nullptr, &descriptor);
  if (status != ERROR_SUCCESS) {
    throwWin32("cannot read the ACL of " + path.string(), status);
  }
  LocalMemory ownedDescriptor(descriptor);
  const std::string remedy = "; it holds a secret and must be open only to SYSTEM, "
                             "Administrators and the agent's account (icacls \"" +
                             path.string() + "\" /inheritance:r /grant:r SYSTEM:F " +
                             "Administrators:F)";
  if (dacl == nullptr) {
    throw Error("state_insecure", path.string() + " has no ACL, so everyone can read it" + remedy);
  }
  const LocalMemory self = processUserSidBinary();
  constexpr ACCESS_MASK kSensitive = FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA |
                                     GENERIC_READ | GENERIC_WRITE | GENERIC_ALL | WRITE_DAC |
                                     WRITE_OWNER;
  std::string others;
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* ace = nullptr;
    if (!GetAce(dacl, i, &ace)) {
      continue;
    }
    const auto* header = static_cast<const ACE_HEADER*>(ace);
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE) != 0) {
      continue;
    }
    auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
    PSID sid = &allowed->SidStart;
    if ((allowed->Mask & kSensitive) != 0 && !trusted(sid, self.get())) {
      others += (others.empty() ? "" : ", ") + accountName(sid);
    }
  }
  if (!others.empty()) {
    throw Error("state_insecure", path.string() + " can be read or changed by " + others + remedy);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error("state_io_failed", "cannot read " + path.string());
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

} // namespace printrelay::agent
