#include "cloud/http/router.h"

namespace printrelay::http {
namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool isParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

void Router::add(std::string method, std::string_view pattern, Handler handler,
                 RouteOptions options) {
  Route route{std::move(method), {}, std::move(handler), options};
  for (auto s : splitPath(pattern)) {
    route.segments.emplace_back(s);
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  if (path.empty() || path.front() != '/') {
    return result;
  }
  auto segments = splitPath(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> params;
    bool same = true;
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      const auto& want = route.segments[i];
      if (isParam(want) && !segments[i].empty()) {
        params[want.substr(1, want.size() - 2)] = std::string(segments[i]);
      } else {
        same = want == segments[i];
      }
    }
    if (!same) {
      continue;
    }
    result.pathKnown = true;
    if (route.method == method) {
      result.route = &route;
      result.params = std::move(params);
      return result;
    }
  }
  return result;
}

} // namespace printrelay::http
