#include "agent/daemon/printer_report.h"

#include "agent/cloud/cloud_client.h"
#include "agent/control/control_protocol.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <algorithm>

namespace printrelay::agent {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPrinters = 64; // the cloud's limit per report
constexpr std::size_t kMaxReasons = 32;  // … per printer's reasons and problems
constexpr std::size_t kMaxText = 256;    // … per text field
constexpr std::size_t kMaxListItems = 256;
constexpr std::size_t kMaxWord = 127;

/// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  if (c < 0x80) {
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
      return 0;
    }
  }
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
      (c == 0xF4 && c1 >= 0x90)) {
    return 0; // overlong, surrogate or beyond U+10FFFF
  }
  return n;
}

/// Spooler text as valid UTF-8 (JSON needs it; drivers do not promise it), without control
/// characters, at most `max` bytes cut on a character boundary.
std::string cleanText(std::string_view in, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t n = utf8Length(in, i);
    if (n == 0) {
      if (out.size() + 1 > max) {
        break;
      }
      out += '?';
      ++i;
      continue;
    }
    if (out.size() + n > max) {
      break;
    }
    if (n == 1 && static_cast<unsigned char>(in[i]) < 0x20) {
      out += ' ';
    } else {
      out.append(in.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::vector<std::string> cleanWords(const std::vector<std::string>& words, std::size_t maxItems,
                                    std::size_t maxLength) {
  std::vector<std::string> out;
  for (const auto& word : words) {
    if (out.size() >= maxItems) {
      break;
    }
    // An overlong word is dropped rather than cut: a cut name would mean another thing.
    if (!word.empty() && word.size() <= maxLength && cleanText(word, maxLength) == word) {
      out.push_back(word);
    }
  }
  return out;
}

} // namespace

protocol::PrinterAbilities reportableAbilities(protocol::PrinterAbilities a) {
  a.media = cleanWords(a.media, kMaxListItems, kMaxWord);
  if (a.defaultMedia.size() > kMaxWord || cleanText(a.defaultMedia, kMaxWord) != a.defaultMedia) {
    a.defaultMedia.clear();
  }
  a.sides = cleanWords(a.sides, kMaxListItems, kMaxWord);
  a.colorModes = cleanWords(a.colorModes, kMaxListItems, kMaxWord);
  a.orientations = cleanWords(a.orientations, kMaxListItems, kMaxWord);
  // Only the formats orders can have (CUPS lists some eighty), and application/octet-stream,
  // which means the spooler types documents itself and takes any.
  std::vector<std::string> formats;
  for (const auto& format : a.documentFormats) {
    if (format == "application/pdf" || format == "image/png" || format == "image/jpeg" ||
        format == "text/plain" || format == "application/octet-stream") {
      formats.push_back(format);
    }
  }
  a.documentFormats = std::move(formats);
  a.copiesMin = std::clamp(a.copiesMin, 1, 999);
  a.copiesMax = std::clamp(a.copiesMax, a.copiesMin, 1000000);
  std::vector<int> up;
  for (int n : a.numberUp) {
    if (n >= 1 && n <= 100 && up.size() < 32) {
      up.push_back(n);
    }
  }
  a.numberUp = std::move(up);
  return a;
}

json printerReportEntry(const PrinterInfo& printer, bool agentPrinter,
                        const std::optional<protocol::PrinterAbilities>& abilities) {
  json reasons = json::array();
  json problems = json::array();
  for (const auto& reason : printer.reasons) {
    if (reasons.size() >= kMaxReasons) {
      break;
    }
    const std::string word = cleanText(reason, kMaxText);
    if (word.empty()) {
      continue;
    }
    reasons.push_back(word);
    if (const std::string text = cleanText(control::describePrinterReason(reason), kMaxText);
        !text.empty()) {
      problems.push_back(text);
    }
  }
  const std::string state =
      printer.state == "idle" || printer.state == "processing" || printer.state == "stopped"
          ? printer.state
          : "unknown";
  json entry{{"name", cleanText(printer.name, kMaxWord)},
             {"state", state},
             {"accepting", printer.accepting},
             {"is_default", printer.isDefault},
             {"agent_printer", agentPrinter},
             {"reasons", reasons},
             {"problems", problems},
             {"info", cleanText(printer.info, kMaxText)},
             {"location", cleanText(printer.location, kMaxText)},
             {"make_and_model", cleanText(printer.makeAndModel, kMaxText)}};
  if (abilities) {
    entry["abilities"] = reportableAbilities(*abilities);
  }
  return entry;
}

json buildPrinterReport(PrintBackend& backend, const std::string& configuredPrinter) {
  std::string agentsPrinter;
  try {
    agentsPrinter = backend.resolvePrinter(configuredPrinter);
  } catch (const Error& e) {
    if (e.code() == "spooler_unavailable") {
      throw;
    }
    // No such printer (or no default): none is marked as the agent's.
  }
  json list = json::array();
  for (const auto& printer : backend.listPrinters()) {
    if (list.size() >= kMaxPrinters) {
      log::warning("the printer report holds the first " + std::to_string(kMaxPrinters) +
                   " printers only");
      break;
    }
    std::optional<protocol::PrinterAbilities> abilities;
    try {
      abilities = backend.capabilities(printer.name);
    } catch (const Error& e) {
      if (e.code() == "spooler_unavailable") {
        throw;
      }
      log::printer(log::Level::Debug, printer.name,
                   std::string("abilities not reported: ") + e.what());
    }
    list.push_back(printerReportEntry(printer, printer.name == agentsPrinter, abilities));
  }
  return list;
}

PrinterReporter::PrinterReporter(PrintBackend& backend, Sender send, Timing timing)
    : backend_(backend), send_(std::move(send)), timing_(timing) {}

bool PrinterReporter::tick(const std::string& configuredPrinter) {
  const auto now = Clock::now();
  if (!force_ && lastCheck_ && now - *lastCheck_ < timing_.checkEvery) {
    return false;
  }
  lastCheck_ = now;
  std::string report;
  json printers;
  try {
    printers = buildPrinterReport(backend_, configuredPrinter);
    report = printers.dump();
  } catch (const std::exception& e) {
    const std::string problem = std::string("printers not reported: ") + e.what();
    if (problem != lastProblem_) {
      log::info(problem);
      lastProblem_ = problem;
    }
    return false;
  }
  const bool changed = report != lastReport_;
  const bool stale = !lastSent_ || now - *lastSent_ >= timing_.resendEvery;
  if (!force_ && !stale && (!changed || report == lastRefused_)) {
    return false;
  }
  const bool forced = force_;
  try {
    send_(printers);
  } catch (const CloudError& e) {
    const std::string problem = std::string("printers not reported to the cloud: ") + e.what();
    if (problem != lastProblem_) {
      log::warning(problem);
      lastProblem_ = problem;
    }
    if (e.transient() || e.unauthorized()) {
      force_ = true; // the cloud is away: send it as soon as it answers again
    } else {
      lastRefused_ = report; // refused as it is: wait for a change (or the periodic resend)
      lastSent_ = now;
      force_ = false;
    }
    return false;
  } catch (const std::exception& e) {
    log::warning(std::string("printers not reported to the cloud: ") + e.what());
    force_ = true;
    return false;
  }
  force_ = false;
  lastReport_ = report;
  lastRefused_.clear();
  lastProblem_.clear();
  lastSent_ = now;
  ++sent_;
  log::write(changed || forced ? log::Level::Info : log::Level::Debug,
             "reported " + std::to_string(printers.size()) + " printer(s) to the cloud" +
                 (changed && sent_ > 1 ? " (they changed)" : ""));
  return true;
}

} // namespace printrelay::agent
