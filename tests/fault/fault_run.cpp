#include "tests/fault/fault_run.h"

#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "tests/support/order_body.h"
#include "tests/support/test_pdf.h"

#include <atomic>
#include <iomanip>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

namespace printrelay::testing::fault {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

double secondsSince(Clock::time_point origin) {
  return std::chrono::duration<double>(Clock::now() - origin).count();
}

/// Sleeps `duration` in short steps, returning early once `running` is cleared.
void sleepWhile(std::chrono::milliseconds duration, const std::atomic<bool>& running) {
  const auto until = Clock::now() + duration;
  while (running && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(50ms, until - Clock::now()));
  }
}

/// Waits (up to `timeout`) until cupsd holds a job of the queue that is pending or processing:
/// an order waiting for the printer.
bool waitForWaitingJob(FaultShop& shop, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    try {
      for (const auto& job : shop.cupsd().jobs(kQueue)) {
        const auto state = job.find("job-state");
        if (state != job.end() && (state->second == "pending" || state->second == "processing")) {
          return true;
        }
      }
    } catch (const std::exception&) {
      // cupsd is between two lives
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

/// Breaks one part for a while and heals it; returns the event (healed when it works again).
FaultEvent inject(FaultShop& shop, FaultKind kind, std::mt19937_64& rng) {
  const auto between = [&](int lowMs, int highMs) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(lowMs, highMs)(rng));
  };
  FaultEvent event{kind, Clock::now(), {}};
  switch (kind) {
  case FaultKind::None:
    break;
  case FaultKind::AgentKill:
    shop.killAgent();
    std::this_thread::sleep_for(between(200, 2000));
    shop.startAgent();
    break;
  case FaultKind::CloudKill:
    shop.killCloud();
    std::this_thread::sleep_for(between(500, 3000));
    shop.startCloud();
    break;
  case FaultKind::CupsdKill:
    shop.cupsd().crash();
    std::this_thread::sleep_for(between(200, 3000));
    shop.cupsd().restart();
    break;
  case FaultKind::CupsdStop:
    shop.cupsd().stop();
    std::this_thread::sleep_for(between(200, 3000));
    shop.cupsd().restart();
    break;
  case FaultKind::ProxyDrop:
  case FaultKind::ProxyReset:
  case FaultKind::ProxyBlackHole:
    shop.proxy().setMode(kind == FaultKind::ProxyDrop    ? TcpProxy::Mode::Drop
                         : kind == FaultKind::ProxyReset ? TcpProxy::Mode::Reset
                                                         : TcpProxy::Mode::BlackHole);
    std::this_thread::sleep_for(between(1000, 5000));
    shop.proxy().setMode(TcpProxy::Mode::Pass);
    break;
  case FaultKind::PrinterStall:
    shop.printer().hold();
    std::this_thread::sleep_for(between(1000, 8000));
    shop.printer().release();
    break;
  case FaultKind::PrinterRefuse:
    shop.printer().refuseConnections();
    std::this_thread::sleep_for(between(1000, 8000));
    shop.printer().acceptConnections();
    break;
  case FaultKind::CupsdCrashWaiting:
    // A job waits in cupsd for the printer (which refuses: the backend retries); cupsd dies
    // before writing it down and hands its number out again to the next order, which the
    // submitter sends meanwhile.
    shop.printer().refuseConnections();
    waitForWaitingJob(shop, 8s);
    shop.cupsd().crash();
    shop.cupsd().restart();
    std::this_thread::sleep_for(between(1000, 3000));
    shop.printer().acceptConnections();
    break;
  }
  event.healed = Clock::now();
  return event;
}

} // namespace

std::optional<OrderRecord> submitOrder(FaultShop& shop, const std::string& runTag, int index,
                                       std::string& why) {
  const auto deadline = Clock::now() + 180s;
  OrderRecord record;
  record.documentName = "fault-" + std::to_string(index) + ".pdf";
  const json body =
      newOrderBody(shop.storeId(), record.documentName, "application/pdf", json{{"copies", 1}}, 1);
  // Created: a lost answer (the cloud killed after it committed) leaves an order that is never
  // uploaded and expires; it is not one of ours.
  while (true) {
    const Answer created = shop.call("POST", "/api/v1/orders", body.dump());
    if (created.status == 201) {
      record.id = created.json().value("id", "");
      break;
    }
    if (created.status != 0 && created.status < 500) {
      why = "create: " + std::to_string(created.status) + " " + created.body;
      return std::nullopt;
    }
    if (Clock::now() > deadline) {
      why = "create: the cloud did not answer for 180 s";
      return std::nullopt;
    }
    std::this_thread::sleep_for(200ms);
  }
  record.marker = "FAULT-ORDER-" + runTag + "-" + record.id + "-END";
  const std::string sealed = shop.seal(record.id, testPdf(1, {record.marker}));
  const std::string path = "/api/v1/orders/" + record.id + "/document";
  while (true) {
    const Answer uploaded = shop.call("PUT", path, sealed, std::string(envelope::kMediaType));
    if (uploaded.status == 200 || uploaded.status == 201) {
      break;
    }
    if (uploaded.status != 0 && uploaded.status < 500) {
      // A retry after a lost answer: the first upload went through.
      const Answer order = shop.call("GET", "/api/v1/orders/" + record.id);
      if (order.status == 200 && order.json().value("state", "") != "awaiting_upload") {
        break;
      }
      if (uploaded.status == 409 && Clock::now() < deadline) {
        std::this_thread::sleep_for(500ms); // an upload cut off by a cloud kill, still settling
        continue;
      }
      why = "upload: " + std::to_string(uploaded.status) + " " + uploaded.body;
      return std::nullopt;
    }
    if (Clock::now() > deadline) {
      why = "upload: the cloud did not answer for 180 s";
      return std::nullopt;
    }
    std::this_thread::sleep_for(200ms);
  }
  record.uploadedAt = Clock::now();
  return record;
}

void healAll(FaultShop& shop) {
  shop.proxy().setMode(TcpProxy::Mode::Pass);
  shop.printer().release();
  shop.printer().acceptConnections();
  if (!shop.cloudRunning()) {
    shop.startCloud();
  }
  if (!shop.agentRunning()) {
    shop.startAgent();
  }
}

std::vector<PrintRecord> printRecords(FaultShop& shop) {
  std::vector<PrintRecord> out;
  for (auto& received : shop.printer().received()) {
    out.push_back(PrintRecord{std::move(received.bytes), received.at});
  }
  return out;
}

void settle(FaultShop& shop, std::vector<OrderRecord>& orders, std::chrono::seconds timeout,
            std::ostream& log) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  const auto readState = [&](OrderRecord& order) {
    const Answer answer = shop.call("GET", "/api/v1/orders/" + order.id);
    if (answer.status == 200) {
      const json body = answer.json();
      order.finalState = body.value("state", "");
      const auto updated = body.find("updated_at");
      if (updated != body.end() && updated->is_number_integer()) {
        // Epoch seconds, turned into this process's steady clock; the end of that second, as
        // the change happened somewhere in it.
        const auto ago = std::chrono::system_clock::now() -
                         std::chrono::system_clock::time_point(
                             std::chrono::seconds(updated->get<std::int64_t>() + 1));
        order.endedAt = Clock::now() - std::chrono::duration_cast<Clock::duration>(ago);
      }
    }
  };
  std::size_t lastPrints = shop.printer().jobCount();
  auto quietSince = Clock::now();
  while (Clock::now() < deadline) {
    std::size_t open = 0;
    for (auto& order : orders) {
      if (!isFinalState(order.finalState)) {
        readState(order);
        open += isFinalState(order.finalState) ? 0 : 1;
      }
    }
    const std::size_t prints = shop.printer().jobCount();
    if (prints != lastPrints) {
      lastPrints = prints;
      quietSince = Clock::now();
    }
    // Done when every order ended and the printer has been quiet a while (a late duplicate
    // would arrive in it).
    if (open == 0 && Clock::now() - quietSince > 5s) {
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  // The final word on every order, and what cupsd still knows of each outcome_unknown one.
  std::vector<IppAttributes> cupsJobs;
  try {
    cupsJobs = shop.cupsd().jobs(kQueue);
  } catch (const std::exception& e) {
    log << "cannot list cupsd's jobs: " << e.what() << "\n";
  }
  for (auto& order : orders) {
    readState(order);
    if (order.finalState != "outcome_unknown") {
      continue;
    }
    for (const auto& job : cupsJobs) {
      const auto name = job.find("job-name");
      if (name != job.end() && name->second.rfind(order.documentName + " (", 0) == 0) {
        const auto state = job.find("job-state");
        order.spoolerState = state == job.end() ? "?" : state->second;
      }
    }
  }
  log << "settled in " << std::fixed << std::setprecision(1) << secondsSince(start) << " s\n";
}

FaultReport runFaults(FaultShop& shop, const RunOptions& options, std::ostream& log) {
  std::vector<FaultKind> kinds = options.kinds;
  if (kinds.empty()) {
    for (int k = 1; k < kFaultKinds; ++k) {
      kinds.push_back(static_cast<FaultKind>(k));
    }
  }
  const auto origin = Clock::now();
  const std::string runTag = randomToken(4);
  std::mutex logMutex;
  const auto note = [&](const std::string& line) {
    std::lock_guard lock(logMutex);
    log << "[" << std::fixed << std::setprecision(1) << std::setw(7) << secondsSince(origin)
        << " s] " << line << std::endl;
  };
  note("fault run: seed " + std::to_string(options.seed) + ", " + std::to_string(options.orders) +
       " orders, " + std::to_string(kinds.size()) + " fault kinds");

  // The faults: their own thread, one at a time, on a schedule drawn from the seed.
  std::atomic<bool> submitting{true};
  std::vector<FaultEvent> faults;
  std::string faultError;
  std::thread injector([&] {
    std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ull);
    try {
      while (submitting) {
        sleepWhile(std::chrono::milliseconds(std::uniform_int_distribution<long>(
                       options.minGap.count(), options.maxGap.count())(rng)),
                   submitting);
        if (!submitting) {
          break;
        }
        const FaultKind kind =
            kinds[std::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(rng)];
        note("fault " + toString(kind) + " starts");
        const FaultEvent event = inject(shop, kind, rng);
        faults.push_back(event);
        note("fault " + toString(kind) + " healed after " +
             std::to_string(
                 std::chrono::duration_cast<std::chrono::milliseconds>(event.healed - event.start)
                     .count()) +
             " ms");
      }
    } catch (const std::exception& e) {
      faultError = e.what();
      note(std::string("fault injection failed: ") + e.what());
    }
  });

  // The orders, on this thread.
  std::vector<OrderRecord> orders;
  std::mt19937_64 rng(options.seed);
  std::exponential_distribution<double> pause(1.0 /
                                              static_cast<double>(options.meanInterval.count()));
  std::string submitError;
  int refused = 0;
  for (int i = 0; i < options.orders; ++i) {
    const auto wait = std::chrono::milliseconds(
        std::min<long>(static_cast<long>(pause(rng)), 5 * options.meanInterval.count()));
    std::this_thread::sleep_for(wait);
    std::string why;
    auto order = submitOrder(shop, runTag, i, why);
    if (!order) {
      ++refused; // in a row
      note("order " + std::to_string(i) + " not submitted: " + why);
      if (refused > 5) {
        submitError = why;
        break;
      }
      continue;
    }
    refused = 0;
    orders.push_back(std::move(*order));
    if ((i + 1) % 25 == 0) {
      note(std::to_string(i + 1) + " orders submitted, " +
           std::to_string(shop.printer().jobCount()) + " jobs at the printer");
    }
  }
  submitting = false;
  injector.join();
  if (!submitError.empty()) {
    throw std::runtime_error("orders could not be submitted: " + submitError);
  }

  note("all orders submitted; healing and settling");
  healAll(shop);
  settle(shop, orders, options.settleTimeout, log);
  FaultReport report = check(orders, printRecords(shop), faults, Clock::now());
  report.runError = faultError;
  return report;
}

} // namespace printrelay::testing::fault
