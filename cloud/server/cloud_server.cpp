#include "cloud/server/cloud_server.h"

#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/storage/store_factory.h"
#include "common/util/log.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <openssl/ssl.h>
#include <span>

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

/// Requests that declare bodies bigger than this are not drained after an error (the client is
/// asked to close the connection instead).
constexpr std::uint64_t kDrainSlack = 1024 * 1024;

std::string codeForStatus(int status) {
  switch (status) {
  case 400:
    return "bad_request";
  case 401:
    return "unauthorized";
  case 403:
    return "forbidden";
  case 404:
    return "route_not_found";
  case 405:
    return "method_not_allowed";
  case 413:
    return "payload_too_large";
  case 414:
    return "uri_too_long";
  case 429:
    return "too_many_requests";
  case 415:
    return "unsupported_media_type";
  case 416:
    return "range_not_satisfiable";
  case 417:
    return "expectation_failed";
  case 500:
    return "internal_error";
  case 503:
    return "unavailable";
  default:
    return "http_" + std::to_string(status);
  }
}

std::string messageForStatus(int status) {
  switch (status) {
  case 400:
    return "the request is not well-formed HTTP (request line, headers or body)";
  case 404:
    return "no such route";
  case 413:
    return "the request body is too large";
  case 414:
    return "the request URI is too long";
  default:
    return "HTTP status " + std::to_string(status);
  }
}

std::optional<std::uint64_t> contentLength(const httplib::Request& request) {
  const std::string value = request.get_header_value("Content-Length");
  if (value.empty() || value.size() > 19 ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(value);
}

/// A cpp-httplib request's body as the routes read it: through the route's content reader, or
/// nothing for a route registered without one (GET).
class HttplibBody : public BodySource {
public:
  HttplibBody(const httplib::Request& request, const httplib::ContentReader* reader)
      : reader_(reader), declaredLength_(contentLength(request)),
        chunked_(request.get_header_value("Transfer-Encoding").find("chunked") !=
                 std::string::npos) {}

  std::optional<std::uint64_t> declaredLength() const override { return declaredLength_; }
  bool chunked() const override { return chunked_; }
  bool read(const BodyChunkSink& sink) override {
    if (reader_ == nullptr) {
      return true;
    }
    return (*reader_)([&](const char* data, std::size_t length) {
      return sink({reinterpret_cast<const std::uint8_t*>(data), length});
    });
  }

private:
  const httplib::ContentReader* reader_;
  std::optional<std::uint64_t> declaredLength_;
  bool chunked_;
};

/// The request as the routes see it.
HttpRequest exchangeRequest(const httplib::Request& request) {
  HttpRequest out;
  out.method = request.method;
  out.path = request.path;
  out.remoteAddress = request.remote_addr;
  out.headers.assign(request.headers.begin(), request.headers.end());
  out.query.assign(request.params.begin(), request.params.end());
  for (std::size_t i = 1; i < request.matches.size(); ++i) {
    out.pathParams.push_back(request.matches[static_cast<int>(i)].str());
  }
  return out;
}

/// The headers a handler set, onto the response (also when it then failed: Retry-After).
void copyHeaders(const HttpResponse& from, httplib::Response& to) {
  for (const auto& [name, value] : from.headers) {
    to.set_header(name, value);
  }
}

/// The handler's answer, onto the response cpp-httplib sends.
void copyResponse(HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  copyHeaders(from, to);
  if (!from.stream) {
    to.set_content(from.body, from.contentType);
    return;
  }
  to.set_content_provider(
      static_cast<std::size_t>(from.stream->first), from.contentType,
      [producer = std::move(from.stream->second)](std::size_t offset, std::size_t length,
                                                  httplib::DataSink& sink) {
        std::array<char, 64 * 1024> buffer{};
        const std::size_t n =
            producer(offset, std::span<char>(buffer.data(), std::min(length, buffer.size())));
        return n > 0 && sink.write(buffer.data(), n);
      });
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
  documents_ = std::make_unique<DocumentDirectory>(settings_.dataDir / "documents");
  hasher_ = std::make_unique<PasswordHasher>(settings_.argon2);
  if (settings_.smtp.host.empty()) {
    mailer_ = makeEmlFolderMailer(settings_.effectiveMailDir());
  } else {
    mailer_ = makeSmtpMailer(settings_.smtp);
  }
  log::info("outgoing mail goes to " + mailer_->describe());

  if (settings_.tlsEnabled()) {
    auto ssl =
        std::make_unique<httplib::SSLServer>(settings_.tlsCert.c_str(), settings_.tlsKey.c_str());
    if (!ssl->is_valid()) {
      throw Error("config_invalid", "cannot use the TLS certificate " + settings_.tlsCert +
                                        " with the key " + settings_.tlsKey);
    }
    SSL_CTX_set_min_proto_version(ssl->ssl_context(), TLS1_2_VERSION);
    SSL_CTX_set_options(ssl->ssl_context(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    http_ = std::move(ssl);
  } else {
    http_ = std::make_unique<httplib::Server>();
  }
}

CloudServer::~CloudServer() {
  stop();
}

void CloudServer::registerRoutes() {
  auto& http = *http_;
  const int threads = settings_.httpThreads;
  // Each waiting long-poll holds a worker, so the pool is sized by configuration.
  http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  http.set_payload_max_length(static_cast<std::size_t>(settings_.maxUploadBytes + kDrainSlack));
  http.set_read_timeout(30, 0);
  http.set_write_timeout(30, 0);
  // Security headers on every response (the API serves JSON and ciphertext, never pages).
  httplib::Headers headers{
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
      {"Cache-Control", "no-store"}};
  if (settings_.tlsEnabled()) {
    headers.emplace("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
  http.set_default_headers(headers);
  // Every answer carries the server's time (RFC 9110 says an origin server with a clock must);
  // agents compare it with theirs (printrelayctl diagnose: clock skew).
  http.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Date", httpDate(settings_.clock()));
    addCorsHeaders(req, res);
  });
  // CORS preflight: answered for the configured web origin only.
  http.Options(".*", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string origin = req.get_header_value("Origin");
    if (settings_.webOrigin.empty() || origin != settings_.webOrigin) {
      res.status = 403;
      res.set_content(
          errorBody("cors_origin_refused",
                    "cross-origin requests are allowed only from the web page's origin"),
          "application/json");
      return;
    }
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.set_header("Access-Control-Max-Age", "600");
  });

  for (const Route& route : routeTable()) {
    const std::string pattern = pathPattern(route.path);
    const Route* r = &route;
    if (route.method == "GET") {
      http.Get(pattern, [this, r](const httplib::Request& req, httplib::Response& res) {
        dispatch(*r, req, res, nullptr);
      });
    } else {
      httplib::Server::HandlerWithContentReader handler =
          [this, r](const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader) { dispatch(*r, req, res, &reader); };
      if (route.method == "POST") {
        http.Post(pattern, handler);
      } else if (route.method == "PUT") {
        http.Put(pattern, handler);
      } else if (route.method == "PATCH") {
        http.Patch(pattern, handler);
      } else {
        http.Delete(pattern, handler);
      }
    }
  }

  // Refuse an oversized upload before the client sends it, when the client asks first.
  http.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    const auto length = contentLength(req);
    if (length && *length > settings_.maxUploadBytes) {
      res.status = 413;
      res.set_content(errorBody("payload_too_large", "documents are limited to " +
                                                         std::to_string(settings_.maxUploadBytes) +
                                                         " bytes"),
                      "application/json");
      return 413;
    }
    return 100;
  });

  // The one place that turns exceptions into JSON error responses.
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr failure) {
        int status = 500;
        std::string code = "internal_error";
        std::string message = "internal error";
        try {
          std::rethrow_exception(failure);
        } catch (const ApiError& e) {
          status = e.status();
          code = e.code();
          message = e.what();
        } catch (const Error& e) {
          status = statusForErrorCode(e.code());
          if (status == 500) {
            log::error(req.method + " " + req.path + ": " + e.code() + ": " + e.what());
          } else {
            code = e.code();
            message = e.what();
          }
        } catch (const nlohmann::json::exception& e) {
          status = 400;
          code = "invalid_request";
          message = std::string("the JSON does not have the expected shape: ") + e.what();
        } catch (const std::exception& e) {
          log::error(req.method + " " + req.path + ": " + e.what());
        } catch (...) {
          log::error(req.method + " " + req.path + ": unknown exception");
        }
        res.status = status;
        res.set_content(errorBody(code, message), "application/json");
      });

  // Errors cpp-httplib produces by itself (unknown route, malformed request, too large, …) get
  // the same JSON shape.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty() || res.content_length_ > 0) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        res.set_content(errorBody(codeForStatus(res.status), messageForStatus(res.status)),
                        "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));

  http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const auto level = res.status >= 500 ? log::Level::Warning : log::Level::Debug;
    log::write(level, req.method + " " + req.path + " -> " + std::to_string(res.status));
  });
}

void CloudServer::addCorsHeaders(const httplib::Request& request,
                                 httplib::Response& response) const {
  if (settings_.webOrigin.empty() || !request.has_header("Origin")) {
    return;
  }
  response.set_header("Vary", "Origin");
  if (request.get_header_value("Origin") == settings_.webOrigin) {
    response.set_header("Access-Control-Allow-Origin", settings_.webOrigin);
    response.set_header("Access-Control-Expose-Headers", "Retry-After");
  }
}

void CloudServer::dispatch(const Route& route, const httplib::Request& request,
                           httplib::Response& response, const httplib::ContentReader* reader) {
  HttplibBody source(request, reader);
  RequestBody body(source, settings_.maxUploadBytes + kDrainSlack);
  const HttpRequest exchange = exchangeRequest(request);
  HttpResponse answer;
  const auto finish = [&] {
    body.drain();
    const auto declared = body.declaredLength();
    if (declared && *declared > settings_.maxUploadBytes + kDrainSlack) {
      response.set_header("Connection", "close");
    }
  };
  try {
    Principal principal;
    if (!route.roles.contains(Role::Anonymous)) {
      principal = authenticator_->authenticate(exchange.headerValues("Authorization"));
      Authenticator::require(principal, route.roles);
    }
    RequestContext ctx{exchange, answer, principal, body};
    (api_.get()->*route.handler)(ctx);
  } catch (...) {
    copyHeaders(answer, response);
    finish();
    throw;
  }
  copyResponse(answer, response);
  finish();
}

int CloudServer::bind() {
  port_ =
      settings_.listenPort == 0
          ? http_->bind_to_any_port(settings_.listenHost)
          : (http_->bind_to_port(settings_.listenHost, settings_.listenPort) ? settings_.listenPort
                                                                             : -1);
  if (port_ <= 0) {
    throw Error("listen_failed", "cannot listen on " + settings_.listenHost + ":" +
                                     std::to_string(settings_.listenPort));
  }
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
  registerRoutes();
  worker_->start();
  return port_;
}

void CloudServer::run() {
  {
    std::lock_guard lock(runMutex_);
    if (stopRequested_) {
      return;
    }
    running_ = true;
  }
  log::notice("serving " + url() + " (" + std::to_string(settings_.httpThreads) + " threads)");
  http_->listen_after_bind();
  {
    std::lock_guard lock(runMutex_);
    running_ = false;
  }
  runExited_.notify_all();
}

void CloudServer::stop() {
  std::unique_lock lock(runMutex_);
  stopRequested_ = true;
  hub_.shutdown();
  if (worker_) {
    worker_->stop();
  }
  // listen_after_bind() may not have started accepting yet; ask again until run() returned.
  while (running_) {
    http_->stop();
    runExited_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

std::string CloudServer::url() const {
  const std::string host = settings_.listenHost.find(':') != std::string::npos
                               ? "[" + settings_.listenHost + "]"
                               : settings_.listenHost;
  return std::string(settings_.tlsEnabled() ? "https" : "http") + "://" + host + ":" +
         std::to_string(port_);
}

} // namespace printrelay::cloud
