// printrelay-cloud as a real process under a stand-in for systemd: READY=1 once it listens,
// WATCHDOG=1 pings from its event loop, STOPPING=1 on SIGTERM, the open-files limit raised; and
// the graceful drain: a parked long-poll answered at once, an upload in flight finishing, exit 0.
#include "common/crypto/envelope.h"
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/binaries.h"
#include "tests/support/notify_socket.h"
#include "tests/support/process.h"

#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <future>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace printrelay::cloud::testing {
namespace {

using namespace std::chrono_literals;
using printrelay::testing::NotifySocket;
using printrelay::testing::Process;
using printrelay::testing::ProcessSpec;

/// A plain TCP connection for a request sent in pieces.
class RawConnection {
public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval timeout{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  /// Everything until the server closes (or 30 s pass).
  std::string readAll() {
    std::string out;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0) {
      out.append(buffer, std::size_t(n));
    }
    return out;
  }

private:
  int fd_ = -1;
  bool connected_ = false;
};

/// The fixture's helpers (stores, agents, orders over the API) against a printrelay-cloud
/// process instead of a server in a thread.
class CloudProcessTest : public CloudFixture {
protected:
  void SetUp() override {
    if (printrelay::testing::cloudBinary().empty()) {
      GTEST_SKIP() << "printrelay-cloud is not part of this build";
    }
    ASSERT_TRUE(notify_.bound());
    dir_ = std::make_unique<printrelay::testing::TempDir>("printrelay-cloud-process-test");
  }

  void TearDown() override {
    client_.reset();
    cloud_.reset();
    CloudFixture::TearDown();
  }

  /// Starts the cloud with a lowered soft open-files limit (it raises it to the hard one).
  void startCloud(std::map<std::string, std::optional<std::string>> extraEnv = {}) {
    ProcessSpec spec;
    spec.argv = {printrelay::testing::cloudBinary().string()};
    spec.env = {{"PRINTRELAY_CLOUD_LISTEN", "127.0.0.1:0"},
                {"PRINTRELAY_CLOUD_DATA_DIR", (dir_->path() / "data").string()},
                {"PRINTRELAY_CLOUD_ADMIN_TOKEN", kAdminToken},
                {"PRINTRELAY_CLOUD_LOG_LEVEL", "info"},
                {"NOTIFY_SOCKET", notify_.address()},
                {"WATCHDOG_PID", std::nullopt},
                {"JOURNAL_STREAM", std::nullopt}};
    for (auto& [name, value] : extraEnv) {
      spec.env[name] = value;
    }
    spec.outputDir = dir_->makeDir("logs");
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const rlimit original = limit;
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 256);
    setrlimit(RLIMIT_NOFILE, &limit);
    cloud_ = std::make_unique<Process>(std::move(spec));
    setrlimit(RLIMIT_NOFILE, &original);
    hardFileLimit_ = original.rlim_max;
    const std::string line =
        cloud_->waitForStdoutLine(std::regex(R"(^listening http://127\.0\.0\.1:\d+$)"), 60s);
    baseUrl_ = line.substr(std::string("listening ").size());
    port_ = std::stoi(baseUrl_.substr(baseUrl_.rfind(':') + 1));
    client_ = newClient();
  }

  /// The soft limit of open files of the cloud process, from /proc.
  std::string softFileLimit() const {
    std::ifstream limits("/proc/" + std::to_string(cloud_->pid()) + "/limits");
    std::string line;
    while (std::getline(limits, line)) {
      if (line.rfind("Max open files", 0) == 0) {
        std::istringstream fields(line.substr(14));
        std::string soft;
        fields >> soft;
        return soft;
      }
    }
    return {};
  }

  /// Waits until GET /metrics shows `series` at `value` or more (real time, up to 10 s).
  bool metricReaches(const std::string& series, double value) {
    for (int i = 0; i < 500; ++i) {
      const auto reply = request("GET", "/metrics", kAdminToken);
      std::istringstream lines(reply.body);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.rfind(series + " ", 0) == 0 &&
            std::stod(line.substr(series.size() + 1)) >= value) {
          return true;
        }
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  NotifySocket notify_;
  std::unique_ptr<Process> cloud_;
  int port_ = 0;
  rlim_t hardFileLimit_ = 0;
};

TEST_F(CloudProcessTest, TellsTheServiceManagerReadyWatchdogAndStopping) {
  startCloud({{"WATCHDOG_USEC", "200000"}}); // pings every 100 ms
  const std::string ready = notify_.receiveContaining("READY=1");
  EXPECT_NE(ready.find("STATUS=serving " + baseUrl_), std::string::npos) << ready;
  EXPECT_EQ(notify_.receiveContaining("WATCHDOG=1"), "WATCHDOG=1") << cloud_->report();
  EXPECT_EQ(notify_.receiveContaining("WATCHDOG=1"), "WATCHDOG=1");
  EXPECT_NE(notify_.receiveContaining("STATUS=serving:").find("parked long-polls"),
            std::string::npos);
  EXPECT_EQ(softFileLimit(), std::to_string(hardFileLimit_)); // raised from 256 to the hard one

  cloud_->signal(SIGTERM);
  EXPECT_NE(notify_.receiveContaining("STOPPING=1"), "") << cloud_->report();
  const auto status = cloud_->waitForExit(60s);
  ASSERT_TRUE(status) << cloud_->report();
  EXPECT_TRUE(status->success()) << status->describe() << cloud_->report();
}

TEST_F(CloudProcessTest, NoWatchdogPingsWhenTheWatchdogIsOff) {
  startCloud({{"WATCHDOG_USEC", std::nullopt}});
  EXPECT_NE(notify_.receiveContaining("READY=1"), "");
  // Nothing more until it is told to stop.
  EXPECT_EQ(notify_.receive(300), "");
  cloud_->signal(SIGTERM);
  EXPECT_EQ(notify_.receive().rfind("STOPPING=1", 0), 0u);
  ASSERT_TRUE(cloud_->waitForExit(60s)) << cloud_->report();
}

TEST_F(CloudProcessTest, SigtermAnswersParkedPollsAtOnceAndLetsAnUploadFinish) {
  startCloud({{"WATCHDOG_USEC", std::nullopt}, {"PRINTRELAY_CLOUD_DRAIN_SECONDS", "120"}});
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string customer = customerToken();
  const std::string orderId = createOrder(customer, storeId);

  // An agent's long-poll, parked for up to a minute.
  auto poll = std::async(std::launch::async, [&] {
    return requestOnNewClient("GET", "/api/v1/agent/jobs?wait=60", agent.credential);
  });
  ASSERT_TRUE(metricReaches("printrelay_http_parked_waits", 1)) << cloud_->report();

  // An upload that has sent its head and half its body, its handler reading on a worker (this
  // scrape is the other busy worker).
  const std::string envelope =
      seal(agent, orderId, "%PDF-1.4 drained upload " + std::string(8000, 'x'), 1024);
  RawConnection upload(port_);
  ASSERT_TRUE(upload.connected());
  const std::size_t half = envelope.size() / 2;
  ASSERT_TRUE(upload.send("PUT /api/v1/orders/" + orderId +
                          "/document HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                          customer + "\r\nContent-Type: " + std::string(envelope::kMediaType) +
                          "\r\nContent-Length: " + std::to_string(envelope.size()) +
                          "\r\nConnection: close\r\n\r\n" + envelope.substr(0, half)));
  ASSERT_TRUE(metricReaches("printrelay_http_worker_busy", 2)) << cloud_->report();

  cloud_->signal(SIGTERM);
  // The parked poll is answered while the upload is still unfinished: agents come back later.
  const HttpReply answered = poll.get();
  EXPECT_EQ(answered.status, 503) << answered.describe();
  EXPECT_EQ(answered.errorCode(), "shutting_down");
  EXPECT_TRUE(cloud_->running());

  // The upload in flight finishes and is stored; then the cloud exits cleanly.
  ASSERT_TRUE(upload.send(envelope.substr(half)));
  const std::string response = upload.readAll();
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  const auto status = cloud_->waitForExit(60s);
  ASSERT_TRUE(status) << cloud_->report();
  EXPECT_TRUE(status->success()) << status->describe() << cloud_->report();
  EXPECT_NE(cloud_->stderrText().find("draining"), std::string::npos);
}

TEST_F(CloudProcessTest, StopsAcceptingWhileItDrains) {
  startCloud({{"WATCHDOG_USEC", std::nullopt}, {"PRINTRELAY_CLOUD_DRAIN_SECONDS", "120"}});
  const std::string storeId = createStore();
  enrollAgent(storeId);
  const std::string customer = customerToken();
  const std::string orderId = createOrder(customer, storeId);
  // An upload kept unfinished holds the drain open.
  RawConnection upload(port_);
  ASSERT_TRUE(upload.send("PUT /api/v1/orders/" + orderId +
                          "/document HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                          customer + "\r\nContent-Type: " + std::string(envelope::kMediaType) +
                          "\r\nContent-Length: 100000\r\n\r\nPRE"));
  ASSERT_TRUE(metricReaches("printrelay_http_worker_busy", 2)) << cloud_->report();
  cloud_->signal(SIGTERM);
  EXPECT_NE(notify_.receiveContaining("STOPPING=1"), "");
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    RawConnection late(port_);
    refused = !late.connected();
    if (!refused) {
      std::this_thread::sleep_for(20ms);
    }
  }
  EXPECT_TRUE(refused) << "a new connection was still accepted while draining";
  EXPECT_TRUE(cloud_->running());
}

} // namespace
} // namespace printrelay::cloud::testing
