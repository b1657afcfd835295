#pragma once

#include "cloud/http/http_types.h"
#include "cloud/routes/http_exchange.h"
#include "cloud/routes/route_table.h"

#include <exception>
#include <string>
#include <string_view>

// Between the HTTP core (cloud/http) and the routes (cloud/routes): the request as the routes
// read it, the body as a BodySource, the routes' response as the core sends it, and the one
// place that turns a handler's exception into a JSON error.
namespace printrelay::cloud {

/// %XX decoded; with `plusIsSpace` (a query string) '+' is a space too.
std::string percentDecode(std::string_view text, bool plusIsSpace);

/// "a=1&b=x%20y&a=2" as name-value pairs in order, decoded, repeats kept.
HttpFields decodeQuery(std::string_view query);

/// The core's request head as the routes see it; the route's {placeholders} in their order.
HttpRequest routesRequest(const http::HttpRequest& request, const Route& route);

/// The core's request body as the routes read it. A body larger than the route allows gives
/// ApiError 413; a body that ends early makes read() return false.
class CoreBodySource : public BodySource {
public:
  CoreBodySource(const http::HttpRequest& request, http::RequestBody& body)
      : request_(request), body_(body) {}
  std::optional<std::uint64_t> declaredLength() const override { return request_.contentLength; }
  bool chunked() const override { return request_.chunked; }
  bool read(const BodyChunkSink& sink) override;

private:
  const http::HttpRequest& request_;
  http::RequestBody& body_;
};

/// The handler's answer as the core sends it (a streamed body keeps streaming).
http::HttpResponse coreResponse(HttpResponse& response);

/// A handler's hold as the core's parked wait: started (the hub learns of it) before the core
/// takes the wait.
http::Reply parkedReply(Hold& hold);

/// A handler's event stream as the core's: started (it subscribes and reads what is new) before
/// the core takes the stream.
http::Reply streamReply(EventStreamStart& start);

/// The one exception handler: ApiError, domain errors, malformed JSON and anything else, as the
/// JSON error response (status, code, message). Unexpected failures are logged with `where`.
HttpResponse errorResponse(std::exception_ptr failure, const std::string& where);

} // namespace printrelay::cloud
