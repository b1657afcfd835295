#pragma once

#include "cloud/http/server.h"
#include "cloud/storage/store.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace printrelay::cloud {

/// Requests counted by method, route and status, with a latency histogram per route, and the
/// rendering of them with the HTTP core's counters in Prometheus text format.
class RequestMetrics {
public:
  /// Upper bounds of the latency buckets, in seconds (+Inf follows).
  static constexpr std::array<double, 11> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,   1.0,  2.5,   10.0};

  /// One answered request; `route` is the route's pattern, empty when none matched.
  void record(const std::string& method, const std::string& route, int status,
              std::chrono::steady_clock::duration latency);

  /// Everything in Prometheus text exposition format (version 0.0.4).
  std::string render(const http::ServerMetrics& server) const;

private:
  struct Latency {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Latency> latency_;
};

/// The records' counts in Prometheus text format: orders by state (every state, zero included),
/// the dispatch queue's depth, agents online, the mail outbox's depth.
std::string renderRecordCounts(const RecordCounts& counts);

} // namespace printrelay::cloud
