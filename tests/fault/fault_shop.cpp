#include "tests/fault/fault_shop.h"

#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/wire/http_client.h"
#include "tests/support/binaries.h"
#include "tests/support/order_body.h"

#include <csignal>
#include <regex>
#include <stdexcept>
#include <thread>

namespace printrelay::testing::fault {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string configText(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string text;
  for (const auto& [key, value] : entries) {
    text += key + " = " + value + "\n";
  }
  return text;
}

[[noreturn]] void fail(const std::string& what, const Answer& answer) {
  throw std::runtime_error(what + " → " + std::to_string(answer.status) + " " + answer.body);
}

} // namespace

FaultShop::FaultShop(ShopSettings settings) : settings_(settings) {}

FaultShop::~FaultShop() {
  agent_.reset();
  cloud_.reset();
  proxy_.reset();
}

void FaultShop::start() {
  if (cloudBinary().empty() || agentBinary().empty()) {
    throw std::runtime_error("printrelay-cloud or printrelay-agent is not part of this build");
  }
  std::signal(SIGPIPE, SIG_IGN);
  pki_ = generateTestPki(dir_.makeDir("pki"));
  adminToken_ = randomToken(32);
  cloudData_ = dir_.makeDir("cloud-data");
  cloudTmp_ = dir_.makeDir("cloud-tmp");
  dir_.makeDir("logs");
  startCloud();
  proxy_ = std::make_unique<TcpProxy>(cloudPort_);

  cupsd_ =
      std::make_unique<CupsdFixture>(CupsdOptions{.preserveJobFiles = false, .logLevel = "info"});
  cupsd_->addQueue(kQueue, printer_.deviceUri());
  // cupsd writes its printers lazily (DirtyCleanInterval) too: a clean restart puts the queue on
  // disk, as a shop's queue set up long ago is, so a crash loses jobs and never the queue.
  cupsd_->restart();

  const Answer store = send("POST", "/api/v1/admin/stores", adminToken_,
                            json{{"name", "Fault Corner"},
                                 {"address", "1 Crash Street"},
                                 {"latitude", 52.52},
                                 {"longitude", 13.405}}
                                .dump(),
                            "application/json");
  if (store.status != 201) {
    fail("create store", store);
  }
  storeId_ = store.json().value("id", "");

  const Answer code = send("POST", "/api/v1/shop/stores/" + storeId_ + "/enrollment-codes",
                           adminToken_, "{}", "application/json");
  if (code.status != 201) {
    fail("enrollment code", code);
  }
  agentState_ = dir_.makeDir("agent-state");
  agentTmp_ = dir_.makeDir("agent-tmp");
  writeAgentConfig();
  const auto enroll =
      run(ProcessSpec{.argv = {agentBinary().string(), "--config", agentConfig_.string(), "enroll",
                               "--code", code.json().value("code", "")},
                      .env = {{"TMPDIR", agentTmp_.string()},
                              {"CUPS_SERVER", std::nullopt},
                              {"JOURNAL_STREAM", std::nullopt},
                              {"NOTIFY_SOCKET", std::nullopt}},
                      .outputDir = dir_ / "logs",
                      .name = "agent-enroll"},
          60s);
  if (!enroll.status.success()) {
    throw std::runtime_error("agent enroll: " + enroll.describe());
  }
  const Answer storeNow = send("GET", "/api/v1/stores/" + storeId_, "", "", "");
  storePublicKey_ = storeNow.json().value("public_key", "");
  if (storePublicKey_.empty()) {
    fail("store key after enrollment", storeNow);
  }

  email_ = "fault-" + randomToken(6) + "@example.com";
  password_ = "fault injection password";
  const Answer user =
      send("POST", "/api/v1/admin/users", adminToken_,
           json{{"email", email_}, {"password", password_}, {"role", "customer"}}.dump(),
           "application/json");
  if (user.status != 201) {
    fail("create customer", user);
  }
  login();
  startAgent();
}

void FaultShop::writeAgentConfig() {
  agentConfig_ = dir_.writeFile(
      "agent.conf", configText({
                        // Through the proxy: the link between shop and cloud is the one broken.
                        {"cloud_url", "https://127.0.0.1:" + std::to_string(proxy_->port())},
                        {"ca_file", pki_.caCert.string()},
                        {"state_dir", agentState_.string()},
                        {"printer", kQueue},
                        {"cups_server", cupsd_->socketPath().string()},
                        {"poll_wait_seconds", std::to_string(settings_.pollWaitSeconds)},
                        {"log_level", "info"},
                        {"purge_spooler_jobs", "true"},
                        {"control_socket", (dir_ / "agent.sock").string()},
                        {"cups_config_dir", (cupsd_->root() / "etc").string()},
                    }));
}

void FaultShop::startCloud() {
  std::lock_guard lock(processMutex_);
  // The first start picks a free port; every restart takes the same one, as a service does.
  const std::string listen = "127.0.0.1:" + std::to_string(cloudPort_);
  cloudConfig_ =
      dir_.writeFile("cloud.conf", configText({
                                       {"listen", listen},
                                       {"data_dir", cloudData_.string()},
                                       {"tls_cert", pki_.serverCert.string()},
                                       {"tls_key", pki_.serverKey.string()},
                                       {"log_level", "info"},
                                       {"lease_seconds", std::to_string(settings_.leaseSeconds)},
                                       {"orders_per_hour", "100000"},
                                       {"uploads_per_hour", "100000"},
                                       {"access_token_ttl_seconds", "3600"},
                                       {"http_threads", "8"},
                                   }));
  for (int attempt = 0;; ++attempt) {
    cloud_ = std::make_unique<Process>(
        ProcessSpec{.argv = {cloudBinary().string(), "--config", cloudConfig_.string()},
                    .env = {{"PRINTRELAY_CLOUD_ADMIN_TOKEN", adminToken_},
                            {"TMPDIR", cloudTmp_.string()},
                            {"JOURNAL_STREAM", std::nullopt}},
                    .outputDir = dir_ / "logs",
                    .name = "printrelay-cloud-" + std::to_string(++cloudStarts_)});
    try {
      const std::string line =
          cloud_->waitForStdoutLine(std::regex(R"(listening https://127\.0\.0\.1:\d+)"), 30s);
      std::smatch m;
      std::regex_search(line, m, std::regex(R"(:(\d+)$)"));
      cloudPort_ = std::stoi(m.str(1));
      return;
    } catch (const std::exception&) {
      // The old process's port may not be free yet (a connection still closing).
      if (attempt >= 20) {
        throw;
      }
      std::this_thread::sleep_for(250ms);
    }
  }
}

void FaultShop::killCloud() {
  std::lock_guard lock(processMutex_);
  cloud_->signal(SIGKILL);
  cloud_->waitForExit(10s);
}

void FaultShop::startAgent() {
  std::lock_guard lock(processMutex_);
  agent_ = std::make_unique<Process>(
      ProcessSpec{.argv = {agentBinary().string(), "--config", agentConfig_.string(), "run"},
                  .env = {{"TMPDIR", agentTmp_.string()},
                          {"CUPS_SERVER", std::nullopt},
                          {"JOURNAL_STREAM", std::nullopt},
                          {"NOTIFY_SOCKET", std::nullopt}},
                  .outputDir = dir_ / "logs",
                  .name = "printrelay-agent-" + std::to_string(++agentStarts_)});
}

void FaultShop::killAgent() {
  std::lock_guard lock(processMutex_);
  agent_->signal(SIGKILL);
  agent_->waitForExit(10s);
}

bool FaultShop::agentRunning() {
  std::lock_guard lock(processMutex_);
  return agent_ && agent_->running();
}

bool FaultShop::cloudRunning() {
  std::lock_guard lock(processMutex_);
  return cloud_ && cloud_->running();
}

Answer FaultShop::send(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body, const std::string& contentType) {
  const CloudEndpoint endpoint{"https://127.0.0.1:" + std::to_string(cloudPort_),
                               pki_.caCert.string(), 3s, 20s};
  auto client = makeClient(endpoint);
  client->set_keep_alive(false);
  httplib::Headers headers;
  if (!token.empty()) {
    headers = bearer(token);
  }
  httplib::Result result = method == "GET" ? client->Get(path.c_str(), headers)
                           : method == "POST"
                               ? client->Post(path.c_str(), headers, body, contentType.c_str())
                               : client->Put(path.c_str(), headers, body, contentType.c_str());
  if (!result) {
    return {};
  }
  return Answer{result->status, result->body};
}

void FaultShop::login() {
  const Answer session =
      send("POST", "/api/v1/auth/login", "",
           json{{"email", email_}, {"password", password_}}.dump(), "application/json");
  if (session.status != 200) {
    fail("login", session);
  }
  customerToken_ = session.json().value("access_token", "");
}

Answer FaultShop::call(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& contentType) {
  Answer answer = send(method, path, customerToken_, body, contentType);
  if (answer.status == 401) {
    try {
      login(); // the access token ran out on a long run
    } catch (const std::exception&) {
      return answer;
    }
    answer = send(method, path, customerToken_, body, contentType);
  }
  return answer;
}

std::string FaultShop::seal(const std::string& orderId, const std::string& document) const {
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

std::string FaultShop::diagnostics() {
  std::lock_guard lock(processMutex_);
  std::string out = "\n===== fault shop (" + dir_.path().string() + ") =====\n";
  if (cloud_) {
    out += cloud_->report(4000) + "\n";
  }
  if (agent_) {
    out += agent_->report(8000) + "\n";
  }
  if (cupsd_) {
    out += cupsd_->report() + "\n";
  }
  return out;
}

} // namespace printrelay::testing::fault
