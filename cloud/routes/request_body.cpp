#include "cloud/routes/request_body.h"

#include "cloud/routes/api_error.h"

#include <algorithm>

namespace printrelay::cloud {

RequestBody::RequestBody(BodySource& source, std::uint64_t drainLimit)
    : source_(source), drainLimit_(drainLimit) {
  if (!present()) {
    consumed_ = true;
  }
}

bool RequestBody::present() const {
  const auto declared = source_.declaredLength();
  return source_.chunked() || (declared && *declared > 0);
}

void RequestBody::stream(const std::function<void(std::span<const std::uint8_t>)>& consumer) {
  if (consumed_) {
    return;
  }
  consumed_ = true;
  std::exception_ptr failure;
  std::uint64_t discarded = 0;
  bool complete = false;
  try {
    complete = source_.read([&](std::span<const std::uint8_t> piece) {
      if (failure) {
        discarded += piece.size();
        return discarded <= drainLimit_;
      }
      try {
        consumer(piece);
      } catch (...) {
        failure = std::current_exception();
      }
      return true;
    });
  } catch (...) {
    // The source failed (too large, cut short) while the rest was being drained after the
    // consumer's refusal: that refusal, from the first bytes, is the answer.
    if (!failure) {
      throw;
    }
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  if (!complete) {
    throw ApiError(400, "body_incomplete", "the request body ended early or was malformed");
  }
}

std::string RequestBody::readAll(std::size_t limit) {
  std::string body;
  stream([&](std::span<const std::uint8_t> piece) {
    if (body.size() + piece.size() > limit) {
      throw ApiError(413, "payload_too_large",
                     "the request body exceeds " + std::to_string(limit) + " bytes");
    }
    body.append(reinterpret_cast<const char*>(piece.data()), piece.size());
  });
  return body;
}

void RequestBody::drain() noexcept {
  if (consumed_) {
    return;
  }
  consumed_ = true;
  if (const auto declared = source_.declaredLength(); declared && *declared > drainLimit_) {
    return; // too much to swallow; the response asks the client to close the connection
  }
  std::uint64_t discarded = 0;
  try {
    source_.read([&](std::span<const std::uint8_t> piece) {
      discarded += piece.size();
      return discarded <= drainLimit_;
    });
  } catch (...) {
  }
}

} // namespace printrelay::cloud
