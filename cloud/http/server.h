#pragma once

#include "cloud/http/router.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace printrelay::http {

/// PEM files of the server's certificate (chain) and private key.
struct TlsFiles {
  std::string certFile;
  std::string keyFile;
};

/// How the server listens, how many threads it has and what it tolerates from clients.
struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 0;          ///< 0: any free port (see HttpServer::port())
  unsigned ioThreads = 0;          ///< 0: one per core
  unsigned workerThreads = 16;     ///< the blocking handlers' pool
  std::size_t maxQueuedTasks = 64; ///< beyond: 503 with Retry-After
  std::optional<TlsFiles> tls;

  std::chrono::milliseconds headerDeadline{std::chrono::seconds(10)}; ///< request line + headers
  std::chrono::milliseconds idleTimeout{std::chrono::seconds(60)};    ///< between requests
  std::chrono::milliseconds writeTimeout{std::chrono::seconds(30)};   ///< per write
  std::chrono::milliseconds bodyGrace{std::chrono::seconds(10)}; ///< before the body rate counts
  std::uint64_t minBodyBytesPerSecond = 4096;
  std::size_t maxHeaderBytes = 16 * 1024; ///< request line and headers together (else 414 or 431)
  std::size_t maxConnections = 50000;
  std::size_t maxConnectionsPerAddress = 256;
  std::chrono::milliseconds heartbeatInterval{std::chrono::seconds(15)}; ///< event streams
  int retryAfterSeconds = 1;                                             ///< in 503 answers
  /// Called with every response the server writes (a handler's, a parked wait's, an event
  /// stream's head, or one of its own errors) just before it goes out: headers to add, a log
  /// line, counters. Runs on an I/O thread: must not block.
  std::function<void(const HttpRequest&, HttpResponse&)> onResponse;
  /// Called every `tickInterval` on an I/O thread from start() until stop() (a service manager's
  /// watchdog ping: it shows the event loop turns). Must not block. Off when either is unset.
  std::chrono::milliseconds tickInterval{0};
  std::function<void()> onTick;
};

/// Counters a /metrics route can read (a snapshot).
struct ServerMetrics {
  std::uint64_t openConnections = 0;
  std::uint64_t parkedWaits = 0;
  std::uint64_t eventStreams = 0;
  std::uint64_t workerQueueDepth = 0;
  std::uint64_t workerBusy = 0;
  std::uint64_t workerThreads = 0;
  std::uint64_t connectionsRefused = 0;  ///< over a connection cap
  std::uint64_t connectionsTimedOut = 0; ///< header deadline, body rate, idle, write
  std::map<int, std::uint64_t> requestsByStatus;
};

struct ServerCore;

/// The event-driven HTTP/1.1 server: a few I/O threads run one coroutine per connection;
/// handlers run on a bounded worker pool; parked waits and event streams hold no thread.
class HttpServer {
public:
  HttpServer(ServerOptions options, Router router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds, listens and starts the threads. Throws std::runtime_error when it cannot.
  void start();
  /// The port listened on (after start()).
  std::uint16_t port() const;
  /// Stops accepting, asks parked waits to complete (their onDrain) and ends event streams,
  /// lets requests in flight finish until `deadline`, then stops.
  void drain(std::chrono::milliseconds deadline);
  /// Closes every connection and stops the threads. Idempotent.
  void stop();
  ServerMetrics metrics() const;

private:
  std::unique_ptr<ServerCore> core_;
};

} // namespace printrelay::http
