#include "cloud/routes/request_body.h"

#include "cloud/routes/api_error.h"

#include <algorithm>

namespace printrelay::cloud {

RequestBody::RequestBody(const httplib::Request& request, const httplib::ContentReader* reader,
                         std::uint64_t drainLimit)
    : reader_(reader), drainLimit_(drainLimit) {
  if (request.has_header("Content-Length")) {
    const std::string value = request.get_header_value("Content-Length");
    if (!value.empty() && value.size() <= 19 &&
        value.find_first_not_of("0123456789") == std::string::npos) {
      declaredLength_ = std::stoull(value);
    }
  }
  const std::string te = request.get_header_value("Transfer-Encoding");
  chunked_ = te.find("chunked") != std::string::npos;
  if (!present()) {
    consumed_ = true;
  }
}

bool RequestBody::present() const {
  return chunked_ || (declaredLength_ && *declaredLength_ > 0);
}

void RequestBody::stream(const std::function<void(std::span<const std::uint8_t>)>& consumer) {
  if (consumed_ || reader_ == nullptr) {
    consumed_ = true;
    return;
  }
  consumed_ = true;
  std::exception_ptr failure;
  std::uint64_t discarded = 0;
  const bool complete = (*reader_)([&](const char* data, std::size_t length) {
    if (failure) {
      discarded += length;
      return discarded <= drainLimit_;
    }
    try {
      consumer({reinterpret_cast<const std::uint8_t*>(data), length});
    } catch (...) {
      failure = std::current_exception();
    }
    return true;
  });
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
  if (consumed_ || reader_ == nullptr) {
    return;
  }
  consumed_ = true;
  if (declaredLength_ && *declaredLength_ > drainLimit_) {
    return; // too much to swallow; the response asks the client to close the connection
  }
  std::uint64_t discarded = 0;
  try {
    (*reader_)([&](const char*, std::size_t length) {
      discarded += length;
      return discarded <= drainLimit_;
    });
  } catch (...) {
  }
}

} // namespace printrelay::cloud
