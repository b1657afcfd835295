#pragma once

// The fixture of the printrelayctl tests against a running agent (ctl_test.cpp,
// ctl_technician_test.cpp): the shop of shop_fixture.h, and printrelayctl run as a process on the
// agent's control socket.
#include "tests/integration/shop_fixture.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace printrelay::testing {

/// What one printrelayctl run gave.
struct CtlResult {
  int exitCode = -1;
  std::string out;
  std::string err;
  json body; ///< stdout parsed as JSON (discarded when it is not JSON)
  std::string describe;
};

class CtlTest : public ShopFixture {
protected:
  void SetUp() override {
    if (ctlBinary().empty()) {
      GTEST_SKIP() << "printrelayctl is not part of this build";
    }
    ShopFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    socket_ = dir_ / "agent.sock";
    ASSERT_NO_FATAL_FAILURE(waitForControlSocket());
  }

  /// printrelayctl --socket … --config … ARGS.
  CtlResult ctl(std::vector<std::string> args, std::chrono::seconds timeout = 120s) {
    std::vector<std::string> argv{ctlBinary().string(), "--socket", socket_.string(), "--config",
                                  agentConfig_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result =
        run(ProcessSpec{.argv = std::move(argv),
                        .env = {{"TMPDIR", agentTmp_.string()}, {"CUPS_SERVER", std::nullopt}},
                        .outputDir = dir_ / "logs",
                        .name = "printrelayctl"},
            timeout);
    CtlResult r;
    r.exitCode = result.status.code;
    r.out = result.out;
    r.err = result.err;
    r.body = json::parse(result.out, nullptr, false);
    if (r.body.is_discarded()) {
      r.body = json();
    }
    r.describe = result.describe();
    return r;
  }

  CtlResult ctlJson(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    return ctl(std::move(args));
  }

  void waitForControlSocket() {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    CtlResult last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = ctlJson({"status"});
      if (last.exitCode == 0 &&
          last.body.value("cloud", json::object()).value("state", "") == "online") {
        return;
      }
      std::this_thread::sleep_for(200ms);
    }
    FAIL() << "the agent's control socket did not answer with an online agent: " << last.describe
           << diagnostics();
  }

  /// The check named `name` from a diagnose result (null when absent).
  static json check(const json& diagnose, const std::string& name) {
    for (const auto& c : diagnose.value("checks", json::array())) {
      if (c.value("name", "") == name) {
        return c;
      }
    }
    return json();
  }

  /// Prints a document and waits until the order is printed; returns the order id.
  std::string printOne(const std::string& marker) {
    const std::string document = makeDocument(64 * 1024 + 17, marker, 7);
    const std::string orderId = createOrder("text/plain", json{{"copies", 1}});
    uploadDocument(orderId, "text/plain", document);
    waitForOrderState(orderId, "printed", 120s);
    return orderId;
  }

  /// The agent's job id for an order, from `printrelayctl jobs`.
  std::string jobIdForOrder(const std::string& orderId) {
    const auto jobs = ctlJson({"jobs"});
    for (const auto& j : jobs.body.value("jobs", json::array())) {
      if (j.value("order_id", "") == orderId) {
        return j.value("job_id", "");
      }
    }
    ADD_FAILURE() << "no job for order " << orderId << ": " << jobs.describe;
    return {};
  }

  /// Connects to the control socket directly (for hostile-input tests); -1 on failure.
  int connectRaw() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }

  /// Sends raw bytes and reads one line back ("" when the agent closed without answering).
  static std::string exchange(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        break; // the agent may close early on an oversized line; read what it said
      }
      sent += static_cast<std::size_t>(n);
    }
    std::string line;
    char c = 0;
    while (::recv(fd, &c, 1, 0) == 1 && c != '\n') {
      line += c;
    }
    return line;
  }

  std::filesystem::path socket_;
};

} // namespace printrelay::testing
