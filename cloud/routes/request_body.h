#pragma once

#include <cstdint>
#include <functional>
#include <httplib.h>
#include <optional>
#include <span>
#include <string>

namespace printrelay::cloud {

/// The body of one request, read at most once and always to its end: cpp-httplib 0.11 keeps a
/// connection alive after a handler that left body bytes unread and would then parse them as
/// the next request, so whatever a handler does not consume (it failed early, or gave up half
/// way) is drained and discarded, up to a limit.
class RequestBody {
public:
  /// `reader` is null for requests whose handler does not take a body.
  RequestBody(const httplib::Request& request, const httplib::ContentReader* reader,
              std::uint64_t drainLimit);
  RequestBody(const RequestBody&) = delete;
  RequestBody& operator=(const RequestBody&) = delete;

  /// Whether the request announced a body (Content-Length > 0 or chunked).
  bool present() const;
  /// The announced Content-Length, when there is one.
  std::optional<std::uint64_t> declaredLength() const { return declaredLength_; }

  /// Feeds the body to `consumer` piece by piece as it arrives. When the consumer throws, the
  /// rest of the body is discarded and the exception rethrown; a client that stops sending
  /// early gives ApiError 400 "body_incomplete".
  void stream(const std::function<void(std::span<const std::uint8_t>)>& consumer);

  /// Reads a small body whole; more than `limit` bytes gives ApiError 413 "payload_too_large".
  std::string readAll(std::size_t limit);

  /// Discards what was not read (the dispatcher calls it after every handler). Never throws.
  void drain() noexcept;

private:
  const httplib::ContentReader* reader_;
  std::uint64_t drainLimit_;
  std::optional<std::uint64_t> declaredLength_;
  bool chunked_ = false;
  bool consumed_ = false;
};

} // namespace printrelay::cloud
