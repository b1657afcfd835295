// The parts of the control transport both platforms share: line framing and readLine().
#include "agent/control/control_transport.h"

#include "common/util/error.h"

namespace printrelay::agent::control {

std::optional<std::string> LineBuffer::takeLine(std::size_t maxBytes) {
  const auto nl = buffer_.find('\n');
  if ((nl != std::string::npos && nl > maxBytes) ||
      (nl == std::string::npos && buffer_.size() > maxBytes)) {
    buffer_.clear();
    throw Error("control_line_too_long",
                "a line longer than " + std::to_string(maxBytes) + " bytes");
  }
  if (nl == std::string::npos) {
    return std::nullopt;
  }
  std::string line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  return line;
}

std::optional<std::string> LineConnection::readLine(std::chrono::milliseconds timeout,
                                                    std::size_t maxBytes) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto line = buffer_.takeLine(maxBytes)) {
      return line;
    }
    if (eof_ || shut_) {
      if (!buffer_.empty() && !shut_) {
        throw Error("control_io_failed", "the connection closed in the middle of a line");
      }
      return std::nullopt;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw Error("control_timeout",
                  "no answer within " + std::to_string(timeout.count() / 1000) + " s");
    }
    char chunk[16 * 1024];
    const auto n = readSome(chunk, sizeof chunk, left);
    if (!n) {
      continue; // nothing in time (the deadline check reports it) or shut down
    }
    if (*n == 0) {
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, *n);
  }
}

} // namespace printrelay::agent::control
