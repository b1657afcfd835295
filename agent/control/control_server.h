#pragma once

#include "agent/control/control_protocol.h"
#include "agent/control/control_transport.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace printrelay::agent::control {

/// Answers one parsed request. `peer` says who asked (for the log). Throwing a
/// printrelay::Error answers with its code; any other exception answers internal_error.
using RequestHandler =
    std::function<nlohmann::json(const Request& request, const std::string& peer)>;

/// Limits of a control server (tests shorten them).
struct ControlServerOptions {
  /// Connections served at once; one more is answered server_busy and closed.
  std::size_t maxConnections = 8;
  /// A connection idle this long between requests is closed.
  std::chrono::milliseconds idleTimeout{std::chrono::seconds(60)};
  /// How often the accept loop looks at the stop flag.
  std::chrono::milliseconds acceptSlice{std::chrono::milliseconds(200)};
};

/// Serves the control protocol on a listener: one thread accepts, each connection is served
/// by its own thread (at most maxConnections), requests on a connection are answered in order.
/// Malformed lines are answered with bad_request and the connection stays usable; a line over
/// kMaxRequestBytes is answered request_too_large and the connection is closed.
class ControlServer {
public:
  ControlServer(std::unique_ptr<ControlListener> listener, RequestHandler handler,
                ControlServerOptions options = {});
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  /// Stops and joins (see stop()).
  ~ControlServer();

  /// Stops accepting, cuts idle connections, waits for requests in progress to be answered and
  /// removes the address. Idempotent.
  void stop();

  const std::string& address() const { return address_; }

  /// Answers one request line (the whole protocol step without the transport), for tests and
  /// for the server's connection threads.
  static std::string answer(std::string_view line, const RequestHandler& handler,
                            const std::string& peer);

private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<ControlConnection> connection;
    std::atomic<bool> done{false};
  };

  void acceptLoop();
  void serve(Worker& worker);
  /// Joins workers that finished; returns how many still run. Caller holds mutex_.
  std::size_t reapLocked();

  std::unique_ptr<ControlListener> listener_;
  std::string address_;
  RequestHandler handler_;
  ControlServerOptions options_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::list<Worker> workers_;
  std::thread acceptThread_;
};

} // namespace printrelay::agent::control
