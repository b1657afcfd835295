#pragma once

#include "cloud/routes/http_exchange.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace printrelay::cloud {

/// The body of one request, read at most once and always to its end: an HTTP/1.1 server that
/// keeps a connection alive after a handler left body bytes unread would parse them as the next
/// request (the server the cloud runs on today does), so whatever a handler does not consume (it
/// failed early, or gave up half way) is drained and discarded, up to a limit.
class RequestBody {
public:
  /// Reads from `source`, which outlives this body.
  RequestBody(BodySource& source, std::uint64_t drainLimit);
  RequestBody(const RequestBody&) = delete;
  RequestBody& operator=(const RequestBody&) = delete;

  /// Whether the request announced a body (Content-Length > 0 or chunked).
  bool present() const;
  /// The announced Content-Length, when there is one.
  std::optional<std::uint64_t> declaredLength() const { return source_.declaredLength(); }

  /// Feeds the body to `consumer` piece by piece as it arrives. When the consumer throws, the
  /// rest of the body is discarded and the exception rethrown; a client that stops sending
  /// early gives ApiError 400 "body_incomplete".
  void stream(const std::function<void(std::span<const std::uint8_t>)>& consumer);

  /// Reads a small body whole; more than `limit` bytes gives ApiError 413 "payload_too_large".
  std::string readAll(std::size_t limit);

  /// Discards what was not read (the dispatcher calls it after every handler). Never throws.
  void drain() noexcept;

private:
  BodySource& source_;
  std::uint64_t drainLimit_;
  bool consumed_ = false;
};

} // namespace printrelay::cloud
