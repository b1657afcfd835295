#pragma once

#include "cloud/accounts/auth.h"
#include "cloud/accounts/password_hasher.h"
#include "cloud/accounts/token_service.h"
#include "cloud/config/cloud_config.h"
#include "cloud/mail/mailer.h"
#include "cloud/orders/dispatch_hub.h"
#include "cloud/routes/api.h"
#include "cloud/routes/route_table.h"
#include "cloud/server/background_worker.h"
#include "cloud/storage/document_directory.h"
#include "cloud/storage/store.h"

#include <atomic>
#include <condition_variable>
#include <httplib.h>
#include <memory>
#include <mutex>
#include <string>

namespace printrelay::cloud {

/// The cloud node: opens the data directory and the store, and serves the HTTP API (HTTPS when
/// a certificate is configured) from the route table. Lifecycle: construct, bind(), run() on
/// some thread, stop() from any thread (or a signal watcher), destroy.
class CloudServer {
public:
  /// Prepares everything short of listening: creates the data directory, loads or generates the
  /// admin token, opens and migrates the store, sets up TLS. Throws Error on bad settings.
  explicit CloudServer(CloudSettings settings);
  CloudServer(const CloudServer&) = delete;
  CloudServer& operator=(const CloudServer&) = delete;
  /// Stops serving if still running.
  ~CloudServer();

  /// Binds the listening socket, starts the background worker (mail, key rotation) and returns
  /// the port (the chosen one when configured as 0). Throws Error{"listen_failed"}.
  int bind();
  /// Serves until stop(); returns at once if stop() came first.
  void run();
  /// Wakes waiting long-polls, stops serving and the background worker; thread-safe,
  /// idempotent, waits for run() to return.
  void stop();

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

private:
  void registerRoutes();
  /// CORS headers for the configured web origin (nothing for any other origin).
  void addCorsHeaders(const httplib::Request& request, httplib::Response& response) const;
  void dispatch(const Route& route, const httplib::Request& request, httplib::Response& response,
                const httplib::ContentReader* reader);

  CloudSettings settings_;
  std::unique_ptr<Store> store_;
  DispatchHub hub_;
  std::unique_ptr<DocumentDirectory> documents_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<Mailer> mailer_;
  std::unique_ptr<BackgroundWorker> worker_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = -1;
  std::string publicUrl_;

  std::mutex runMutex_;
  std::condition_variable runExited_;
  bool running_ = false;
  bool stopRequested_ = false;
};

} // namespace printrelay::cloud
