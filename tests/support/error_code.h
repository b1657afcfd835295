#pragma once

// What an action throws, for tests of refusals: the code (or the message) of the
// printrelay::Error it throws. Header-only, so the portable unit tests (common, agent, the Windows
// build) can use it without the integration support library.

#include "common/util/error.h"

#include <functional>
#include <optional>
#include <string>

namespace printrelay::test_support {

/// The Error `action` throws, or nullopt when it throws none (any other exception passes through).
inline std::optional<Error> thrownError(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

/// The code of the Error `action` throws, or "no error" when it throws none.
inline std::string errorCode(const std::function<void()>& action) {
  const auto error = thrownError(action);
  return error ? error->code() : "no error";
}

/// The message of the Error `action` throws, or "" when it throws none.
inline std::string errorMessage(const std::function<void()>& action) {
  const auto error = thrownError(action);
  return error ? error->what() : "";
}

} // namespace printrelay::test_support
