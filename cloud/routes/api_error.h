#pragma once

#include "common/util/error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace printrelay::cloud {

/// An error a handler reports to the caller: an HTTP status, a stable snake_case code and a
/// message for people. The server's one exception handler turns it into
/// {"error": {"code": …, "message": …}}.
class ApiError : public Error {
public:
  ApiError(int status, std::string code, const std::string& message)
      : Error(std::move(code), message), status_(status) {}

  /// The HTTP status to answer with.
  int status() const noexcept { return status_; }

  /// For a throttled request: the seconds to wait, sent as the error's `retry_after` and a
  /// Retry-After header.
  std::optional<std::int64_t> retryAfter() const noexcept { return retryAfter_; }

  /// A 429 answer for a throttled request: `what` happened, then "; try again in 4 minutes"
  /// (the wait in the largest sensible unit, rounded up), with `retry_after` seconds (at least 1).
  static ApiError throttled(std::string code, const std::string& what, std::int64_t retryAfter);

private:
  int status_;
  std::optional<std::int64_t> retryAfter_;
};

/// The HTTP status for an Error raised below the HTTP layer (protocol parsing, the envelope, the
/// order state machine), by its code; 500 for codes that are not the caller's fault.
int statusForErrorCode(const std::string& code);

} // namespace printrelay::cloud
