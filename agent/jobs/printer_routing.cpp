#include "agent/jobs/printer_routing.h"

#include "common/util/error.h"
#include "common/util/text.h"

#include <algorithm>

namespace printrelay::agent {
namespace {

constexpr std::size_t kMaxRefusalText = 900; // leaves room in a 1024-byte event message

bool stopped(const RoutingCandidate& candidate) {
  return candidate.info.state == "stopped";
}

} // namespace

std::vector<std::string> whyUnable(const protocol::PrintOptions& options,
                                   const std::string& contentType,
                                   const protocol::PrinterAbilities& abilities) {
  auto why = protocol::unsupportedOptions(options, abilities);
  const auto& formats = abilities.documentFormats;
  if (!contentType.empty() && !formats.empty() &&
      std::find(formats.begin(), formats.end(), contentType) == formats.end() &&
      std::find(formats.begin(), formats.end(), "application/octet-stream") == formats.end()) {
    why.push_back("documents of type " + contentType + " are not accepted");
  }
  return why;
}

RoutingDecision choosePrinter(const protocol::PrintOptions& options, const std::string& contentType,
                              const std::string& shopPrinter, const std::string& agentPrinter,
                              const std::vector<RoutingCandidate>& candidates) {
  RoutingDecision decision;
  // Which candidates can take the job now, with the reason for each one that cannot.
  std::vector<bool> able(candidates.size(), false);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& c = candidates[i];
    std::vector<std::string> why;
    if (!c.abilities) {
      why.push_back("its abilities cannot be read" +
                    (c.abilitiesProblem.empty() ? std::string() : " (" + c.abilitiesProblem + ")"));
    } else {
      why = whyUnable(options, contentType, *c.abilities);
    }
    if (why.empty() && !c.info.accepting) {
      decision.ableButNotAccepting = true;
      why.emplace_back("not accepting jobs");
    }
    if (why.empty()) {
      able[i] = true;
    } else {
      decision.refusals.push_back(c.info.name + ": " + joined(why, ", "));
    }
  }
  const auto pick = [&](const std::string& name, const char* because) {
    if (name.empty()) {
      return false;
    }
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (able[i] && candidates[i].info.name == name) {
        decision.printer = name;
        decision.because = because;
        return true;
      }
    }
    return false;
  };
  if (pick(shopPrinter, "the shop's choice") || pick(agentPrinter, "the agent's printer")) {
    return decision;
  }
  // Idle or busy printers first; a stopped one (paused, out of paper) only when nothing else.
  for (const bool wantStopped : {false, true}) {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (able[i] && stopped(candidates[i]) == wantStopped) {
        decision.printer = candidates[i].info.name;
        decision.because = wantStopped ? "able to print it (but stopped)" : "able to print it";
        return decision;
      }
    }
  }
  return decision;
}

std::string describeRefusals(const RoutingDecision& decision) {
  std::string text = "no printer here can print this: " + joined(decision.refusals, "; ");
  if (text.size() > kMaxRefusalText) {
    std::size_t end = kMaxRefusalText;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end; // not inside a UTF-8 sequence
    }
    text.resize(end);
    text += "…";
  }
  return text;
}

std::vector<RoutingCandidate> routingCandidates(PrintBackend& backend) {
  std::vector<RoutingCandidate> out;
  for (auto& info : backend.listPrinters()) {
    RoutingCandidate candidate;
    candidate.info = std::move(info);
    try {
      candidate.abilities = backend.capabilities(candidate.info.name);
    } catch (const Error& e) {
      if (e.code() == "spooler_unavailable") {
        throw;
      }
      candidate.abilitiesProblem = e.what();
    }
    out.push_back(std::move(candidate));
  }
  if (out.empty()) {
    throw Error("printer_not_found",
                "the spooler has no printers; add one (lpadmin) and set 'printer' in the agent "
                "configuration");
  }
  return out;
}

} // namespace printrelay::agent
