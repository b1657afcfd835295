// One coroutine per connection: read a request head, route it, hand it to a worker with its
// body streamed through a pipe, then write the answer: a response (perhaps streamed), a parked
// wait completed later, or an event stream. Deadlines close the socket from a timer.
#include "cloud/http/chunk_pipe.h"
#include "cloud/http/exchange.h"
#include "cloud/http/server_core.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace printrelay::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::size_t kPipeChunks = 4;

template <class Stream>
class Connection final : public ConnectionControl,
                         public std::enable_shared_from_this<Connection<Stream>> {
public:
  static constexpr bool isTls = !std::is_same_v<Stream, tcp::socket>;

  Connection(ServerCore& core, Stream stream, std::string address)
      : core_(core), stream_(std::move(stream)), address_(std::move(address)),
        deadline_(stream_.get_executor()), wakeTimer_(stream_.get_executor()) {}

  ~Connection() override {
    core_.release(address_);
    core_.openConnections.fetch_sub(1);
    std::lock_guard lock(core_.registryMutex);
    core_.connections.erase(id_);
  }

  void start() {
    {
      std::lock_guard lock(core_.registryMutex);
      id_ = core_.nextConnectionId++;
      core_.connections[id_] = this->weak_from_this();
    }
    core_.openConnections.fetch_add(1);
    asio::co_spawn(stream_.get_executor(), runConnection(this->shared_from_this()), asio::detached);
  }

  void closeIfIdle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) {
        self->closeSocket();
      }
    });
  }

  void closeNow() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->closeSocket(); });
  }

private:
  static asio::awaitable<void> runConnection(std::shared_ptr<Connection> self) {
    co_await self->run();
  }

  tcp::socket& socket() {
    if constexpr (isTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  void closeSocket() {
    boost::system::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  // The socket closes at `at` unless the deadline moves first.
  void setDeadline(Clock::time_point at) {
    deadline_.expires_at(at);
    deadline_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) {
        self->core_.connectionsTimedOut.fetch_add(1);
        self->closeSocket();
      }
    });
  }
  void setDeadlineIn(std::chrono::milliseconds d) { setDeadline(Clock::now() + d); }
  void clearDeadline() { deadline_.cancel(); }

  // Wakes the coroutine from any thread (a worker, a producer completing a wait).
  std::function<void()> waker() {
    return [weak = this->weak_from_this()] {
      if (auto self = weak.lock()) {
        asio::post(self->stream_.get_executor(), [self] {
          self->wakePending_ = true;
          self->wakeTimer_.cancel();
        });
      }
    };
  }

  // True when woken, false when `until` came first.
  asio::awaitable<bool> waitWake(Clock::time_point until) {
    if (!wakePending_) {
      wakeTimer_.expires_at(until);
      co_await wakeTimer_.async_wait(kAwait);
    }
    co_return std::exchange(wakePending_, false);
  }

  // Returns once the peer has gone (or the wait is cancelled). Bytes it sends meanwhile (a
  // pipelined request) are kept for later.
  asio::awaitable<void> watchHangup() {
    while (buffer_.size() <= core_.options.maxHeaderBytes) {
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(1024), kAwait);
      if (ec) {
        co_return;
      }
      buffer_.commit(n);
    }
  }

  asio::awaitable<bool> write(auto buffers) {
    setDeadlineIn(core_.options.writeTimeout);
    auto [ec, n] = co_await asio::async_write(stream_, buffers, kAwait);
    clearDeadline();
    co_return !ec;
  }

  asio::awaitable<void> run() {
    if constexpr (isTls) {
      setDeadlineIn(core_.options.headerDeadline);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kAwait);
      if (ec) {
        closeSocket();
        co_return;
      }
    }
    while (true) {
      bool more = co_await serveOne();
      if (!more) {
        break;
      }
    }
    clearDeadline();
    co_await lingeringClose();
  }

  // Closes after the last answer without losing it (RFC 9112 section 9.6): a client may still be
  // sending a body the server refused, and closing a socket with unread bytes sends a reset
  // that can destroy the answer before the client reads it. So the sending side is shut first
  // and what still arrives is read and dropped, for at most kLingerTime and kLingerBytes.
  asio::awaitable<void> lingeringClose() {
    static constexpr auto kLingerTime = std::chrono::seconds(2);
    static constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
    boost::system::error_code ec;
    if (!socket().is_open()) {
      co_return;
    }
    socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!ec) {
      setDeadlineIn(kLingerTime); // closes the socket, which ends the read below
      std::array<char, 16 * 1024> scratch{};
      std::size_t dropped = 0;
      while (dropped < kLingerBytes) {
        auto [readError, n] = co_await socket().async_read_some(asio::buffer(scratch), kAwait);
        if (readError) {
          break;
        }
        dropped += n;
      }
      clearDeadline();
    }
    closeSocket();
  }

  asio::awaitable<bool> serveOne();
  asio::awaitable<bool> pumpBody(bhttp::request_parser<bhttp::buffer_body>& parser, Exchange& ex);
  asio::awaitable<bool> writeResponse(HttpResponse& r, const HttpRequest& req, bool keepAlive,
                                      ChunkPipe* download);
  asio::awaitable<bool> writeError(const HttpRequest& req, int status, std::string_view code,
                                   std::string_view message) {
    auto r = HttpResponse::error(status, code, message);
    if (status == 503) {
      r.headers.set("Retry-After", std::to_string(core_.options.retryAfterSeconds));
    }
    co_await writeResponse(r, req, false, nullptr);
    co_return false;
  }
  asio::awaitable<bool> park(std::shared_ptr<ParkedWait> wait, const HttpRequest& req,
                             bool keepAlive);
  asio::awaitable<void> streamEvents(std::shared_ptr<EventStream> stream, const HttpRequest& req);

  ServerCore& core_;
  Stream stream_;
  std::string address_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  asio::steady_timer deadline_;
  asio::steady_timer wakeTimer_;
  bool wakePending_ = false;
  bool idle_ = false;
};

HttpRequest requestFromHead(const bhttp::request_parser<bhttp::buffer_body>& parser,
                            std::string address) {
  const auto& head = parser.get();
  HttpRequest req;
  req.method = std::string(head.method_string());
  req.target = std::string(head.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  for (const auto& field : head) {
    req.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  req.remoteAddress = std::move(address);
  req.received = Clock::now();
  auto id = req.headers.find("X-Request-Id");
  req.requestId = id && isSaneRequestId(*id) ? std::string(*id) : makeRequestId();
  if (auto length = parser.content_length()) {
    req.contentLength = *length;
  }
  req.chunked = parser.chunked();
  return req;
}

template <class Stream> asio::awaitable<bool> Connection<Stream>::serveOne() {
  idle_ = true;
  if (core_.draining) {
    co_return false;
  }
  if (buffer_.size() == 0) {
    setDeadlineIn(core_.options.idleTimeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kAwait);
    if (ec) {
      co_return false;
    }
    buffer_.commit(n);
  }
  idle_ = false;
  setDeadlineIn(core_.options.headerDeadline);
  bhttp::request_parser<bhttp::buffer_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(core_.options.maxHeaderBytes));
  parser.body_limit(boost::none); // checked against the route below
  auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kAwait);
  if (ec) {
    HttpRequest none;
    none.requestId = makeRequestId();
    none.received = Clock::now();
    // Over the head's limit before the request line ended: the URI is too long (414); after it,
    // the header fields are too large (431).
    if (ec == bhttp::error::header_limit && parser.get().target().empty()) {
      bool ok = co_await writeError(none, 414, "uri_too_long", "request line too long");
      co_return ok;
    }
    if (ec == bhttp::error::header_limit) {
      bool ok = co_await writeError(none, 431, "headers_too_large", "request headers too large");
      co_return ok;
    }
    bool malformed = ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                     ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    if (malformed && socket().is_open()) {
      bool ok = co_await writeError(none, 400, "bad_request", "malformed request");
      co_return ok;
    }
    co_return false;
  }
  clearDeadline();
  auto req = requestFromHead(parser, address_);
  bool keepAlive = parser.keep_alive() && !core_.draining;
  bool hasBody = !parser.is_done();
  auto match = core_.router.match(req.method, req.path);
  if (!match.route) {
    auto r = match.pathKnown ? HttpResponse::error(405, "method_not_allowed", "method not allowed")
                             : HttpResponse::error(404, "route_not_found", "no such route");
    keepAlive = keepAlive && !hasBody;
    bool ok = co_await writeResponse(r, req, keepAlive, nullptr);
    co_return ok&& keepAlive;
  }
  auto limit = match.route->options.maxBodyBytes;
  if (req.contentLength && *req.contentLength > limit) {
    bool ok = co_await writeError(req, 413, "payload_too_large",
                                  "request body larger than " + std::to_string(limit) + " bytes");
    co_return ok;
  }
  parser.body_limit(limit);
  req.params = std::move(match.params);
  req.route = match.route->pattern;
  auto expect = req.headers.find("Expect");
  if (hasBody && expect && (*expect == "100-continue" || *expect == "100-Continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    bool ok = co_await write(asio::buffer(kContinue));
    if (!ok) {
      co_return false;
    }
  }

  auto ex = std::make_shared<Exchange>();
  ex->request = std::move(req);
  ex->wake = waker();
  ex->upload = std::make_shared<ChunkPipe>(kPipeChunks, ex->wake);
  if (!hasBody) {
    ex->upload->finish();
  }
  ExchangeGuard guard{ex};
  const Handler* handler = &match.route->handler;
  std::optional<Reply> reply;
  bool bodyComplete = true;
  if (!match.route->options.blocking && !hasBody) {
    reply = runInline(*ex, *handler); // a quick handler: no hop to the pool
  } else if (!core_.pool.tryPost([ex, handler] { runHandler(*ex, *handler, kPipeChunks); })) {
    bool ok = co_await writeError(ex->request, 503, "overloaded", "server busy, retry later");
    co_return ok;
  } else {
    if (hasBody) {
      bodyComplete = co_await pumpBody(parser, *ex);
    }
    clearDeadline();
    while (!(reply = ex->takeReply())) {
      co_await waitWake(Clock::time_point::max());
    }
  }
  keepAlive = keepAlive && bodyComplete && parser.is_done() && !core_.draining;
  auto& value = reply->value();
  if (auto* r = std::get_if<HttpResponse>(&value)) {
    auto download = ex->downloadPipe();
    bool ok = co_await writeResponse(*r, ex->request, keepAlive, download.get());
    co_return ok&& keepAlive;
  }
  if (auto* w = std::get_if<std::shared_ptr<ParkedWait>>(&value)) {
    bool more = co_await park(*w, ex->request, keepAlive);
    co_return more;
  }
  co_await streamEvents(std::get<std::shared_ptr<EventStream>>(value), ex->request);
  co_return false;
}

template <class Stream>
asio::awaitable<bool>
Connection<Stream>::pumpBody(bhttp::request_parser<bhttp::buffer_body>& parser, Exchange& ex) {
  const auto& o = core_.options;
  auto start = Clock::now();
  std::uint64_t received = 0;
  std::string chunk;
  while (!parser.is_done()) {
    // The client must keep up minBodyBytesPerSecond on average once the grace is over.
    auto owed = o.minBodyBytesPerSecond == 0
                    ? o.idleTimeout
                    : std::chrono::milliseconds(received * 1000 / o.minBodyBytesPerSecond);
    setDeadline(start + std::max(o.bodyGrace, owed));
    chunk.resize(kChunkBytes);
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, kAwait);
    if (ec == bhttp::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      ex.upload->fail(ec == bhttp::error::body_limit ? BodyError::Kind::TooLarge
                                                     : BodyError::Kind::Aborted);
      co_return false;
    }
    chunk.resize(kChunkBytes - parser.get().body().size);
    received += chunk.size();
    while (!chunk.empty()) {
      auto pushed = ex.upload->tryPush(chunk);
      if (pushed == ChunkPipe::Push::Queued) {
        break;
      }
      if (pushed == ChunkPipe::Push::Closed) {
        co_return false; // the handler answered without reading the rest
      }
      // Back-pressure: the handler is slower than the client; that time is not the client's.
      clearDeadline();
      auto waited = Clock::now();
      co_await waitWake(Clock::time_point::max());
      start += Clock::now() - waited;
    }
  }
  ex.upload->finish();
  co_return true;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::writeResponse(HttpResponse& r, const HttpRequest& req,
                                                        bool keepAlive, ChunkPipe* download) {
  if (core_.options.onResponse) {
    core_.options.onResponse(req, r);
  }
  core_.countStatus(r.status);
  bhttp::response<bhttp::string_body> res;
  res.result(static_cast<unsigned>(r.status));
  res.version(11);
  for (const auto& h : r.headers.all()) {
    res.insert(h.name, h.value);
  }
  res.set("X-Request-Id", req.requestId);
  res.keep_alive(keepAlive);
  if (!download) {
    res.body() = std::move(r.body);
    res.prepare_payload();
    setDeadlineIn(core_.options.writeTimeout);
    auto [ec, n] = co_await bhttp::async_write(stream_, res, kAwait);
    clearDeadline();
    co_return !ec;
  }
  bool chunked = !r.contentLength;
  if (chunked) {
    res.chunked(true);
  } else {
    res.content_length(*r.contentLength);
  }
  bhttp::response_serializer<bhttp::string_body> serializer{res};
  setDeadlineIn(core_.options.writeTimeout);
  auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, kAwait);
  clearDeadline();
  if (ec) {
    co_return false;
  }
  std::uint64_t sent = 0;
  std::string chunk;
  while (true) {
    auto popped = download->tryPop(chunk);
    if (popped == ChunkPipe::Pop::Failed) {
      co_return false; // the body is cut short: closing tells the client
    }
    if (popped == ChunkPipe::Pop::Empty) {
      co_await waitWake(Clock::time_point::max());
      continue;
    }
    if (popped == ChunkPipe::Pop::End) {
      if (!chunked) {
        co_return sent == *r.contentLength;
      }
      bool ok = co_await write(bhttp::make_chunk_last());
      co_return ok;
    }
    sent += chunk.size();
    bool ok = false;
    if (chunked) {
      ok = co_await write(bhttp::make_chunk(asio::buffer(chunk)));
    } else {
      ok = co_await write(asio::buffer(chunk));
    }
    if (!ok) {
      co_return false;
    }
  }
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::park(std::shared_ptr<ParkedWait> wait,
                                               const HttpRequest& req, bool keepAlive) {
  ServerCore::Registration<ParkedWait> registered(core_, core_.parked, wait, &ParkedWait::detach);
  if (core_.draining) {
    wait->drain();
  }
  wait->attach(waker());
  auto until = Clock::now() + wait->options().timeout;
  std::optional<ParkedWait::Completion> done;
  while (!(done = wait->takeCompletion())) {
    auto result = co_await (waitWake(until) || watchHangup());
    if (result.index() == 1) {
      wait->cancel(); // onCancel, or the producer's written(false)
      co_return false;
    }
    if (!std::get<0>(result) && Clock::now() >= until && wait->expire()) {
      auto timeout = wait->options().timeoutResponse;
      bool ok = co_await writeResponse(timeout, req, keepAlive, nullptr);
      co_return ok&& keepAlive;
    }
  }
  keepAlive = keepAlive && !core_.draining;
  bool written = co_await writeResponse(done->response, req, keepAlive, nullptr);
  if (done->written) {
    done->written(written);
  }
  co_return written&& keepAlive;
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::streamEvents(std::shared_ptr<EventStream> stream,
                                                       const HttpRequest& req) {
  ServerCore::Registration<EventStream> registered(core_, core_.streams, stream,
                                                   &EventStream::abandon);
  HttpResponse head{200, {}, {}, {}, {}};
  if (core_.options.onResponse) {
    core_.options.onResponse(req, head);
  }
  core_.countStatus(200);
  bhttp::response<bhttp::empty_body> res{bhttp::status::ok, 11};
  for (const auto& h : head.headers.all()) {
    res.insert(h.name, h.value);
  }
  res.set(bhttp::field::content_type, "text/event-stream");
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");
  res.set("X-Request-Id", req.requestId);
  res.keep_alive(false);
  res.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> serializer{res};
  setDeadlineIn(core_.options.writeTimeout);
  auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, kAwait);
  clearDeadline();
  if (ec) {
    co_return;
  }
  if (core_.draining) {
    stream->close();
  }
  stream->attach(waker());
  auto nextBeat = Clock::now() + core_.options.heartbeatInterval;
  while (true) {
    bool ended = false;
    auto events = stream->take(ended);
    if (!events.empty()) {
      std::string joined;
      for (const auto& e : events) {
        joined += e;
      }
      bool ok = co_await write(bhttp::make_chunk(asio::buffer(joined)));
      if (!ok) {
        co_return;
      }
      nextBeat = Clock::now() + core_.options.heartbeatInterval;
    }
    if (ended) {
      co_await write(bhttp::make_chunk_last());
      co_return;
    }
    auto result = co_await (waitWake(nextBeat) || watchHangup());
    if (result.index() == 1) {
      co_return; // the client went away: Unstream closes the stream
    }
    if (!std::get<0>(result) && Clock::now() >= nextBeat) {
      static constexpr std::string_view kHeartbeat = ": heartbeat\n\n";
      bool ok = co_await write(bhttp::make_chunk(asio::buffer(kHeartbeat)));
      if (!ok) {
        co_return;
      }
      nextBeat = Clock::now() + core_.options.heartbeatInterval;
    }
  }
}

} // namespace

void startConnection(ServerCore& core, tcp::socket socket, const std::string& address) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (core.tls) {
    using TlsStream = asio::ssl::stream<tcp::socket>;
    std::make_shared<Connection<TlsStream>>(core, TlsStream(std::move(socket), *core.tls), address)
        ->start();
  } else {
    std::make_shared<Connection<tcp::socket>>(core, std::move(socket), address)->start();
  }
}

} // namespace printrelay::http
