#pragma once

#include "agent/spooler/print_backend.h"
#include "common/wire/protocol.h"

#include <optional>
#include <string>
#include <vector>

namespace printrelay::agent {

// Which printer prints a job. Each job goes to a printer that can do it:
//   1. the offer's `printer` (the shop's choice for the order), if it is here, accepts jobs and
//      can honour every option (protocol::unsupportedOptions is empty for it);
//   2. else the agent's configured printer (or the spooler's default), if able;
//   3. else the first able, accepting printer, idle or processing ones before stopped ones.
// None: the job cannot be printed here, with one reason per printer.

/// One destination as routing sees it.
struct RoutingCandidate {
  PrinterInfo info;
  /// What it can do; nullopt when the spooler could not say (`abilitiesProblem` says why).
  std::optional<protocol::PrinterAbilities> abilities;
  std::string abilitiesProblem;
};

/// Where a job goes, or why it cannot go anywhere.
struct RoutingDecision {
  std::string printer; ///< empty: no printer here can print the job
  /// Why this printer: "the shop's choice", "the agent's printer", "able to print it".
  std::string because;
  /// "office-laser: media iso_a3_297x420mm is not available (it has: …)" for every printer
  /// that cannot take the job (also those passed over when one was found).
  std::vector<std::string> refusals;
  /// Some printer could print it but does not accept jobs now (a wait may help).
  bool ableButNotAccepting = false;
};

/// Why a printer with `abilities` cannot print a `contentType` document with `options`:
/// protocol::unsupportedOptions, plus the document format when the spooler lists its formats
/// (application/octet-stream means it types documents itself and takes any).
std::vector<std::string> whyUnable(const protocol::PrintOptions& options,
                                   const std::string& contentType,
                                   const protocol::PrinterAbilities& abilities);

/// The routing rule above, on what the spooler reported. `shopPrinter` is the offer's printer,
/// `agentPrinter` the configured (resolved) one; either may be empty.
RoutingDecision choosePrinter(const protocol::PrintOptions& options, const std::string& contentType,
                              const std::string& shopPrinter, const std::string& agentPrinter,
                              const std::vector<RoutingCandidate>& candidates);

/// "no printer here can print this: a: …; b: …" (clipped to a readable length).
std::string describeRefusals(const RoutingDecision& decision);

/// Asks the backend for its printers and their abilities (a printer whose abilities cannot be
/// read is a candidate without them). Throws the backend's errors when the spooler itself is
/// unavailable, and printer_not_found when it has no printers at all.
std::vector<RoutingCandidate> routingCandidates(PrintBackend& backend);

} // namespace printrelay::agent
