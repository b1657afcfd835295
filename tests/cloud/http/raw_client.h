#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace printrelay::http::testing {

/// A response as the raw client read it; header names in lower case.
struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// A blocking HTTP/1.1 client on a plain socket to 127.0.0.1, byte by byte under the test's
/// control (slow clients, half-sent requests, many parked connections). Reads give up after
/// `timeout`, so a test never hangs.
class RawClient {
public:
  explicit RawClient(std::uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~RawClient();
  RawClient(RawClient&& other) noexcept;
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  /// False when the server has closed the connection (a send failed).
  bool send(std::string_view bytes);
  /// Reads one response (Content-Length or chunked body); status 0 when the connection ended.
  RawResponse readResponse();
  /// GET/POST … with `headers` ("Name: value\r\n" lines) and `body`, then reads the answer.
  RawResponse request(std::string_view method, std::string_view target,
                      std::string_view headers = {}, std::string_view body = {});
  /// Reads whatever comes next (at least one byte); empty when the connection ended.
  std::string readSome();
  /// True when the server closed the connection (reads until EOF, dropping bytes).
  bool waitClosed();
  void close();

private:
  bool fill();
  int fd_ = -1;
  std::string buffer_;
};

/// Raises this process's descriptor limit to at least `wanted` (as far as the hard limit
/// allows); returns the soft limit now in force.
std::uint64_t raiseFileLimit(std::uint64_t wanted);

} // namespace printrelay::http::testing
