#include "agent/control/control_server.h"

#include "agent/cloud/cloud_client.h"
#include "common/util/error.h"
#include "common/util/log.h"

namespace printrelay::agent::control {

ControlServer::ControlServer(std::unique_ptr<ControlListener> listener, RequestHandler handler,
                             ControlServerOptions options)
    : listener_(std::move(listener)), address_(listener_->address()), handler_(std::move(handler)),
      options_(options) {
  acceptThread_ = std::thread([this] { acceptLoop(); });
}

ControlServer::~ControlServer() {
  stop();
}

void ControlServer::stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (acceptThread_.joinable()) {
    acceptThread_.join();
  }
  listener_->close();
  std::list<Worker> workers;
  {
    std::lock_guard lock(mutex_);
    for (auto& worker : workers_) {
      // A worker waiting for the next request returns at once; one answering a request
      // finishes that answer first (its write then fails harmlessly).
      worker.connection->shutdown();
    }
    workers.splice(workers.end(), workers_);
  }
  for (auto& worker : workers) {
    if (worker.thread.joinable()) {
      worker.thread.join();
    }
  }
}

std::size_t ControlServer::reapLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  return workers_.size();
}

void ControlServer::acceptLoop() {
  while (!stopping_) {
    std::unique_ptr<ControlConnection> connection;
    try {
      connection = listener_->accept(options_.acceptSlice);
    } catch (const std::exception& e) {
      log::warning(std::string("control socket: ") + e.what());
      std::this_thread::sleep_for(options_.acceptSlice);
      continue;
    }
    if (!connection) {
      std::lock_guard lock(mutex_);
      reapLocked();
      continue;
    }
    std::lock_guard lock(mutex_);
    if (reapLocked() >= options_.maxConnections) {
      try {
        connection->write(encodeResponse(
            Response::error(nullptr, std::string(codes::kServerBusy),
                            "the agent is serving " + std::to_string(options_.maxConnections) +
                                " control connections; try again")));
      } catch (const std::exception&) {
        // The client went away; nothing to tell it.
      }
      continue;
    }
    auto& worker = workers_.emplace_back();
    worker.connection = std::shared_ptr<ControlConnection>(std::move(connection));
    worker.thread = std::thread([this, &worker] {
      serve(worker);
      worker.done = true;
    });
  }
}

void ControlServer::serve(Worker& worker) {
  ControlConnection& connection = *worker.connection;
  const std::string peer = connection.peer();
  try {
    while (!stopping_) {
      std::optional<std::string> line;
      try {
        line = connection.readLine(options_.idleTimeout, kMaxRequestBytes);
      } catch (const Error& e) {
        if (e.code() == "control_line_too_long") {
          connection.write(encodeResponse(Response::error(
              nullptr, std::string(codes::kRequestTooLarge),
              "a request line may be at most " + std::to_string(kMaxRequestBytes) + " bytes")));
        }
        return; // timeout, too long or broken: close the connection
      }
      if (!line) {
        return;
      }
      if (line->empty() || *line == "\r") {
        continue;
      }
      connection.write(answer(*line, handler_, peer));
    }
  } catch (const std::exception& e) {
    log::debug(std::string("control connection closed: ") + e.what());
  }
}

std::string ControlServer::answer(std::string_view line, const RequestHandler& handler,
                                  const std::string& peer) {
  const ParsedRequest parsed = parseRequest(line);
  if (!parsed.request) {
    return encodeResponse(Response::error(parsed.id, parsed.failure.code, parsed.failure.message));
  }
  try {
    return encodeResponse(Response::success(parsed.id, handler(*parsed.request, peer)));
  } catch (const CloudError& e) {
    return encodeResponse(Response::error(parsed.id, e.code(), e.what(), e.status()));
  } catch (const Error& e) {
    return encodeResponse(Response::error(parsed.id, e.code(), e.what()));
  } catch (const std::exception& e) {
    log::error("control request '" + parsed.request->command + "' failed: " + e.what());
    return encodeResponse(
        Response::error(parsed.id, std::string(codes::kInternal), std::string(e.what())));
  }
}

} // namespace printrelay::agent::control
