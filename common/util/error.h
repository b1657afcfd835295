#pragma once

#include <stdexcept>
#include <string>

namespace printrelay {

/// An error with a stable, machine-readable code (snake_case) and a message for people.
/// Codes are part of the public contract: clients and tests match on them.
class Error : public std::runtime_error {
public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}

  /// The stable code, e.g. "envelope_auth_failed".
  const std::string& code() const noexcept { return code_; }

private:
  std::string code_;
};

} // namespace printrelay
