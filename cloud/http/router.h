#pragma once

#include "cloud/http/http_types.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::http {

/// What a route allows besides its handler.
struct RouteOptions {
  /// The largest body taken; a larger Content-Length is refused (413) before a byte is read.
  std::uint64_t maxBodyBytes = 64 * 1024;
  /// false: a quick handler that never blocks (health, metrics, an answer from memory) runs on
  /// the I/O thread without the hop to the worker pool; requests with a body still take the
  /// pool, and it must not stream its response body.
  bool blocking = true;
};

/// Routes by method and path. A pattern is a path whose segments may be `{name}` (one segment,
/// handed to the handler in `HttpRequest::params`).
class Router {
public:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
  };
  struct Match {
    const Route* route = nullptr; ///< null: no route; see `pathKnown`
    bool pathKnown = false;       ///< some route has the path (then 405, else 404)
    std::map<std::string, std::string> params;
  };

  void add(std::string method, std::string_view pattern, Handler handler,
           RouteOptions options = {});
  Match match(std::string_view method, std::string_view path) const;

private:
  std::vector<Route> routes_;
};

} // namespace printrelay::http
