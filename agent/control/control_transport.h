#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay::agent::control {

// The byte pipe under the control protocol: a Unix socket on POSIX
// (control_transport_posix.cpp), a named pipe on Windows. CMake compiles one file; nothing
// above this interface knows which.
//
// Errors are thrown as printrelay::Error with these codes:
//   control_unavailable   nothing listens at the address (agent not running)
//   control_forbidden     the caller may not open the address (not in the service's group)
//   control_in_use        another live agent already listens at the address
//   control_io_failed     reading or writing failed, or the address cannot be created
//   control_timeout       the peer did not answer in time
//   control_line_too_long a line exceeded the reader's limit

/// The line framing both transports share: bytes go in as they arrive, whole lines come out.
class LineBuffer {
public:
  void append(const char* data, std::size_t size) { buffer_.append(data, size); }
  /// The next complete line (without its '\n'); nullopt while none is complete. Throws
  /// Error{"control_line_too_long"}, dropping what it held, once a line exceeds maxBytes.
  std::optional<std::string> takeLine(std::size_t maxBytes);
  bool empty() const { return buffer_.empty(); }

private:
  std::string buffer_;
};

/// One connection, read and written as '\n'-terminated lines. Not thread-safe.
class ControlConnection {
public:
  virtual ~ControlConnection() = default;
  /// The next line without its '\n'; nullopt when the peer closed the connection at a line
  /// boundary. Throws control_timeout when no complete line arrives within `timeout`, and
  /// control_line_too_long when a line exceeds `maxBytes` (what was read is discarded).
  virtual std::optional<std::string> readLine(std::chrono::milliseconds timeout,
                                              std::size_t maxBytes) = 0;
  /// Writes all of `data`; throws control_io_failed when the peer went away.
  virtual void write(std::string_view data) = 0;
  /// Unblocks a readLine() in progress on another thread and makes later reads return nullopt.
  virtual void shutdown() noexcept = 0;
  /// Who is on the other end, for the log ("uid 1000 (alice)"); empty when unknown.
  virtual std::string peer() const = 0;
};

/// A connection whose readLine() is the shared framing over the platform's readSome(), so
/// the transports differ only in their OS calls.
class LineConnection : public ControlConnection {
public:
  std::optional<std::string> readLine(std::chrono::milliseconds timeout,
                                      std::size_t maxBytes) final;

protected:
  /// Reads what arrives within `wait` into `buffer`: the number of bytes (0 at the end of the
  /// stream), or nullopt when nothing came in time or the read was cut by shutdown(). Throws
  /// control_io_failed.
  virtual std::optional<std::size_t> readSome(char* buffer, std::size_t size,
                                              std::chrono::milliseconds wait) = 0;
  /// Set by shutdown() (from any thread): reads end with nullopt from then on.
  std::atomic<bool> shut_{false};

private:
  LineBuffer buffer_;
  bool eof_ = false;
};

/// A listening control address owned by the agent.
class ControlListener {
public:
  virtual ~ControlListener() = default;
  /// Waits up to `timeout` for a client; nullptr when none came (or after close()).
  virtual std::unique_ptr<ControlConnection> accept(std::chrono::milliseconds timeout) = 0;
  /// Stops listening and removes the address; idempotent.
  virtual void close() noexcept = 0;
  /// The address, as given to listenControl().
  virtual const std::string& address() const = 0;
};

/// Listens at `address` (POSIX: a socket path, created with mode 0660 so only the owner and
/// the service's group may connect; a stale socket left by a dead agent is removed, a live
/// one is refused with control_in_use; a missing parent directory is created 0750).
std::unique_ptr<ControlListener> listenControl(const std::string& address);

/// Connects to the agent at `address`.
std::unique_ptr<ControlConnection> connectControl(const std::string& address,
                                                  std::chrono::milliseconds timeout);

} // namespace printrelay::agent::control
