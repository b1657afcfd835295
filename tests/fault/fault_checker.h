#pragma once

// The fault suite's verdict: for every order, what the printer received against what the cloud
// finally says, counted per fault kind. Pure: no processes, so it is tested on its own.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace printrelay::testing::fault {

using Clock = std::chrono::steady_clock;

enum class FaultKind {
  None, ///< the order lived through no fault
  AgentKill,
  CloudKill,
  CupsdKill,
  CupsdStop,
  ProxyDrop,
  ProxyReset,
  ProxyBlackHole,
  PrinterStall,
  PrinterRefuse,
  /// The targeted case: the printer holds a job in cupsd, cupsd is killed (forgetting
  /// the job and handing its number out again), the next order arrives.
  CupsdCrashWaiting,
};
inline constexpr int kFaultKinds = static_cast<int>(FaultKind::CupsdCrashWaiting) + 1;

std::string toString(FaultKind kind);
/// The kind named `name` (as toString writes it); nullopt for an unknown name.
std::optional<FaultKind> parseFaultKind(const std::string& name);

/// One fault as injected: from `start` (the part broken) to `healed` (it works again).
struct FaultEvent {
  FaultKind kind = FaultKind::None;
  Clock::time_point start;
  Clock::time_point healed;
};

/// One order as the runner submitted it and as the cloud ends it.
struct OrderRecord {
  std::string id;
  /// Printed into the document once; counted in every job the printer received.
  std::string marker;
  /// The document's name, which the spooler job's name carries.
  std::string documentName;
  Clock::time_point uploadedAt;
  /// When the cloud last changed the order (its updated_at), if known.
  std::optional<Clock::time_point> endedAt;
  /// The cloud's last word ("printed", "failed", "outcome_unknown", "printing", …).
  std::string finalState;
  /// For an outcome_unknown order: the spooler job carrying this order's name, as cupsd still
  /// knows it ("completed", "aborted", …), or nullopt when cupsd has no such job (it forgot).
  std::optional<std::string> spoolerState;
};

/// One job the printer received, with when its last byte arrived.
struct PrintRecord {
  std::string bytes;
  Clock::time_point at;
};

enum class Verdict {
  Once,       ///< the cloud says printed and the printer has it exactly once
  Lost,       ///< the cloud says printed, the printer never received it
  Duplicated, ///< the printer received it more than once (whatever the cloud says)
  Wrong,      ///< the cloud says failed (or cancelled, expired) but it printed
  Failed,     ///< the cloud says failed and it did not print: honest
  Unknown,    ///< the cloud says outcome_unknown (allowed; the shop resolves it)
  Stuck,      ///< not in a final state after everything healed and settled
};
std::string toString(Verdict verdict);

struct OrderVerdict {
  std::string orderId;
  Verdict verdict = Verdict::Once;
  int prints = 0;
  FaultKind fault = FaultKind::None; ///< the last fault its lifetime overlapped
  std::string finalState;
  std::optional<std::string> spoolerState;
};

/// One row of the table.
struct KindRow {
  int faults = 0;
  int orders = 0;
  int counts[7] = {};       ///< by Verdict
  int unknownForgotten = 0; ///< unknowns the spooler really forgot
  int unknownPrinted = 0;   ///< unknowns that did reach the printer (once)
  /// Seconds from each heal to the next print, when orders were waiting at the heal.
  std::vector<double> recoverSeconds;
};

struct FaultReport {
  std::vector<OrderVerdict> orders;
  KindRow rows[kFaultKinds];
  KindRow total;
  /// Printer jobs carrying no marker of this run's orders (or a marker twice in one job).
  int foreignPrints = 0;
  /// What went wrong with the run itself (a part that would not start again), if anything.
  std::string runError;

  /// No order lost, duplicated, wrongly failed or stuck, and the run itself went through.
  bool ok() const;
  /// The table per fault kind, and one line per order that is not Once/Failed/Unknown.
  std::string table() const;
};

/// The verdicts. `settledAt` ends the lifetime of an order that never printed.
FaultReport check(const std::vector<OrderRecord>& orders, const std::vector<PrintRecord>& prints,
                  const std::vector<FaultEvent>& faults, Clock::time_point settledAt);

/// True for the cloud states an order ends in.
bool isFinalState(const std::string& state);

} // namespace printrelay::testing::fault
