#pragma once

// A whole shop built to be broken: printrelay-cloud (on a port that survives its restarts),
// printrelay-agent reaching it only through a TcpProxy, a private cupsd with a raw queue
// delivering to a PrinterSink. Every part can be killed and started again from another thread
// while orders are submitted.

#include "tests/support/cupsd_fixture.h"
#include "tests/support/printer_sink.h"
#include "tests/support/process.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace printrelay::testing::fault {

inline constexpr const char* kQueue = "fault-printer";

struct ShopSettings {
  /// The cloud's lease on a dispatched job. Short, so a job handed to an agent that died waits
  /// seconds rather than the default 120 s for its return to the queue.
  int leaseSeconds = 10;
  int pollWaitSeconds = 5;
};

/// One HTTP answer; status 0 when no answer came (connection refused, reset, timed out).
struct Answer {
  int status = 0;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class FaultShop {
public:
  explicit FaultShop(ShopSettings settings = {});
  FaultShop(const FaultShop&) = delete;
  FaultShop& operator=(const FaultShop&) = delete;
  ~FaultShop();

  /// Cloud, cupsd, proxy, store, enrolled agent, a customer. Throws on failure.
  void start();

  // --- the parts, each killable (call from one thread at a time) ---------------------------
  void killAgent();
  void startAgent();
  void killCloud();
  void startCloud();
  CupsdFixture& cupsd() { return *cupsd_; }
  PrinterSink& printer() { return printer_; }
  TcpProxy& proxy() { return *proxy_; }
  bool agentRunning();
  bool cloudRunning();

  // --- the customer's side (one thread) ----------------------------------------------------
  /// One call to the cloud as the customer (or with `token`); never throws.
  Answer call(const std::string& method, const std::string& path, const std::string& body = {},
              const std::string& contentType = "application/json");
  /// `document` sealed to the store's key for `orderId`, as the CLI seals it.
  std::string seal(const std::string& orderId, const std::string& document) const;
  const std::string& storeId() const { return storeId_; }

  /// Logs and the state of each part, for a failure message.
  std::string diagnostics();
  const std::filesystem::path& dir() const { return dir_.path(); }

private:
  Answer send(const std::string& method, const std::string& path, const std::string& token,
              const std::string& body, const std::string& contentType);
  void login();
  void writeAgentConfig();

  ShopSettings settings_;
  TempDir dir_{"printrelay-fault"};
  TestPki pki_;
  std::string adminToken_;
  PrinterSink printer_;
  std::unique_ptr<CupsdFixture> cupsd_;
  std::unique_ptr<TcpProxy> proxy_;
  std::mutex processMutex_;
  std::unique_ptr<Process> cloud_;
  std::unique_ptr<Process> agent_;
  int cloudStarts_ = 0;
  int agentStarts_ = 0;
  int cloudPort_ = 0; // fixed after the first start
  std::filesystem::path cloudData_, cloudTmp_, cloudConfig_;
  std::filesystem::path agentState_, agentTmp_, agentConfig_;
  std::string storeId_, storePublicKey_;
  std::string email_, password_, customerToken_;
};

} // namespace printrelay::testing::fault
