#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// One HTTP exchange as the handlers see it, in the cloud's own types: the server (whatever HTTP
// library it runs on) fills an HttpRequest, hands the body over as a BodySource and sends the
// HttpResponse the handler filled.
namespace printrelay::cloud {

/// Name-value pairs in the order they came; a name may repeat.
using HttpFields = std::vector<std::pair<std::string, std::string>>;

/// A request's line, headers and parameters (the body comes apart, through a BodySource).
struct HttpRequest {
  std::string method;                  ///< "GET", "POST", …
  std::string path;                    ///< the path without the query, as sent
  std::string remoteAddress;           ///< the client's IP address
  HttpFields headers;                  ///< names as sent; look them up with header()
  HttpFields query;                    ///< the query parameters, decoded, repeats kept
  std::vector<std::string> pathParams; ///< the route's {placeholders}, in order, as sent

  /// Every value of header `name` (any case), in order.
  std::vector<std::string> headerValues(std::string_view name) const;
  /// The first value of header `name` (any case); "" when absent.
  std::string header(std::string_view name) const;
  /// Every value of query parameter `name`, in order.
  std::vector<std::string> queryValues(std::string_view name) const;
  /// The first value of query parameter `name`; "" when absent.
  std::string queryValue(std::string_view name) const;
  /// How many times query parameter `name` was given.
  std::size_t queryCount(std::string_view name) const { return queryValues(name).size(); }
};

/// Fills `buffer` with the body's bytes from `offset` on; the number written, 0 when nothing
/// can be read (the server then drops the connection).
using BodyProducer = std::function<std::size_t(std::uint64_t offset, std::span<char> buffer)>;

struct Hold;
struct EventStreamStart;

/// The response a handler fills: a status, headers and a body, either whole or streamed; or a
/// hold (the answer comes later).
struct HttpResponse {
  int status = 200;
  HttpFields headers;
  std::string contentType;
  std::string body;
  /// Set for a streamed body (a document download): its length and where its bytes come from.
  std::optional<std::pair<std::uint64_t, BodyProducer>> stream;
  /// Set by a handler that answers later (a long-poll): the server holds the request open
  /// without a thread and ignores the rest of this response.
  std::shared_ptr<Hold> hold;
  /// Set by a handler that answers with an event stream (text/event-stream): the server sends
  /// the head and then the events pushed to it, with heartbeats, without a thread; it ignores
  /// the rest of this response.
  std::shared_ptr<EventStreamStart> events;

  /// Sets header `name`, replacing a value set before.
  void setHeader(const std::string& name, std::string value);
  /// A whole body.
  void setBody(std::string content, std::string type);
  /// A body of `length` bytes sent as `producer` gives them.
  void setStream(std::uint64_t length, std::string type, BodyProducer producer);
};

/// A held request, answered later from any thread.
class HeldRequest {
public:
  virtual ~HeldRequest() = default;
  /// Answers the client. `written(ok)` runs once the answer is written, or could not be (then
  /// what it offered should be taken back); it runs on an I/O thread and must not block. False,
  /// and `written` never runs, when the request is over already (timed out, client gone).
  virtual bool answer(HttpResponse response, std::function<void(bool written)> written) = 0;
  /// True until it is answered, timed out or its client went away.
  virtual bool isOpen() const = 0;
};

/// How a handler holds its request open (HttpResponse::hold).
struct Hold {
  /// After this the client gets `timeoutResponse`.
  std::chrono::milliseconds timeout{0};
  HttpResponse timeoutResponse;
  /// What the client gets when the server stops meanwhile (else `timeoutResponse`).
  std::optional<HttpResponse> drainResponse;
  /// Called once, before the handler's answer goes back to the server, with the held request.
  std::function<void(std::shared_ptr<HeldRequest>)> start;
  /// The client went away while held. Runs on an I/O thread: must not block.
  std::function<void()> onCancel;
};

/// One server-sent event: its id, its name and its data (one line of JSON here).
struct StreamEvent {
  std::string id;
  std::string event;
  std::string data;
};

/// An open event stream, written from any thread.
class EventSink {
public:
  virtual ~EventSink() = default;
  /// Queues an event; false when the stream is closed, or this event overflowed it (a client too
  /// slow to keep up is dropped; it resumes with Last-Event-ID).
  virtual bool push(const StreamEvent& event) = 0;
  /// Ends the stream once what is queued is written.
  virtual void close() = 0;
  virtual bool isOpen() const = 0;
};

/// How a handler answers with an event stream (HttpResponse::events).
struct EventStreamStart {
  /// Events that may wait unwritten before the client is dropped.
  std::size_t maxQueued = 1024;
  /// Called once, before the handler's answer goes back to the server, with the stream.
  std::function<void(std::shared_ptr<EventSink>)> start;
  /// The stream ended (client gone, overflow, drain, close()). Runs once, on an I/O thread or
  /// the caller of close(): must not block.
  std::function<void()> onClose;
};

/// Receives one piece of a request body; false stops the reading.
using BodyChunkSink = std::function<bool(std::span<const std::uint8_t>)>;

/// Where a request's body comes from: the connection, read as the handler asks for it.
class BodySource {
public:
  virtual ~BodySource() = default;
  /// The Content-Length the request announced, when it announced a valid one.
  virtual std::optional<std::uint64_t> declaredLength() const = 0;
  /// Whether the body comes with chunked transfer coding.
  virtual bool chunked() const = 0;
  /// Reads the body to its end, handing each chunk to `sink` as it arrives, or until `sink`
  /// returns false. Reads nothing for a request whose route takes no body. False when the body
  /// ended early or was malformed (or `sink` stopped the reading).
  virtual bool read(const BodyChunkSink& sink) = 0;
};

} // namespace printrelay::cloud
