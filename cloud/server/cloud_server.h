#pragma once

#include "cloud/accounts/auth.h"
#include "cloud/accounts/password_hasher.h"
#include "cloud/accounts/token_service.h"
#include "cloud/config/cloud_config.h"
#include "cloud/http/server.h"
#include "cloud/http/worker_pool.h"
#include "cloud/mail/mailer.h"
#include "cloud/orders/dispatch_hub.h"
#include "cloud/routes/api.h"
#include "cloud/routes/route_table.h"
#include "cloud/server/background_worker.h"
#include "cloud/server/request_metrics.h"
#include "cloud/storage/document_directory.h"
#include "cloud/storage/store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace printrelay::cloud {

/// The cloud node: opens the data directory and the store, and serves the HTTP API (HTTPS when
/// a certificate is configured) from the route table on the event-driven HTTP core (cloud/http):
/// a few I/O threads, handlers on a pool of `http_threads` workers. Lifecycle: construct,
/// bind(), run() on some thread, stop() from any thread (or a signal watcher), destroy.
class CloudServer {
public:
  /// Prepares everything short of listening: creates the data directory, loads or generates the
  /// admin token, opens and migrates the store, sets up TLS. Throws Error on bad settings.
  explicit CloudServer(CloudSettings settings);
  CloudServer(const CloudServer&) = delete;
  CloudServer& operator=(const CloudServer&) = delete;
  /// Stops serving if still running.
  ~CloudServer();

  /// Binds the listening socket and starts answering, starts the background worker (mail, key
  /// rotation) and returns the port (the chosen one when configured as 0). Throws
  /// Error{"listen_failed"}.
  int bind();
  /// Returns once stop() has finished; at once if it has already.
  void run();
  /// Drains: stops accepting, answers parked long-polls (no job, 503 shutting_down, so agents
  /// poll again elsewhere or later), ends event streams, lets requests and uploads in flight
  /// finish (up to `drain_seconds`), then stops serving and the background worker. Thread-safe,
  /// idempotent.
  void stop();

  /// GET /metrics: the request counters, the HTTP core's gauges and the records' counts (read
  /// from the store now; call it on a worker thread).
  std::string renderMetrics();

  int port() const { return port_; }
  /// "https://host:port" or "http://host:port".
  std::string url() const;
  const CloudSettings& settings() const { return settings_; }
  const std::string& adminToken() const { return settings_.adminToken; }
  /// The base of links in mail and the tokens' issuer (known once bound).
  const std::string& publicUrl() const { return publicUrl_; }
  Store& store() { return *store_; }
  DispatchHub& hub() { return hub_; }
  TokenService& tokens() { return *tokens_; }
  PasswordHasher& passwordHasher() { return *hasher_; }
  BackgroundWorker& worker() { return *worker_; }
  /// The feed that wakes the live event streams.
  EventFeed& eventFeed() { return feed_; }
  /// Whether each store's agent is online (its "agent" events); the background worker sweeps it.
  AgentPresence& agentPresence() { return *presence_; }
  /// Event streams open now (subscribed to the feed): a gauge for /metrics.
  std::size_t openEventStreams() const { return feed_.subscribers(); }

private:
  /// The route table, the CORS preflights and the operations' routes, for the HTTP core.
  http::Router buildRouter();
  http::ServerOptions serverOptions();
  /// Authenticates, runs the route's handler and turns its answer or its exception into the
  /// response.
  http::Reply serve(const Route& route, http::HttpRequest& request, http::RequestBody& body);
  /// The OPTIONS preflight: allowed for the configured web origin only.
  http::HttpResponse preflight(const http::HttpRequest& request) const;
  /// On every response: security headers, Date, CORS, the log line, the counters.
  void finishResponse(const http::HttpRequest& request, http::HttpResponse& response);

  CloudSettings settings_;
  std::unique_ptr<Store> store_;
  DispatchHub hub_;
  EventFeed feed_;
  std::unique_ptr<AgentPresence> presence_;
  /// Where the event streams read the store (never on an I/O thread).
  std::unique_ptr<http::WorkerPool> streamReaders_;
  std::unique_ptr<DocumentDirectory> documents_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<Mailer> mailer_;
  std::unique_ptr<BackgroundWorker> worker_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
  RequestMetrics requestMetrics_;
  std::unique_ptr<http::HttpServer> http_;
  std::atomic<bool> ready_{false};
  int port_ = -1;
  std::string publicUrl_;

  std::mutex runMutex_;
  std::condition_variable runExited_;
  bool stopped_ = false;
};

} // namespace printrelay::cloud
