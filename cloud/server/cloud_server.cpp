#include "cloud/server/cloud_server.h"

#include "cloud/server/route_adapter.h"
#include "cloud/storage/store_factory.h"
#include "common/util/log.h"
#include "common/util/sd_notify.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <openssl/ssl.h>
#include <set>

namespace printrelay::cloud {
namespace {

/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), independent of the locale.
std::string httpDate(std::int64_t unixSeconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

/// A body a handler left unread is read and discarded up to this much, so the connection can
/// stay open; beyond, the core closes it after the answer.
constexpr std::uint64_t kDrainLimit = 1024 * 1024;

/// Headers on every response (the API serves JSON and ciphertext, never pages).
constexpr std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
    {"Cache-Control", "no-store"},
};

/// Throws Error{"config_invalid"} unless the certificate and key load and belong together.
void checkTlsFiles(const std::string& certFile, const std::string& keyFile) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                        &SSL_CTX_free);
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx.get(), certFile.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), keyFile.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    throw Error("config_invalid",
                "cannot use the TLS certificate " + certFile + " with the key " + keyFile);
  }
}

} // namespace

CloudServer::CloudServer(CloudSettings settings) : settings_(std::move(settings)) {
  validateSettings(settings_);
  std::filesystem::create_directories(settings_.dataDir);
  std::filesystem::permissions(settings_.dataDir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  if (settings_.adminToken.empty()) {
    bool created = false;
    settings_.adminToken = loadOrCreateAdminToken(settings_.dataDir, created);
    log::notice(
        std::string(created ? "generated the admin token into " : "admin token read from ") +
        (settings_.dataDir / std::string(kAdminTokenFile)).string());
  }
  store_ = openStore(settings_.databaseUrl());
  log::info("database: " + store_->backendName() + ", schema version " +
            std::to_string(store_->schemaVersion()));
  presence_ = std::make_unique<AgentPresence>(*store_, feed_, Api::kOnlineWindowSeconds);
  documents_ = std::make_unique<DocumentDirectory>(settings_.dataDir / "documents");
  hasher_ = std::make_unique<PasswordHasher>(settings_.argon2);
  if (settings_.smtp.host.empty()) {
    mailer_ = makeEmlFolderMailer(settings_.effectiveMailDir());
  } else {
    mailer_ = makeSmtpMailer(settings_.smtp);
  }
  log::info("outgoing mail goes to " + mailer_->describe());

  if (settings_.tlsEnabled()) {
    checkTlsFiles(settings_.tlsCert, settings_.tlsKey);
  }
}

CloudServer::~CloudServer() {
  stop();
}

http::Router CloudServer::buildRouter() {
  http::Router router;
  std::set<std::string_view> paths;
  for (const Route& route : routeTable()) {
    http::RouteOptions options;
    switch (route.bodyLimit) {
    case BodyLimit::Json:
      options.maxBodyBytes = Api::kMaxJsonBody;
      break;
    case BodyLimit::PrinterReport:
      options.maxBodyBytes = Api::kMaxPrinterReport;
      break;
    case BodyLimit::Document:
      options.maxBodyBytes = settings_.maxUploadBytes;
      break;
    }
    options.blocking = route.blocking;
    router.add(
        std::string(route.method), route.path,
        [this, &route](http::HttpRequest& request, http::RequestBody& body) {
          return serve(route, request, body);
        },
        options);
    paths.insert(route.path);
  }
  // CORS preflights, answered from memory.
  for (const auto path : paths) {
    router.add(
        "OPTIONS", path,
        [this](http::HttpRequest& request, http::RequestBody&) { return preflight(request); },
        http::RouteOptions{Api::kMaxJsonBody, false});
  }
  return router;
}

http::ServerOptions CloudServer::serverOptions() {
  http::ServerOptions options;
  options.host = settings_.listenHost;
  options.port = static_cast<std::uint16_t>(settings_.listenPort);
  options.workerThreads = static_cast<unsigned>(settings_.httpThreads);
  // A burst may wait for a worker; beyond this many the client gets 503 with Retry-After.
  options.maxQueuedTasks = static_cast<std::size_t>(settings_.httpThreads) * 4;
  if (settings_.tlsEnabled()) {
    options.tls = http::TlsFiles{settings_.tlsCert, settings_.tlsKey};
  }
  options.heartbeatInterval = settings_.streamHeartbeat;
  options.onResponse = [this](const http::HttpRequest& request, http::HttpResponse& response) {
    finishResponse(request, response);
  };
  // Under systemd's watchdog the pings come from the event loop itself, twice per interval: a
  // loop that stops turning stops them, and systemd restarts the node.
  if (const auto watchdog = sd::watchdogInterval()) {
    options.tickInterval =
        std::max(std::chrono::milliseconds(1),
                 std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog / 2));
    options.onTick = [this] {
      sd::notify("WATCHDOG=1");
      if (http_) {
        const auto m = http_->metrics();
        sd::notify("STATUS=serving: " + std::to_string(m.openConnections) + " connections, " +
                   std::to_string(m.parkedWaits) + " parked long-polls, " +
                   std::to_string(m.eventStreams) + " event streams");
      }
    };
  }
  return options;
}

http::Reply CloudServer::serve(const Route& route, http::HttpRequest& request,
                               http::RequestBody& body) {
  if (!ready_.load()) {
    return http::HttpResponse::error(503, "starting", "the cloud is starting; retry shortly");
  }
  CoreBodySource source(request, body);
  RequestBody routeBody(source, kDrainLimit);
  const HttpRequest exchange = routesRequest(request, route);
  HttpResponse answer;
  try {
    Principal principal;
    if (!route.roles.contains(Role::Anonymous)) {
      const auto authorization = exchange.headerValues("Authorization");
      if (route.streamTicket && authorization.empty() && exchange.queryCount("ticket") > 0) {
        principal = api_->redeemStreamTicket(exchange); // an EventSource cannot send headers
      } else {
        principal = authenticator_->authenticate(authorization);
      }
      Authenticator::require(principal, route.roles);
      if (principal.role == Role::Agent) {
        presence_->seen(principal.storeId, principal.subject, settings_.clock());
      }
    }
    RequestContext ctx{exchange, answer, principal, routeBody};
    (api_.get()->*route.handler)(ctx);
  } catch (...) {
    HttpResponse error =
        errorResponse(std::current_exception(),
                      "[Request " + request.requestId + "] " + request.method + " " + request.path);
    // Headers the handler set before it failed still go out (Retry-After).
    for (auto& [name, value] : answer.headers) {
      error.setHeader(name, std::move(value));
    }
    routeBody.drain();
    return coreResponse(error);
  }
  routeBody.drain();
  if (answer.hold) {
    return parkedReply(*answer.hold);
  }
  if (answer.events) {
    return streamReply(*answer.events);
  }
  return coreResponse(answer);
}

http::HttpResponse CloudServer::preflight(const http::HttpRequest& request) const {
  const auto origin = request.headers.find("Origin");
  if (settings_.webOrigin.empty() || !origin || *origin != settings_.webOrigin) {
    return http::HttpResponse::error(403, "cors_origin_refused",
                                     "cross-origin requests are allowed only from the web "
                                     "page's origin");
  }
  http::HttpResponse response{204, {}, {}, {}, {}};
  response.headers.set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
  response.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
  response.headers.set("Access-Control-Max-Age", "600");
  return response;
}

void CloudServer::finishResponse(const http::HttpRequest& request, http::HttpResponse& response) {
  auto& headers = response.headers;
  for (const auto& [name, value] : kSecurityHeaders) {
    if (!headers.find(name)) {
      headers.add(name, value);
    }
  }
  if (settings_.tlsEnabled()) {
    headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
  // Every answer carries the server's time (RFC 9110 says an origin server with a clock must);
  // agents compare it with theirs (printrelayctl diagnose: clock skew).
  headers.set("Date", httpDate(settings_.clock()));
  // CORS for the configured web origin (nothing for any other origin).
  if (const auto origin = request.headers.find("Origin"); origin && !settings_.webOrigin.empty()) {
    headers.set("Vary", "Origin");
    if (*origin == settings_.webOrigin) {
      headers.set("Access-Control-Allow-Origin", settings_.webOrigin);
      headers.set("Access-Control-Expose-Headers", "Retry-After");
    }
  }
  const auto level = response.status >= 500 ? log::Level::Warning : log::Level::Debug;
  log::write(level, "[Request " + request.requestId + "] " + request.method + " " + request.path +
                        " -> " + std::to_string(response.status));
  requestMetrics_.record(request.method, request.route, response.status,
                         std::chrono::steady_clock::now() - request.received);
}

int CloudServer::bind() {
  http_ = std::make_unique<http::HttpServer>(serverOptions(), buildRouter());
  try {
    http_->start();
  } catch (const std::exception& e) {
    throw Error("listen_failed", "cannot listen on " + settings_.listenHost + ":" +
                                     std::to_string(settings_.listenPort) + ": " + e.what());
  }
  port_ = http_->port();
  // The issuer and the links in mail need the public URL, which may name the bound port.
  publicUrl_ = settings_.effectivePublicUrl(port_);
  TokenSettings tokenSettings;
  tokenSettings.keyFile = settings_.dataDir / "token-keys.json";
  tokenSettings.issuer = publicUrl_;
  tokenSettings.audience = "printrelay-api";
  tokenSettings.accessTtlSeconds = settings_.accessTokenTtlSeconds;
  tokenSettings.keyRotationSeconds = settings_.signingKeyRotationSeconds;
  tokens_ = std::make_unique<TokenService>(tokenSettings, settings_.clock);
  worker_ = std::make_unique<BackgroundWorker>(*store_, *mailer_, *tokens_, settings_.mailFrom,
                                               settings_.clock, documents_.get());
  authenticator_ =
      std::make_unique<Authenticator>(*store_, settings_.adminToken, *tokens_, settings_.clock);
  BackgroundWorker* worker = worker_.get();
  api_ = std::make_unique<Api>(settings_, *store_, hub_, *documents_,
                               AccountServices{*tokens_, *hasher_, [worker] { worker->wake(); }});
  api_->setPublicUrl(publicUrl_);
  api_->setMetricsSource([this] { return renderMetrics(); });
  // Event streams read the store on workers of their own: a burst of wakes queues there, never
  // on the I/O threads, and never starves the handlers' pool.
  streamReaders_ = std::make_unique<http::WorkerPool>(2, 1u << 20);
  http::WorkerPool* readers = streamReaders_.get();
  api_->setLiveEvents({&feed_, [readers](std::function<void()> task) {
                         return readers->tryPost(std::move(task));
                       }});
  worker_->setOrderHooks(
      OrderServiceHooks{.leaseSeconds = settings_.leaseSeconds,
                        .offerAckSeconds = settings_.offerAckSeconds,
                        .jobQueued = [this](const std::string& storeId) { hub_.notify(storeId); },
                        .mailQueued = {},
                        .onlinePayment = !settings_.paymentWebhookSecret.empty(),
                        .orderChanged =
                            [this](const OrderRecord& order) {
                              feed_.orderChanged(order.id, order.storeId, order.customerId);
                            }});
  worker_->setAgentPresence(presence_.get());
  worker_->start();
  // Requests that came before this point were answered 503 "starting".
  ready_.store(true);
  log::notice("serving " + url() + " (" + std::to_string(settings_.httpThreads) +
              " worker threads)");
  return port_;
}

std::string CloudServer::renderMetrics() {
  std::string out = requestMetrics_.render(http_->metrics());
  try {
    auto tx = store_->beginRead();
    out += renderRecordCounts(tx->countRecords(settings_.clock() - Api::kOnlineWindowSeconds));
  } catch (const std::exception& e) {
    // The HTTP figures still go out; the store's are missing from this scrape.
    log::warning(std::string("metrics: cannot count the records: ") + e.what());
  }
  return out;
}

void CloudServer::run() {
  std::unique_lock lock(runMutex_);
  runExited_.wait(lock, [this] { return stopped_; });
}

void CloudServer::stop() {
  std::unique_lock lock(runMutex_);
  if (stopped_) {
    return;
  }
  hub_.shutdown();
  if (http_) {
    http_->drain(std::chrono::seconds(settings_.drainSeconds));
  }
  hub_.close(); // the offers handed back meanwhile are queued again
  if (streamReaders_) {
    streamReaders_->stop();
  }
  if (worker_) {
    worker_->stop();
  }
  stopped_ = true;
  runExited_.notify_all();
}

std::string CloudServer::url() const {
  const std::string host = settings_.listenHost.find(':') != std::string::npos
                               ? "[" + settings_.listenHost + "]"
                               : settings_.listenHost;
  return std::string(settings_.tlsEnabled() ? "https" : "http") + "://" + host + ":" +
         std::to_string(port_);
}

} // namespace printrelay::cloud
