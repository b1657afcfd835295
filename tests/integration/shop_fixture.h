#pragma once

// A whole shop with real parts, for the integration tests: printrelay-cloud and
// printrelay-agent as real processes, TLS with a throwaway CA, a private cupsd with a raw queue
// delivering to a PrinterSink, a store and an enrolled agent. Tests derive from ShopFixture.

#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/wire/http_client.h"
#include "tests/support/binaries.h"
#include "tests/support/cupsd_fixture.h"
#include "tests/support/file_scan.h"
#include "tests/support/order_body.h"
#include "tests/support/printer_sink.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pdf.h"
#include "tests/support/test_pki.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>

namespace printrelay::testing {

using namespace std::chrono_literals;
using nlohmann::json;

inline constexpr const char* kQueue = "shop-printer";

/// A text document of about `size` bytes (exactly `size`) with `marker` planted in the middle.
inline std::string makeDocument(std::size_t size, const std::string& marker, std::uint64_t seed) {
  static const char* const kWords[] = {"invoice", "poster", "thesis", "chapter", "receipt",
                                       "flyer",   "menu",   "ticket", "draft",   "summary"};
  std::mt19937_64 rng(seed);
  std::string doc;
  doc.reserve(size + 128);
  for (int line = 0; doc.size() < size; ++line) {
    doc += "PrintRelay end-to-end line " + std::to_string(line) + ":";
    for (int w = 0; w < 8; ++w) {
      doc += ' ';
      doc += kWords[rng() % std::size(kWords)];
      doc += std::to_string(rng() % 100000);
    }
    doc += '\n';
  }
  doc.resize(size);
  doc.replace(size / 2, marker.size(), marker);
  return doc;
}

/// A well-formed one-page PDF (the agent's page count reads it) that carries `filler` in an
/// unreferenced stream object.
inline std::string makePdf(const std::string& filler) {
  return testPdf(1, {}, filler);
}

/// A `key = value` configuration file.
inline std::string configText(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string text;
  for (const auto& [key, value] : entries) {
    text += key + " = " + value + "\n";
  }
  return text;
}

inline std::string repeat(const std::string& s, int times) {
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(times));
  for (int i = 0; i < times; ++i) {
    out += s;
  }
  return out;
}

/// A unique marker per test, so a leftover from another run can never satisfy or fail a scan.
inline std::string uniqueMarker() {
  return "PRINTRELAY-E2E-MARKER-" + randomToken(12);
}

class ShopFixture : public ::testing::Test {
protected:
  void SetUp() override {
    if (cloudBinary().empty() || agentBinary().empty()) {
      GTEST_SKIP() << "printrelay-cloud or printrelay-agent is not part of this build";
    }
    // OpenSSL writes to sockets without MSG_NOSIGNAL: a peer that closed must be an error
    // here, not the end of the test process.
    std::signal(SIGPIPE, SIG_IGN);
    pki_ = generateTestPki(dir_.makeDir("pki"));
    adminToken_ = randomToken(32);
    ASSERT_NO_FATAL_FAILURE(startCloud());
    // Stock CUPS keeps a printed job's document in its spool for a day (PreserveJobFiles); the
    // private cupsd is set not to, as a shop's must be, and the scan below covers the rest.
    // (StockCupsEndToEndTest keeps the stock setting and relies on the agent's purge.)
    cupsd_ = std::make_unique<CupsdFixture>(cupsdOptions_);
    ASSERT_NO_FATAL_FAILURE(addPrinters());
    ASSERT_NO_FATAL_FAILURE(createStore());
    ASSERT_NO_FATAL_FAILURE(enrollAgent());
    startAgent();
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << diagnostics();
    }
    agent_.reset();
    cloud_.reset();
  }

  /// The shop's CUPS queues, added before the agent starts: the raw queue kQueue, delivering
  /// to printer_. Tests add more by overriding this (calling it first).
  virtual void addPrinters() { cupsd_->addQueue(kQueue, printer_.deviceUri()); }

  // --- the cloud ---------------------------------------------------------------------------

  void startCloud() {
    cloudData_ = dir_.makeDir("cloud-data");
    cloudTmp_ = dir_.makeDir("cloud-tmp");
    std::vector<std::pair<std::string, std::string>> settings{
        {"listen", "127.0.0.1:0"},
        {"data_dir", cloudData_.string()},
        {"tls_cert", pki_.serverCert.string()},
        {"tls_key", pki_.serverKey.string()},
        {"log_level", "debug"},
    };
    settings.insert(settings.end(), cloudSettings_.begin(), cloudSettings_.end());
    const auto config = dir_.writeFile("cloud.conf", configText(settings));
    cloud_ = std::make_unique<Process>(ProcessSpec{
        .argv = {cloudBinary().string(), "--config", config.string()},
        .env = {{"PRINTRELAY_CLOUD_ADMIN_TOKEN", adminToken_},
                {"TMPDIR", cloudTmp_.string()},
                {"JOURNAL_STREAM", std::nullopt}},
        .outputDir = dir_.makeDir("logs"),
        .name = "printrelay-cloud",
    });
    const std::string line =
        cloud_->waitForStdoutLine(std::regex(R"(listening https://127\.0\.0\.1:\d+)"), 30s);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(https://127\.0\.0\.1:\d+)")));
    baseUrl_ = m.str(0);
    client_ = makeClient(CloudEndpoint{baseUrl_, pki_.caCert.string(), 10s, 60s});
    // cpp-httplib 0.11 reuses a kept-alive connection the server already closed (its idle
    // timeout is 5 s) and fails the next request with a write error; the test wants each call
    // to mean one request.
    client_->set_keep_alive(false);
  }

  /// One API call; fails the test (with the cloud's log) unless the status is `expect`.
  json api(const std::string& method, const std::string& path, const std::string& token,
           const std::optional<json>& body = std::nullopt, int expect = 200) {
    httplib::Headers headers;
    if (!token.empty()) {
      headers = bearer(token);
    }
    const std::string payload = body ? body->dump() : std::string();
    httplib::Result result =
        method == "GET"    ? client_->Get(path.c_str(), headers)
        : method == "POST" ? client_->Post(path.c_str(), headers, payload, "application/json")
        : method == "PUT"  ? client_->Put(path.c_str(), headers, payload, "application/json")
                           : client_->Delete(path.c_str(), headers);
    if (!result) {
      ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(result.error());
      return {};
    }
    EXPECT_EQ(result->status, expect) << method << " " << path << " → " << result->body;
    return json::parse(result->body, nullptr, false);
  }

  /// `document` sealed to the store's current key for `orderId`, as a client seals it.
  std::string sealForStore(const std::string& orderId, const std::string& document) const {
    std::string sealed;
    envelope::Sealer sealer(
        base64Decode(storePublicKey_), orderId, [&](std::span<const std::uint8_t> bytes) {
          sealed.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
          return true;
        });
    sealer.write(asBytes(document));
    sealer.finish();
    return sealed;
  }

  /// PUT /api/v1/orders/{id}/document with a raw body of the given media type.
  json uploadDocument(const std::string& orderId, const std::string& contentType,
                      const std::string& body) {
    const std::string path = "/api/v1/orders/" + orderId + "/document";
    auto result = client_->Put(path.c_str(), bearer(customerToken_), body, contentType.c_str());
    if (!result) {
      ADD_FAILURE() << "PUT " << path << ": " << httplib::to_string(result.error());
      return {};
    }
    EXPECT_TRUE(result->status == 200 || result->status == 201)
        << "PUT " << path << " → " << result->status << " " << result->body;
    return json::parse(result->body, nullptr, false);
  }

  // --- store, agent, customer --------------------------------------------------------------

  void createStore() {
    const json store = api("POST", "/api/v1/admin/stores", adminToken_,
                           json{{"name", "Copy Corner"},
                                {"address", "1 Test Street"},
                                {"latitude", 52.52},
                                {"longitude", 13.405}},
                           201);
    storeId_ = store.value("id", "");
    ASSERT_FALSE(storeId_.empty()) << store.dump();
  }

  void enrollAgent() {
    const json code = api("POST", "/api/v1/shop/stores/" + storeId_ + "/enrollment-codes",
                          adminToken_, json::object(), 201);
    const std::string enrollmentCode = code.value("code", "");
    ASSERT_FALSE(enrollmentCode.empty()) << code.dump();

    agentState_ = dir_.makeDir("agent-state");
    agentTmp_ = dir_.makeDir("agent-tmp");
    agentConfig_ = dir_.writeFile("agent.conf",
                                  configText({
                                      {"cloud_url", baseUrl_},
                                      {"ca_file", pki_.caCert.string()},
                                      {"state_dir", agentState_.string()},
                                      {"printer", agentPrinter_},
                                      {"cups_server", cupsd_->socketPath().string()},
                                      {"poll_wait_seconds", "5"},
                                      {"log_level", "debug"},
                                      // These tests read the CUPS job after it
                                      // printed; purging would remove it.
                                      {"purge_spooler_jobs", purgeSpoolerJobs_ ? "true" : "false"},
                                      {"control_socket", (dir_ / "agent.sock").string()},
                                      {"cups_config_dir", (cupsd_->root() / "etc").string()},
                                  }));
    const auto enroll = run(agentSpec({"enroll", "--code", enrollmentCode}, "agent-enroll"), 60s);
    ASSERT_TRUE(enroll.status.success()) << enroll.describe();

    const json store = api("GET", "/api/v1/stores/" + storeId_, "");
    storePublicKey_ = store.value("public_key", "");
    storeKeyId_ = store.value("key_id", "");
    ASSERT_FALSE(storePublicKey_.empty())
        << "store has no public key after enrollment: " << store.dump();
  }

  ProcessSpec agentSpec(std::vector<std::string> command, const std::string& name) {
    std::vector<std::string> argv{agentBinary().string(), "--config", agentConfig_.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    return ProcessSpec{.argv = std::move(argv),
                       .env = {{"TMPDIR", agentTmp_.string()},
                               {"CUPS_SERVER", std::nullopt}, // cups_server must do it
                               {"JOURNAL_STREAM", std::nullopt},
                               {"NOTIFY_SOCKET", std::nullopt}},
                       .outputDir = dir_ / "logs",
                       .name = name};
  }

  void startAgent() { agent_ = std::make_unique<Process>(agentSpec({"run"}, "printrelay-agent")); }

  void createCustomer() {
    // A verified customer made by the admin, then logged in (guests are gone, issue 3).
    const std::string email = "e2e-" + randomToken(6) + "@example.com";
    const std::string password = "end-to-end password";
    api("POST", "/api/v1/admin/users", adminToken_,
        json{{"email", email}, {"password", password}, {"role", "customer"}}, 201);
    const json session =
        api("POST", "/api/v1/auth/login", "", json{{"email", email}, {"password", password}}, 200);
    customerToken_ = session.value("access_token", "");
    ASSERT_FALSE(customerToken_.empty()) << session.dump();
  }

  /// POST /api/v1/orders; `pages` is the client's own count, needed for a sealed upload.
  std::string createOrder(const std::string& contentType, const json& options,
                          std::optional<int> pages = std::nullopt) {
    const json body = printrelay::testing::newOrderBody(storeId_, "thesis-final.txt", contentType,
                                                        options, pages);
    const json order = api("POST", "/api/v1/orders", customerToken_, body, 201);
    EXPECT_EQ(order.value("state", ""), "awaiting_upload") << order.dump();
    return order.value("id", "");
  }

  json getOrder(const std::string& orderId) {
    return api("GET", "/api/v1/orders/" + orderId, customerToken_);
  }

  /// Polls the order until it reaches `state` (failing early on another terminal state).
  json waitForOrderState(const std::string& orderId, const std::string& state,
                         std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json order;
    while (std::chrono::steady_clock::now() < deadline) {
      order = getOrder(orderId);
      const std::string now = order.value("state", "");
      if (now == state) {
        return order;
      }
      if (now == "failed" || now == "cancelled" || now == "expired") {
        break;
      }
      if (!agent_->running() || !cloud_->running()) {
        ADD_FAILURE() << "a process exited while the order was " << now;
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "order " << orderId << " did not reach " << state << ": " << order.dump();
    return order;
  }

  /// The states the order went through, oldest first (a history note that does not change the
  /// state, such as the agent's page count, is not a state).
  static std::vector<std::string> historyStates(const json& order) {
    std::vector<std::string> states;
    for (const auto& entry : order.value("history", json::array())) {
      const std::string state = entry.value("state", "");
      if (states.empty() || states.back() != state) {
        states.push_back(state);
      }
    }
    return states;
  }

  /// The CUPS job id the cloud learned from the agent (0 when none).
  static int reportedSpoolerJobId(const json& order) {
    const auto it = order.find("spooler_job_id");
    return it != order.end() && it->is_number_integer() ? it->get<int>() : 0;
  }

  /// Everything the test knows about the parts, for a failure.
  std::string diagnostics() const {
    std::string out = "\n===== diagnostics (" + dir_.path().string() + ") =====\n";
    if (cloud_) {
      out += cloud_->report(6000) + "\n";
    }
    if (agent_) {
      out += agent_->report(6000) + "\n";
    }
    if (cupsd_) {
      out += cupsd_->report() + "\n";
    }
    return out;
  }

  /// Where the document must not be found in the clear once the job is done: the cloud's data
  /// and temp dirs, the agent's state and temp dirs, the private cupsd (spool, ServerRoot,
  /// cache, state, logs), and every process's captured output.
  std::vector<Finding> plaintextLeftovers(const std::string& marker) const {
    return findFilesContaining(
        {cloudData_, cloudTmp_, agentState_, agentTmp_, cupsd_->root(), dir_ / "logs"},
        markerForms(marker));
  }

  /// Checks a printed order end to end: history, CUPS job id and options, the bytes at the
  /// printer (the raw queue repeats the document once per copy), and no plaintext left behind.
  void expectPrintedExactly(const std::string& orderId, const std::string& document,
                            const std::string& marker, const json& options) {
    const json order = waitForOrderState(orderId, "printed", 120s);
    ASSERT_EQ(order.value("state", ""), "printed");

    const auto states = historyStates(order);
    const std::vector<std::string> expected{"awaiting_upload", "queued", "dispatched", "printing",
                                            "printed"};
    EXPECT_EQ(states, expected) << order.dump();

    const int cupsJobId = reportedSpoolerJobId(order);
    ASSERT_GT(cupsJobId, 0) << "no CUPS job id reported: " << order.dump();
    const auto attrs = cupsd_->waitForJobState(cupsJobId, "completed", 30s);
    EXPECT_EQ(attrs.at("copies"), std::to_string(options["copies"].get<int>()));
    EXPECT_EQ(attrs.at("media"), options["media"].get<std::string>());
    EXPECT_EQ(attrs.at("sides"), options["sides"].get<std::string>());
    EXPECT_EQ(attrs.at("print-color-mode"), options["print-color-mode"].get<std::string>());

    ASSERT_TRUE(printer_.waitForJobs(1, 30s));
    const auto jobs = printer_.jobs();
    ASSERT_EQ(jobs.size(), 1u) << "the printer received more than one job";
    const std::string expectedBytes = repeat(document, options["copies"].get<int>());
    EXPECT_EQ(jobs[0].size(), expectedBytes.size());
    EXPECT_TRUE(jobs[0] == expectedBytes)
        << "the printer received different bytes, from offset "
        << (std::mismatch(jobs[0].begin(), jobs[0].end(), expectedBytes.begin(),
                          expectedBytes.end())
                .first -
            jobs[0].begin());

    const auto cupsJobs = cupsd_->jobs(kQueue);
    EXPECT_EQ(cupsJobs.size(), 1u) << "CUPS saw more than one job";

    const auto leftovers = plaintextLeftovers(marker);
    EXPECT_TRUE(leftovers.empty()) << "plaintext found in:\n" << describe(leftovers);
  }

  TempDir dir_{"printrelay-e2e"};
  CupsdOptions cupsdOptions_{.preserveJobFiles = false};
  bool purgeSpoolerJobs_ = false;
  /// More lines of the cloud's configuration (subclasses set them before SetUp).
  std::vector<std::pair<std::string, std::string>> cloudSettings_;
  std::string agentPrinter_ = kQueue; ///< the agent's configured printer
  TestPki pki_;
  std::string adminToken_;
  PrinterSink printer_;
  std::unique_ptr<CupsdFixture> cupsd_;
  std::unique_ptr<Process> cloud_;
  std::string baseUrl_;
  std::unique_ptr<httplib::Client> client_;
  std::filesystem::path cloudData_, cloudTmp_;
  std::filesystem::path agentState_, agentTmp_, agentConfig_;
  std::string storeId_, storePublicKey_, storeKeyId_;
  std::string customerToken_;
  std::unique_ptr<Process> agent_;
};

} // namespace printrelay::testing
