#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace printrelay::http {

/// One header line as it came or goes.
struct Header {
  std::string name;
  std::string value;
};

/// Header lines in their order; lookups ignore the name's case.
class Headers {
public:
  void add(std::string name, std::string value);
  /// Replaces every line of that name with one line.
  void set(std::string name, std::string value);
  std::optional<std::string_view> find(std::string_view name) const;
  const std::vector<Header>& all() const { return items_; }

private:
  std::vector<Header> items_;
};

/// A request as a handler sees it: the head only; the body is read from `RequestBody`.
struct HttpRequest {
  std::string method; ///< "GET", "POST", …
  std::string target; ///< as sent: path and query
  std::string path;   ///< the target before '?'
  std::string query;  ///< the target after '?', undecoded
  Headers headers;
  std::string remoteAddress;                 ///< the peer's IP address
  std::string requestId;                     ///< the client's sane X-Request-Id, or one made here
  std::map<std::string, std::string> params; ///< values of the route's {name} segments
  std::optional<std::uint64_t> contentLength;
  bool chunked = false;

  /// The client's Last-Event-ID header (an event stream resuming), when sent.
  std::optional<std::string> lastEventId() const;
};

/// Produces a streamed response body: the next chunk, or nullopt at the end. Runs on a worker
/// thread; blocks while the client is slower than the producer.
using BodyProvider = std::function<std::optional<std::string>()>;

/// A response: a status, headers and either a body in memory or a provider streaming one.
struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  BodyProvider provider;                      ///< when set, `body` is ignored
  std::optional<std::uint64_t> contentLength; ///< the provider's total, when known (else chunked)

  static HttpResponse text(int status, std::string body,
                           std::string contentType = "text/plain; charset=utf-8");
  static HttpResponse json(int status, std::string body);
  /// {"error": {"code": …, "message": …}}, the cloud's error shape.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

/// Why reading a request body failed.
class BodyError : public std::runtime_error {
public:
  enum class Kind { TooLarge, Aborted };
  BodyError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

private:
  Kind kind_;
};

/// The request body as it arrives, read on a worker thread. Each read blocks until bytes come;
/// the connection reads from the client only as fast as the handler consumes (back-pressure).
class RequestBody {
public:
  virtual ~RequestBody() = default;
  /// Up to `max` bytes into `out`; 0 at the end of the body. Throws BodyError when the body is
  /// larger than the route allows or the client went away or was too slow.
  virtual std::size_t read(char* out, std::size_t max) = 0;
  /// The whole body, at most `max` bytes (BodyError TooLarge beyond).
  std::string readAll(std::size_t max);
};

class ParkedWait;
class EventStream;

/// What a handler answers: a response now, a parked wait completed later, or an event stream.
class Reply {
public:
  Reply(HttpResponse response) : value_(std::move(response)) {} // NOLINT: implicit on purpose
  static Reply park(std::shared_ptr<ParkedWait> wait);
  static Reply stream(std::shared_ptr<EventStream> stream);

  using Value =
      std::variant<HttpResponse, std::shared_ptr<ParkedWait>, std::shared_ptr<EventStream>>;
  Value& value() { return value_; }

private:
  explicit Reply(Value value) : value_(std::move(value)) {}
  Value value_;
};

/// A route's handler. Runs on a worker thread of the bounded pool, so it may block.
using Handler = std::function<Reply(HttpRequest&, RequestBody&)>;

/// True for an X-Request-Id worth echoing: 1–128 characters of [A-Za-z0-9._:-].
bool isSaneRequestId(std::string_view id);
/// A fresh request id: 16 hex digits.
std::string makeRequestId();

} // namespace printrelay::http
