#include "cloud/server/route_adapter.h"

#include "cloud/http/event_stream.h"
#include "cloud/http/parked_wait.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <array>
#include <nlohmann/json.hpp>

namespace printrelay::cloud {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

/// A held request as the core's parked wait.
class ParkedRequest : public HeldRequest {
public:
  explicit ParkedRequest(std::shared_ptr<http::ParkedWait> wait) : wait_(std::move(wait)) {}
  bool answer(HttpResponse response, std::function<void(bool written)> written) override {
    return wait_->complete(coreResponse(response), std::move(written));
  }
  bool isOpen() const override { return wait_->isOpen(); }

private:
  std::shared_ptr<http::ParkedWait> wait_;
};

/// A handler's event stream on the core's. It holds the core's stream weakly: the connection
/// owns it, and a stream whose connection is gone takes no more events.
class CoreEventSink : public EventSink {
public:
  explicit CoreEventSink(const std::shared_ptr<http::EventStream>& stream) : stream_(stream) {}
  bool push(const StreamEvent& event) override {
    auto stream = stream_.lock();
    return stream && stream->push(http::SseEvent{event.id, event.event, event.data});
  }
  void close() override {
    if (auto stream = stream_.lock()) {
      stream->close();
    }
  }
  bool isOpen() const override {
    auto stream = stream_.lock();
    return stream && stream->isOpen();
  }

private:
  std::weak_ptr<http::EventStream> stream_;
};

/// The names of the {placeholders} of an OpenAPI-style path, in order.
std::vector<std::string_view> placeholderNames(std::string_view path) {
  std::vector<std::string_view> names;
  for (auto open = path.find('{'); open != std::string_view::npos; open = path.find('{', open)) {
    const auto close = path.find('}', open);
    if (close == std::string_view::npos) {
      break;
    }
    names.push_back(path.substr(open + 1, close - open - 1));
    open = close;
  }
  return names;
}

} // namespace

std::string percentDecode(std::string_view text, bool plusIsSpace) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hexValue(text[i + 1]);
      const int lo = hexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plusIsSpace && c == '+' ? ' ' : c;
  }
  return out;
}

HttpFields decodeQuery(std::string_view query) {
  HttpFields fields;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) {
      continue;
    }
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      fields.emplace_back(percentDecode(item, true), std::string());
    } else {
      fields.emplace_back(percentDecode(item.substr(0, eq), true),
                          percentDecode(item.substr(eq + 1), true));
    }
  }
  return fields;
}

HttpRequest routesRequest(const http::HttpRequest& request, const Route& route) {
  HttpRequest out;
  out.method = request.method;
  out.path = request.path;
  out.remoteAddress = request.remoteAddress;
  for (const auto& header : request.headers.all()) {
    out.headers.emplace_back(header.name, header.value);
  }
  out.query = decodeQuery(request.query);
  for (const auto name : placeholderNames(route.path)) {
    const auto it = request.params.find(std::string(name));
    out.pathParams.push_back(it == request.params.end() ? std::string() : it->second);
  }
  return out;
}

bool CoreBodySource::read(const BodyChunkSink& sink) {
  std::array<char, 64 * 1024> buffer{};
  try {
    while (true) {
      const std::size_t n = body_.read(buffer.data(), buffer.size());
      if (n == 0) {
        return true;
      }
      if (!sink({reinterpret_cast<const std::uint8_t*>(buffer.data()), n})) {
        return false;
      }
    }
  } catch (const http::BodyError& e) {
    if (e.kind() == http::BodyError::Kind::TooLarge) {
      throw ApiError(413, "payload_too_large", "the request body is larger than this route takes");
    }
    return false;
  }
}

http::HttpResponse coreResponse(HttpResponse& response) {
  http::HttpResponse out;
  out.status = response.status;
  for (auto& [name, value] : response.headers) {
    out.headers.set(name, value);
  }
  if (!response.contentType.empty()) {
    out.headers.set("Content-Type", response.contentType);
  }
  if (!response.stream) {
    out.body = std::move(response.body);
    return out;
  }
  const std::uint64_t length = response.stream->first;
  out.contentLength = length;
  out.provider = [length, producer = std::move(response.stream->second),
                  offset = std::uint64_t{0}]() mutable -> std::optional<std::string> {
    if (offset >= length) {
      return std::nullopt;
    }
    std::string chunk(static_cast<std::size_t>(std::min<std::uint64_t>(length - offset, 64 * 1024)),
                      '\0');
    const std::size_t n = producer(offset, std::span<char>(chunk.data(), chunk.size()));
    if (n == 0) {
      throw std::runtime_error("the body ended before its length");
    }
    chunk.resize(n);
    offset += n;
    return chunk;
  };
  return out;
}

http::Reply parkedReply(Hold& hold) {
  http::ParkedWait::Options options;
  options.timeout = hold.timeout;
  options.timeoutResponse = coreResponse(hold.timeoutResponse);
  options.onCancel = std::move(hold.onCancel);
  auto self = std::make_shared<std::weak_ptr<http::ParkedWait>>();
  if (hold.drainResponse) {
    options.onDrain = [self, response = coreResponse(*hold.drainResponse)] {
      if (auto wait = self->lock()) {
        wait->complete(response);
      }
    };
  }
  auto wait = http::ParkedWait::create(std::move(options));
  *self = wait;
  if (hold.start) {
    hold.start(std::make_shared<ParkedRequest>(wait));
  }
  return http::Reply::park(std::move(wait));
}

http::Reply streamReply(EventStreamStart& start) {
  http::EventStream::Options options;
  options.maxQueued = start.maxQueued;
  options.onClose = std::move(start.onClose);
  auto stream = http::EventStream::create(std::move(options));
  if (start.start) {
    start.start(std::make_shared<CoreEventSink>(stream));
  }
  return http::Reply::stream(std::move(stream));
}

HttpResponse errorResponse(std::exception_ptr failure, const std::string& where) {
  int status = 500;
  std::string code = "internal_error";
  std::string message = "internal error";
  std::optional<std::int64_t> retryAfter;
  try {
    std::rethrow_exception(failure);
  } catch (const ApiError& e) {
    status = e.status();
    code = e.code();
    message = e.what();
    retryAfter = e.retryAfter();
  } catch (const Error& e) {
    status = statusForErrorCode(e.code());
    if (status == 500) {
      log::error(where + ": " + e.code() + ": " + e.what());
    } else {
      code = e.code();
      message = e.what();
    }
  } catch (const nlohmann::json::exception& e) {
    status = 400;
    code = "invalid_request";
    message = std::string("the JSON does not have the expected shape: ") + e.what();
  } catch (const std::exception& e) {
    log::error(where + ": " + e.what());
  } catch (...) {
    log::error(where + ": unknown exception");
  }
  HttpResponse response;
  response.status = status;
  response.setBody(errorBody(code, message, retryAfter), "application/json");
  if (retryAfter) {
    response.setHeader("Retry-After", std::to_string(*retryAfter));
  }
  return response;
}

} // namespace printrelay::cloud
