// The control transport on Windows: a local named pipe (byte mode, overlapped I/O), the
// counterpart of the POSIX socket's mode 0660. Its DACL lets SYSTEM, Administrators and the
// agent's own account open it, and members of a local group named "PrintRelay" when that group
// exists (the technicians an administrator put there); nobody else, and no remote client.
#include "agent/control/control_transport.h"
#include "agent/daemon/agent_config.h"
#include "agent/platform/windows/windows_security.h"
#include "agent/platform/windows/windows_text.h"
#include "common/util/error.h"

#include <atomic>
#include <cctype>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

// clang-format off
#include <windows.h> // first: the other Windows headers need its macros
#include <sddl.h>
// clang-format on

namespace printrelay::agent::control {
namespace {

using win32::Handle;
using win32::LocalMemory;

constexpr std::wstring_view kPipePrefix = L"\\\\.\\pipe\\";
/// The pipe a POSIX-style address (a socket path, such as the built-in default
/// /run/printrelay/agent.sock) stands for.
constexpr std::wstring_view kDefaultPipe = L"\\\\.\\pipe\\printrelay-agent";
constexpr std::string_view kPosixDefaultAddress = "/run/printrelay/agent.sock";
/// The local group whose members may use printrelayctl without being administrators.
constexpr wchar_t kOperatorsGroup[] = L"PrintRelay";
constexpr DWORD kPipeBuffer = 64 * 1024;
/// What a client may do: read, and write data, but not FILE_APPEND_DATA, which on a pipe is
/// FILE_CREATE_PIPE_INSTANCE (a client with it could serve fake instances of the pipe).
constexpr DWORD kClientAccess = FILE_GENERIC_READ | FILE_WRITE_DATA;
static_assert(FILE_CREATE_PIPE_INSTANCE == FILE_APPEND_DATA);

[[noreturn]] void fail(const std::string& code, const std::string& what, DWORD error) {
  throw Error(code, what + ": " + win32::errorMessage(error));
}

Handle newEvent() {
  Handle event(CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event) {
    fail("control_io_failed", "cannot create an event", GetLastError());
  }
  return event;
}

bool startsWithPipePrefix(std::string_view address) {
  constexpr std::string_view prefix = "\\\\.\\pipe\\";
  if (address.size() <= prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(address[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

/// The pipe name of a control address: \\.\pipe\NAME is used as it is; the POSIX default socket
/// path means \\.\pipe\printrelay-agent; any other path names its own pipe,
/// \\.\pipe\printrelay-<the path with every character outside [A-Za-z0-9._-] as '-'>.
std::wstring pipeNameFor(const std::string& address) {
  if (address.empty()) {
    throw Error("control_io_failed", "the control address is empty");
  }
  if (startsWithPipePrefix(address)) {
    return win32::widen(address);
  }
  if (address == kPosixDefaultAddress) {
    return std::wstring(kDefaultPipe);
  }
  std::string name = "printrelay-";
  for (const char c : address) {
    const auto u = static_cast<unsigned char>(c);
    name += std::isalnum(u) != 0 || c == '.' || c == '_' || c == '-' ? c : '-';
  }
  constexpr std::size_t kMaxName = 200; // pipe names may be 256 characters in all
  if (name.size() > kMaxName) {
    name.erase(0, name.size() - kMaxName);
  }
  return std::wstring(kPipePrefix) + win32::widen(name);
}

/// The SID of the local group kOperatorsGroup, or empty when there is no such group.
std::wstring operatorsGroupSid() {
  std::vector<std::uint64_t> sid(SECURITY_MAX_SID_SIZE / 8 + 1);
  DWORD sidSize = static_cast<DWORD>(sid.size() * 8);
  wchar_t domain[256];
  DWORD domainSize = 256;
  SID_NAME_USE use{};
  if (!LookupAccountNameW(nullptr, kOperatorsGroup, sid.data(), &sidSize, domain, &domainSize,
                          &use) ||
      (use != SidTypeAlias && use != SidTypeGroup && use != SidTypeWellKnownGroup)) {
    return {};
  }
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid.data(), &text)) {
    return {};
  }
  LocalMemory owned(text);
  return text;
}

/// An access mask as SDDL writes a number: "0x12008b".
std::wstring hexMask(DWORD mask) {
  constexpr wchar_t kDigits[] = L"0123456789abcdef";
  std::wstring digits;
  do {
    digits.insert(digits.begin(), kDigits[mask & 0xf]);
    mask >>= 4;
  } while (mask != 0);
  return L"0x" + digits;
}

/// The pipe's security descriptor: protected DACL; full control for SYSTEM, Administrators and
/// the agent's account; read and write (no new instances) for the operators' group.
std::wstring pipeSddl() {
  const std::wstring full = L"FA";
  std::wstring sddl = L"D:P(A;;" + full + L";;;SY)(A;;" + full + L";;;BA)(A;;" + full + L";;;" +
                      win32::processUserSid("control_io_failed") + L")";
  if (const std::wstring group = operatorsGroupSid(); !group.empty()) {
    sddl += L"(A;;" + hexMask(kClientAccess) + L";;;" + group + L")";
  }
  return sddl;
}

/// "DOMAIN\user, pid N" of a process; "pid N" when its account cannot be read.
std::string describeProcess(ULONG pid) {
  std::string out = "pid " + std::to_string(pid);
  Handle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  HANDLE rawToken = nullptr;
  if (!process || !OpenProcessToken(process.get(), TOKEN_QUERY, &rawToken)) {
    return out;
  }
  Handle token(rawToken);
  DWORD size = 0;
  GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  std::vector<std::uint64_t> buffer(size / 8 + 1);
  if (size == 0 || !GetTokenInformation(token.get(), TokenUser, buffer.data(),
                                        static_cast<DWORD>(buffer.size() * 8), &size)) {
    return out;
  }
  wchar_t name[256];
  wchar_t domain[256];
  DWORD nameSize = 256;
  DWORD domainSize = 256;
  SID_NAME_USE use{};
  if (!LookupAccountSidW(nullptr, reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, name,
                         &nameSize, domain, &domainSize, &use)) {
    return out;
  }
  const std::string account =
      (domainSize > 0 ? win32::narrow(domain, 256) + "\\" : "") + win32::narrow(name, 256);
  return account + ", " + out;
}

/// Waits for an overlapped operation on `handle` to finish, for at most `timeout` or until
/// `stop` is signalled. Returns true with the byte count when it finished; false when it was
/// cancelled (timeout or stop), after the cancellation completed. Throws on an I/O error other
/// than ERROR_BROKEN_PIPE, which yields true with 0 bytes and sets `broken`.
bool finishOverlapped(HANDLE handle, OVERLAPPED& overlapped, HANDLE stop, DWORD timeout,
                      DWORD& bytes, bool& broken) {
  const HANDLE waits[2] = {overlapped.hEvent, stop};
  const DWORD woke = WaitForMultipleObjects(stop != nullptr ? 2 : 1, waits, FALSE, timeout);
  if (woke != WAIT_OBJECT_0) {
    CancelIoEx(handle, &overlapped);
  }
  // Waits for the operation (or its cancellation) to complete, so `overlapped` may go.
  if (GetOverlappedResult(handle, &overlapped, &bytes, TRUE)) {
    return true; // it finished after all
  }
  const DWORD error = GetLastError();
  if (error == ERROR_OPERATION_ABORTED) {
    return false;
  }
  if (error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED || error == ERROR_NO_DATA) {
    broken = true;
    bytes = 0;
    return true;
  }
  fail("control_io_failed", "the control pipe failed", error);
}

class PipeConnection : public LineConnection {
public:
  PipeConnection(Handle pipe, bool serverSide)
      : pipe_(std::move(pipe)), serverSide_(serverSide), readEvent_(newEvent()),
        writeEvent_(newEvent()), stop_(newEvent()) {}

  void write(std::string_view data) override {
    while (!data.empty()) {
      if (shut_) {
        throw Error("control_io_failed", "the control connection was shut down");
      }
      OVERLAPPED overlapped{};
      overlapped.hEvent = writeEvent_.get();
      ResetEvent(writeEvent_.get());
      const DWORD piece = static_cast<DWORD>(std::min<std::size_t>(data.size(), kPipeBuffer));
      if (!WriteFile(pipe_.get(), data.data(), piece, nullptr, &overlapped)) {
        const DWORD error = GetLastError();
        if (error != ERROR_IO_PENDING) {
          fail("control_io_failed", "writing to the control pipe failed", error);
        }
      }
      DWORD bytes = 0;
      bool broken = false;
      if (!finishOverlapped(pipe_.get(), overlapped, stop_.get(), INFINITE, bytes, broken)) {
        throw Error("control_io_failed", "the control connection was shut down");
      }
      if (broken) {
        throw Error("control_io_failed", "the peer closed the control pipe");
      }
      data.remove_prefix(bytes);
    }
  }

  void shutdown() noexcept override {
    shut_ = true;
    SetEvent(stop_.get());
  }

  std::string peer() const override {
    ULONG pid = 0;
    const BOOL known = serverSide_ ? GetNamedPipeClientProcessId(pipe_.get(), &pid)
                                   : GetNamedPipeServerProcessId(pipe_.get(), &pid);
    return known ? describeProcess(pid) : std::string();
  }

protected:
  std::optional<std::size_t> readSome(char* buffer, std::size_t size,
                                      std::chrono::milliseconds wait) override {
    OVERLAPPED overlapped{};
    overlapped.hEvent = readEvent_.get();
    ResetEvent(readEvent_.get());
    if (!ReadFile(pipe_.get(), buffer, static_cast<DWORD>(size), nullptr, &overlapped)) {
      const DWORD error = GetLastError();
      if (error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED) {
        return 0;
      }
      if (error != ERROR_IO_PENDING) {
        if (shut_) {
          return std::nullopt;
        }
        fail("control_io_failed", "reading from the control pipe failed", error);
      }
    }
    DWORD bytes = 0;
    bool broken = false;
    if (!finishOverlapped(pipe_.get(), overlapped, stop_.get(),
                          static_cast<DWORD>(std::min<std::int64_t>(wait.count(), INFINITE - 1)),
                          bytes, broken)) {
      return std::nullopt;
    }
    return broken ? 0 : bytes;
  }

private:
  Handle pipe_;
  bool serverSide_;
  Handle readEvent_;
  Handle writeEvent_;
  Handle stop_;
};

class PipeListener : public ControlListener {
public:
  explicit PipeListener(std::string address)
      : address_(std::move(address)), name_(pipeNameFor(address_)), connectEvent_(newEvent()) {
    // The first instance must be ours: when another process (a live agent, or anyone squatting
    // on the name) already has it, creating it fails instead of joining its instances. The
    // probe says so the same way where FILE_FLAG_FIRST_PIPE_INSTANCE is not enforced (wine).
    refuseLivePipe();
    pending_ = newInstance(true);
    startConnect();
  }
  ~PipeListener() override { close(); }

  std::unique_ptr<ControlConnection> accept(std::chrono::milliseconds timeout) override {
    if (!pending_) {
      return nullptr;
    }
    if (!connected_) {
      const DWORD woke = WaitForSingleObject(
          connectEvent_.get(),
          static_cast<DWORD>(std::min<std::int64_t>(timeout.count(), INFINITE - 1)));
      if (woke != WAIT_OBJECT_0) {
        return nullptr; // the connect stays pending for the next call
      }
      DWORD ignored = 0;
      if (!GetOverlappedResult(pending_.get(), &overlapped_, &ignored, FALSE)) {
        const DWORD error = GetLastError();
        // A client that connected and left at once: offer the instance again.
        recycle();
        if (error == ERROR_NO_DATA || error == ERROR_BROKEN_PIPE ||
            error == ERROR_OPERATION_ABORTED) {
          return nullptr;
        }
        fail("control_io_failed", "accepting a control connection failed", error);
      }
    }
    auto connection = std::make_unique<PipeConnection>(std::move(pending_), true);
    pending_ = newInstance(false);
    startConnect();
    return connection;
  }

  void close() noexcept override {
    if (pending_) {
      if (!connected_) {
        CancelIoEx(pending_.get(), &overlapped_);
        DWORD ignored = 0;
        GetOverlappedResult(pending_.get(), &overlapped_, &ignored, TRUE);
      }
      pending_.reset();
    }
  }

  const std::string& address() const override { return address_; }

private:
  /// Throws control_in_use when someone already serves the pipe (as the POSIX transport's
  /// probe does, this may leave that server an empty connection).
  void refuseLivePipe() const {
    HANDLE probe = CreateFileW(name_.c_str(), GENERIC_READ, 0, nullptr, OPEN_EXISTING,
                               SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
    const DWORD error = probe == INVALID_HANDLE_VALUE ? GetLastError() : ERROR_SUCCESS;
    if (probe != INVALID_HANDLE_VALUE) {
      CloseHandle(probe);
    }
    if (error == ERROR_SUCCESS || error == ERROR_PIPE_BUSY || error == ERROR_ACCESS_DENIED) {
      throw Error("control_in_use", "another process (an agent already running?) serves the "
                                    "control pipe " +
                                        win32::narrow(name_));
    }
  }

  Handle newInstance(bool first) {
    win32::SecurityAttributes security(pipeSddl(), "control_io_failed",
                                       "the control pipe's security descriptor");
    const DWORD openMode =
        PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
    HANDLE pipe = CreateNamedPipeW(
        name_.c_str(), openMode,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
        PIPE_UNLIMITED_INSTANCES, kPipeBuffer, kPipeBuffer, 0, security.get());
    if (pipe == INVALID_HANDLE_VALUE) {
      const DWORD error = GetLastError();
      if (first && (error == ERROR_ACCESS_DENIED || error == ERROR_PIPE_BUSY)) {
        throw Error("control_in_use", "another process (an agent already running?) owns the "
                                      "control pipe " +
                                          win32::narrow(name_));
      }
      fail("control_io_failed", "cannot create the control pipe " + win32::narrow(name_), error);
    }
    return Handle(pipe);
  }

  /// Starts waiting for a client on the pending instance.
  void startConnect() {
    overlapped_ = OVERLAPPED{};
    overlapped_.hEvent = connectEvent_.get();
    ResetEvent(connectEvent_.get());
    connected_ = false;
    if (ConnectNamedPipe(pending_.get(), &overlapped_)) {
      connected_ = true;
      return;
    }
    const DWORD error = GetLastError();
    if (error == ERROR_PIPE_CONNECTED) {
      connected_ = true; // a client came between CreateNamedPipe and ConnectNamedPipe
    } else if (error == ERROR_NO_DATA) {
      recycle(); // it came and went
    } else if (error != ERROR_IO_PENDING) {
      fail("control_io_failed", "waiting for control connections failed", error);
    }
  }

  /// Disconnects the pending instance and waits for a client on it again.
  void recycle() {
    DisconnectNamedPipe(pending_.get());
    startConnect();
  }

  std::string address_;
  std::wstring name_;
  Handle connectEvent_;
  Handle pending_; ///< the instance the next client gets
  OVERLAPPED overlapped_{};
  bool connected_ = false;
};

} // namespace

std::unique_ptr<ControlListener> listenControl(const std::string& address) {
  return std::make_unique<PipeListener>(address);
}

std::unique_ptr<ControlConnection> connectControl(const std::string& address,
                                                  std::chrono::milliseconds timeout) {
  const std::wstring name = pipeNameFor(address);
  const std::string shown = win32::narrow(name);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // SECURITY_IDENTIFICATION: whoever serves the pipe may learn who we are, never act as us.
    HANDLE pipe = CreateFileW(
        name.c_str(), GENERIC_READ | FILE_WRITE_DATA, 0, nullptr, OPEN_EXISTING,
        FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
    if (pipe != INVALID_HANDLE_VALUE) {
      return std::make_unique<PipeConnection>(Handle(pipe), false);
    }
    const DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
      throw Error("control_unavailable",
                  "the agent is not running (nothing listens on " + shown + ")");
    }
    if (error == ERROR_ACCESS_DENIED) {
      throw Error("control_forbidden",
                  "no permission to open " + shown +
                      " (run it as an administrator or as a member of the local group " +
                      win32::narrow(kOperatorsGroup) + ")");
    }
    if (error != ERROR_PIPE_BUSY) {
      fail("control_io_failed", "cannot connect to " + shown, error);
    }
    // Every instance is taken for the moment: wait for one to be offered.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw Error("control_timeout", "the agent did not accept the connection in time");
    }
    WaitNamedPipeW(name.c_str(), static_cast<DWORD>(std::min<std::int64_t>(left.count(), 1000)));
  }
}

} // namespace printrelay::agent::control

namespace printrelay::agent {

std::string defaultControlSocket() {
  return win32::narrow(control::kDefaultPipe);
}

} // namespace printrelay::agent
