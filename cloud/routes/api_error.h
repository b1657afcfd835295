#pragma once

#include "common/util/error.h"

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

private:
  int status_;
};

/// The HTTP status for an Error raised below the HTTP layer (protocol parsing, the envelope, the
/// order state machine), by its code; 500 for codes that are not the caller's fault.
int statusForErrorCode(const std::string& code);

} // namespace printrelay::cloud
