#pragma once

#include <chrono>
#include <httplib.h>
#include <memory>
#include <string>

namespace printrelay {

/// How a program reaches the cloud: base URL and how to trust its certificate.
struct CloudEndpoint {
  std::string baseUrl; ///< "https://host:port" (or "http://127.0.0.1:port" on loopback)
  std::string caFile;  ///< PEM CA bundle; empty means the system CA store
  std::chrono::seconds connectTimeout{10};
  std::chrono::seconds readTimeout{30};
};

/// Checks a base URL: http or https, a host, an optional port, no path, query or credentials.
/// Plain http is refused unless the host is loopback or `allowPlainHttp`.
/// Throws Error{"config_invalid"} explaining the problem.
void validateBaseUrl(const std::string& url, bool allowPlainHttp);

/// A client for the endpoint with certificate verification on (never switched off).
std::unique_ptr<httplib::Client> makeClient(const CloudEndpoint& endpoint);

/// The "Authorization: Bearer …" header.
httplib::Headers bearer(const std::string& token);

/// Turns a failed exchange into an Error: transport errors become "cloud_unreachable" (with
/// httplib's reason), a JSON error body becomes its own code and message, anything else
/// "http_<status>".
[[noreturn]] void throwForResult(const httplib::Result& result, const std::string& what);

} // namespace printrelay
