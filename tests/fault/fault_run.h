#pragma once

// The fault suite's runner: orders submitted through the real cloud API (sealed to the shop's
// key, as the CLI sends them) over time while faults are injected on a random schedule drawn
// from a seed; then everything heals, settles, and the checker gives its verdict.

#include "tests/fault/fault_checker.h"
#include "tests/fault/fault_shop.h"

#include <chrono>
#include <cstdint>
#include <ostream>
#include <vector>

namespace printrelay::testing::fault {

struct RunOptions {
  int orders = 50;
  std::uint64_t seed = 1;
  /// Mean pause between two orders (exponentially distributed).
  std::chrono::milliseconds meanInterval{1000};
  /// Pause between the end of one fault and the start of the next, drawn from this range.
  std::chrono::milliseconds minGap{1500};
  std::chrono::milliseconds maxGap{5000};
  /// The kinds drawn from (uniformly); every kind when empty.
  std::vector<FaultKind> kinds;
  /// The longest wait, once everything healed, for every order to end.
  std::chrono::seconds settleTimeout{240};
};

/// Submits the orders, injects the faults, settles and checks. Progress and the fault log go to
/// `log`. Throws when the shop cannot be used at all (an order cannot be submitted in minutes).
FaultReport runFaults(FaultShop& shop, const RunOptions& options, std::ostream& log);

/// One order submitted through the API: created, sealed, uploaded, retried through outages.
/// Returns the order's record (uploadedAt set), or nullopt with a reason in `why`.
std::optional<OrderRecord> submitOrder(FaultShop& shop, const std::string& runTag, int index,
                                       std::string& why);

/// Everything healed: proxy passing, printer taking jobs, cloud, agent and cupsd running.
void healAll(FaultShop& shop);

/// Reads every order's final state (and, for an outcome_unknown one, whether cupsd still has its
/// job) once they all ended or `timeout` passed.
void settle(FaultShop& shop, std::vector<OrderRecord>& orders, std::chrono::seconds timeout,
            std::ostream& log);

/// The printer's records as the checker takes them.
std::vector<PrintRecord> printRecords(FaultShop& shop);

} // namespace printrelay::testing::fault
