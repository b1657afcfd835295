#include "cloud/server/request_metrics.h"

#include <cstdio>

namespace printrelay::cloud {
namespace {

/// A label value with backslash, quote and newline escaped.
std::string label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

void gauge(std::string& out, const char* name, const char* help, const char* type,
           std::uint64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(value) + "\n";
}

} // namespace

void RequestMetrics::record(const std::string& method, const std::string& route, int status,
                            std::chrono::steady_clock::duration latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  Latency& l = latency_[{method, route}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++l.buckets[i];
    }
  }
  ++l.count;
  l.sum += seconds;
}

std::string RequestMetrics::render(const http::ServerMetrics& server) const {
  std::string out;
  gauge(out, "printrelay_http_open_connections", "Open client connections.", "gauge",
        server.openConnections);
  gauge(out, "printrelay_http_parked_waits", "Requests parked (agent long-polls).", "gauge",
        server.parkedWaits);
  gauge(out, "printrelay_http_event_streams", "Open event streams.", "gauge", server.eventStreams);
  gauge(out, "printrelay_http_worker_queue_depth", "Handlers queued for a worker thread.", "gauge",
        server.workerQueueDepth);
  gauge(out, "printrelay_http_worker_busy", "Worker threads running a handler.", "gauge",
        server.workerBusy);
  gauge(out, "printrelay_http_worker_threads",
        "Worker threads in the pool (saturation: busy / threads).", "gauge", server.workerThreads);
  gauge(out, "printrelay_http_connections_refused_total",
        "Connections refused over a connection cap.", "counter", server.connectionsRefused);
  gauge(out, "printrelay_http_connections_timed_out_total",
        "Connections closed by a deadline (headers, body rate, idle, write).", "counter",
        server.connectionsTimedOut);

  std::lock_guard lock(mutex_);
  out += "# HELP printrelay_http_requests_total Requests answered, by method, route and status.\n"
         "# TYPE printrelay_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out += "printrelay_http_requests_total{method=\"" + label(method) + "\",route=\"" +
           label(route) + "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(count) +
           "\n";
  }
  out += "# HELP printrelay_http_request_duration_seconds From the request's head read until its "
         "answer starts out, by method and route.\n"
         "# TYPE printrelay_http_request_duration_seconds histogram\n";
  for (const auto& [key, l] : latency_) {
    const std::string labels =
        "method=\"" + label(key.first) + "\",route=\"" + label(key.second) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += "printrelay_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
             number(kBuckets[i]) + "\"} " + std::to_string(l.buckets[i]) + "\n";
    }
    out += "printrelay_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(l.count) + "\n";
    out += "printrelay_http_request_duration_seconds_sum{" + labels + "} " + number(l.sum) + "\n";
    out += "printrelay_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(l.count) + "\n";
  }
  return out;
}

std::string renderRecordCounts(const RecordCounts& counts) {
  std::int64_t byState[std::size_t(OrderState::Expired) + 1] = {};
  for (const auto& [state, count] : counts.ordersByState) {
    byState[std::size_t(state)] += count;
  }
  std::string out = "# HELP printrelay_orders Orders by state.\n# TYPE printrelay_orders gauge\n";
  for (std::size_t s = 0; s <= std::size_t(OrderState::Expired); ++s) {
    out += "printrelay_orders{state=\"" + std::string(toString(OrderState(s))) + "\"} " +
           std::to_string(byState[s]) + "\n";
  }
  gauge(out, "printrelay_dispatch_queue_depth",
        "Orders queued for their shop's agent, all stores together.", "gauge",
        std::uint64_t(byState[std::size_t(OrderState::Queued)]));
  gauge(out, "printrelay_agents_online", "Agents (not revoked) that called in the last 90 s.",
        "gauge", std::uint64_t(counts.agentsOnline));
  gauge(out, "printrelay_mail_outbox_depth", "Mails in the outbox neither sent nor given up.",
        "gauge", std::uint64_t(counts.unsentMails));
  return out;
}

} // namespace printrelay::cloud
