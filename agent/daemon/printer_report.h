#pragma once

#include "agent/spooler/print_backend.h"
#include "common/wire/protocol.h"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace printrelay::agent {

// The printer report (PUT /api/v1/agent/printers): every spooler destination with its state,
// printer-state-reasons (and what they mean for people) and its abilities, so the cloud can
// check orders against what the shop can print and show the shop's printers.

/// Abilities trimmed to what the cloud accepts (protocol::PrinterAbilities from_json): at most
/// 256 entries of 1 to 127 characters per list, number-up values 1 to 100 (at most 32), copies
/// within 1..999 and 1..1000000; document formats only those orders can have (PDF, PNG, JPEG,
/// plain text) and application/octet-stream. A driver that reports odd values still gets
/// reported.
protocol::PrinterAbilities reportableAbilities(protocol::PrinterAbilities abilities);

/// One printer of the report. `abilities` is left out when the spooler could not say.
nlohmann::json printerReportEntry(const PrinterInfo& printer, bool agentPrinter,
                                  const std::optional<protocol::PrinterAbilities>& abilities);

/// The report of every destination the backend lists (at most 64, the cloud's limit);
/// `configuredPrinter` (empty: the spooler's default) is marked agent_printer. Throws the
/// backend's error when the spooler cannot list its printers.
nlohmann::json buildPrinterReport(PrintBackend& backend, const std::string& configuredPrinter);

/// Sends the report at start, whenever it changes (a printer added or removed, its state,
/// reasons or abilities), at least every `resendEvery` even without change, and when asked
/// (after reconnecting). The spooler is looked at no more often than every `checkEvery`.
/// Runs on the daemon's loop thread.
class PrinterReporter {
public:
  struct Timing {
    std::chrono::milliseconds checkEvery{std::chrono::seconds(15)};
    std::chrono::milliseconds resendEvery{std::chrono::minutes(10)};
  };
  /// PUT /api/v1/agent/printers {"printers": …}; throws CloudError.
  using Sender = std::function<void(const nlohmann::json& printers)>;

  PrinterReporter(PrintBackend& backend, Sender send, Timing timing);

  /// The next tick() sends, whatever changed (start, reconnect).
  void forceNext() { force_ = true; }
  /// Looks at the spooler when a check is due and sends the report when it must. Returns true
  /// when a report was delivered. Never throws: failures are logged and retried later.
  bool tick(const std::string& configuredPrinter);
  /// Reports delivered since construction (for tests and status).
  int sent() const { return sent_; }

private:
  using Clock = std::chrono::steady_clock;

  PrintBackend& backend_;
  Sender send_;
  Timing timing_;
  bool force_ = true;
  std::optional<Clock::time_point> lastCheck_;
  std::optional<Clock::time_point> lastSent_;
  std::string lastReport_;  ///< the report the cloud has
  std::string lastRefused_; ///< a report the cloud refused (not sent again unchanged)
  std::string lastProblem_; ///< the last failure logged (not repeated)
  int sent_ = 0;
};

} // namespace printrelay::agent
