#include "tests/fault/fault_checker.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <sstream>

namespace printrelay::testing::fault {
namespace {

constexpr std::array<const char*, kFaultKinds> kKindNames{
    "none",          "agent_kill",     "cloud_kill",         "cupsd_kill",
    "cupsd_stop",    "proxy_drop",     "proxy_reset",        "proxy_blackhole",
    "printer_stall", "printer_refuse", "cupsd_crash_waiting"};

constexpr std::array<const char*, 7> kVerdictNames{"once",   "lost",    "duplicated", "wrong",
                                                   "failed", "unknown", "stuck"};

/// Every marker in `bytes`: a marker starts with "FAULT-ORDER-" and ends with "-END".
std::vector<std::string> markersIn(const std::string& bytes) {
  static const std::string kStart = "FAULT-ORDER-";
  static const std::string kEnd = "-END";
  std::vector<std::string> found;
  for (std::size_t at = bytes.find(kStart); at != std::string::npos;
       at = bytes.find(kStart, at + 1)) {
    const std::size_t end = bytes.find(kEnd, at + kStart.size());
    if (end != std::string::npos && end - at < 200) {
      found.push_back(bytes.substr(at, end + kEnd.size() - at));
    }
  }
  return found;
}

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void addVerdict(KindRow& row, const OrderVerdict& v) {
  ++row.orders;
  ++row.counts[static_cast<int>(v.verdict)];
  if (v.verdict == Verdict::Unknown) {
    if (!v.spoolerState) {
      ++row.unknownForgotten;
    }
    if (v.prints == 1) {
      ++row.unknownPrinted;
    }
  }
}

} // namespace

std::string toString(FaultKind kind) {
  return kKindNames.at(static_cast<std::size_t>(kind));
}

std::optional<FaultKind> parseFaultKind(const std::string& name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (name == kKindNames[i]) {
      return static_cast<FaultKind>(i);
    }
  }
  return std::nullopt;
}

std::string toString(Verdict verdict) {
  return kVerdictNames.at(static_cast<std::size_t>(verdict));
}

bool isFinalState(const std::string& state) {
  return state == "printed" || state == "failed" || state == "cancelled" || state == "expired" ||
         state == "outcome_unknown";
}

FaultReport check(const std::vector<OrderRecord>& orders, const std::vector<PrintRecord>& prints,
                  const std::vector<FaultEvent>& faults, Clock::time_point settledAt) {
  FaultReport report;

  // How often each marker reached the printer, and when first.
  std::map<std::string, int> printCount;
  std::map<std::string, Clock::time_point> firstPrint;
  for (const auto& print : prints) {
    const auto markers = markersIn(print.bytes);
    if (markers.size() != 1) {
      ++report.foreignPrints; // nothing of ours, or two documents run together
    }
    for (const auto& marker : markers) {
      if (++printCount[marker] == 1) {
        firstPrint[marker] = print.at;
      }
    }
  }
  for (const auto& order : orders) {
    OrderVerdict v;
    v.orderId = order.id;
    v.finalState = order.finalState;
    v.spoolerState = order.spoolerState;
    const auto counted = printCount.find(order.marker);
    v.prints = counted == printCount.end() ? 0 : counted->second;
    const std::string& s = order.finalState;
    if (v.prints > 1) {
      v.verdict = Verdict::Duplicated;
    } else if (s == "printed") {
      v.verdict = v.prints == 1 ? Verdict::Once : Verdict::Lost;
    } else if (s == "failed" || s == "cancelled" || s == "expired") {
      v.verdict = v.prints == 0 ? Verdict::Failed : Verdict::Wrong;
    } else if (s == "outcome_unknown") {
      v.verdict = Verdict::Unknown;
    } else {
      v.verdict = Verdict::Stuck;
    }

    // The order lived from its upload to its first print or the cloud's last change of it,
    // whichever came first (a job the spooler forgot may print after the order failed), else
    // to the settle: the last fault that began in that time and healed after the upload is the
    // one it is counted under (the nearest cause of how it ended).
    const auto first = firstPrint.find(order.marker);
    Clock::time_point end = order.endedAt.value_or(settledAt);
    if (first != firstPrint.end()) {
      end = std::min(end, first->second);
    }
    for (const auto& fault : faults) {
      if (fault.start <= end && fault.healed >= order.uploadedAt) {
        v.fault = fault.kind;
      }
    }
    addVerdict(report.rows[static_cast<int>(v.fault)], v);
    addVerdict(report.total, v);
    report.orders.push_back(std::move(v));
  }

  // Recovery: from each heal to the next print, when an order uploaded before the heal had not
  // printed yet.
  std::vector<Clock::time_point> printTimes;
  for (const auto& print : prints) {
    printTimes.push_back(print.at);
  }
  std::sort(printTimes.begin(), printTimes.end());
  for (const auto& fault : faults) {
    auto& row = report.rows[static_cast<int>(fault.kind)];
    ++row.faults;
    ++report.total.faults;
    const bool waiting = std::any_of(orders.begin(), orders.end(), [&](const OrderRecord& o) {
      const auto first = firstPrint.find(o.marker);
      return o.uploadedAt < fault.healed &&
             (first == firstPrint.end() ? o.finalState == "printed" || !isFinalState(o.finalState)
                                        : first->second > fault.healed);
    });
    const auto next = std::upper_bound(printTimes.begin(), printTimes.end(), fault.healed);
    if (waiting && next != printTimes.end()) {
      const double seconds = std::chrono::duration<double>(*next - fault.healed).count();
      row.recoverSeconds.push_back(seconds);
      report.total.recoverSeconds.push_back(seconds);
    }
  }
  return report;
}

bool FaultReport::ok() const {
  return runError.empty() && total.counts[static_cast<int>(Verdict::Lost)] == 0 &&
         total.counts[static_cast<int>(Verdict::Duplicated)] == 0 &&
         total.counts[static_cast<int>(Verdict::Wrong)] == 0 &&
         total.counts[static_cast<int>(Verdict::Stuck)] == 0;
}

std::string FaultReport::table() const {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %6s %6s %6s %5s %5s %5s %6s %13s %5s %15s\n", "fault",
                "faults", "orders", "once", "lost", "dup", "wrong", "failed", "unknown(f/p)",
                "stuck", "recover med/max");
  out << line;
  const auto row = [&](const std::string& name, const KindRow& r) {
    const auto c = [&](Verdict v) { return r.counts[static_cast<int>(v)]; };
    const double maxRecover = r.recoverSeconds.empty() ? 0
                                                       : *std::max_element(r.recoverSeconds.begin(),
                                                                           r.recoverSeconds.end());
    char unknown[32];
    std::snprintf(unknown, sizeof unknown, "%d(%d/%d)", c(Verdict::Unknown), r.unknownForgotten,
                  r.unknownPrinted);
    char recover[32];
    if (r.recoverSeconds.empty()) {
      std::snprintf(recover, sizeof recover, "-");
    } else {
      std::snprintf(recover, sizeof recover, "%.1f/%.1f s", median(r.recoverSeconds), maxRecover);
    }
    std::snprintf(line, sizeof line, "%-20s %6d %6d %6d %5d %5d %5d %6d %13s %5d %15s\n",
                  name.c_str(), r.faults, r.orders, c(Verdict::Once), c(Verdict::Lost),
                  c(Verdict::Duplicated), c(Verdict::Wrong), c(Verdict::Failed), unknown,
                  c(Verdict::Stuck), recover);
    out << line;
  };
  for (int k = 0; k < kFaultKinds; ++k) {
    if (rows[k].orders > 0 || rows[k].faults > 0) {
      row(toString(static_cast<FaultKind>(k)), rows[k]);
    }
  }
  row("total", total);
  out << "foreign or merged printer jobs: " << foreignPrints << "\n";
  if (!runError.empty()) {
    out << "run error: " << runError << "\n";
  }
  out << "unknown(f/p): outcome_unknown orders (of which the spooler had forgotten / of which "
         "the printer had printed)\n";
  for (const auto& v : orders) {
    if (v.verdict != Verdict::Once && v.verdict != Verdict::Failed) {
      out << "  " << toString(v.verdict) << ": order " << v.orderId << " cloud " << v.finalState
          << ", printed " << v.prints << "x, fault " << toString(v.fault);
      if (v.verdict == Verdict::Unknown) {
        out << ", spooler " << v.spoolerState.value_or("forgot the job");
      }
      out << "\n";
    }
  }
  return out.str();
}

} // namespace printrelay::testing::fault
