#pragma once

#include "cloud/http/server.h"

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

namespace printrelay::http::testing {

/// Starts an HttpServer on 127.0.0.1:0 with the given routes; stops it when it goes.
class TestServer {
public:
  TestServer(Router router, ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.ioThreads == 0) {
      options.ioThreads = 2;
    }
    server_ = std::make_unique<HttpServer>(std::move(options), std::move(router));
    server_->start();
  }
  HttpServer& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }

private:
  std::unique_ptr<HttpServer> server_;
};

/// Polls `condition` until it holds or 20 s passed; returns whether it held (no timing asserted).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

} // namespace printrelay::http::testing
