#pragma once

#include "common/util/error.h"

#include <chrono>
#include <cstdint>
#include <httplib.h>
#include <memory>
#include <optional>
#include <string>

namespace printrelay {

/// How a program reaches the cloud: base URL and how to trust its certificate.
struct CloudEndpoint {
  std::string baseUrl; ///< "https://host:port" (or "http://127.0.0.1:port" on loopback)
  std::string caFile;  ///< PEM CA bundle; empty means the system CA store
  std::chrono::seconds connectTimeout{10};
  std::chrono::seconds readTimeout{30};
  /// How this program is given a CA bundle, for the advice after a failed verification.
  std::string caFileHint = "--ca-file FILE (or PRINTRELAY_CA_FILE)";
};

/// An exchange with the cloud that failed. `code()` is the stable code scripts match on
/// ("cloud_unreachable" when no answer came, else the cloud's own code or "http_<status>");
/// `reason()` says, as a stable word, what went wrong on the way ("tls_verification_failed",
/// "connection_refused", "wrong_scheme", "timeout", …; empty for an answer from the cloud);
/// `retryAfterSeconds()` is the cloud's Retry-After on a 429. The message is for people: what
/// happened and what to do.
class CloudRequestError : public Error {
public:
  CloudRequestError(std::string code, const std::string& message, std::string reason = "",
                    std::optional<std::int64_t> retryAfterSeconds = std::nullopt)
      : Error(std::move(code), message), reason_(std::move(reason)),
        retryAfterSeconds_(retryAfterSeconds) {}

  const std::string& reason() const noexcept { return reason_; }
  std::optional<std::int64_t> retryAfterSeconds() const noexcept { return retryAfterSeconds_; }

private:
  std::string reason_;
  std::optional<std::int64_t> retryAfterSeconds_;
};

/// What a transport failure talking to `endpoint` was, as a stable word: "tls_verification_failed",
/// "tls_handshake_failed" (often an https:// URL for a plain-http server), "ca_file_unreadable",
/// "connection_refused", "wrong_scheme" (an http:// URL for a TLS server), "timeout",
/// "connection_lost", or "transport_error".
std::string transportReason(httplib::Error error, const CloudEndpoint& endpoint);

/// The same failure in words for people, with what to do: "cannot verify the TLS certificate of
/// https://…: … give the CA that signed it with --ca-file FILE (or PRINTRELAY_CA_FILE)".
std::string explainTransportError(httplib::Error error, const CloudEndpoint& endpoint);

/// Checks a base URL: http or https, a host, an optional port, no path, query or credentials.
/// Plain http is refused unless the host is loopback or `allowPlainHttp`.
/// Throws Error{"config_invalid"} explaining the problem.
void validateBaseUrl(const std::string& url, bool allowPlainHttp);

/// A client for the endpoint with certificate verification on (never switched off).
std::unique_ptr<httplib::Client> makeClient(const CloudEndpoint& endpoint);

/// The "Authorization: Bearer …" header.
httplib::Headers bearer(const std::string& token);

/// Turns a failed exchange into a CloudRequestError: transport errors become
/// "cloud_unreachable" explained in words (explainTransportError), a JSON error body becomes its
/// own code and message, anything else "http_<status>"; a 429 says how long to wait.
[[noreturn]] void throwForResult(const httplib::Result& result, const std::string& what,
                                 const CloudEndpoint& endpoint = {});

} // namespace printrelay
