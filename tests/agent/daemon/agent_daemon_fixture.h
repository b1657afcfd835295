#pragma once

// The daemon loop run in a thread against the fake cloud and the fake spooler, for the tests
// of agent_daemon_test.cpp and agent_stop_test.cpp.

#include "agent/daemon/agent_daemon.h"
#include "tests/agent/agent_test_support.h"
#include "tests/fakes/agent_fake_cloud.h"
#include "tests/fakes/agent_fake_print_backend.h"

#include <gtest/gtest.h>
#include <thread>

namespace printrelay::agent::testing {

class AgentDaemonTest : public ::testing::Test {
protected:
  void SetUp() override { cloud_.start(); }

  void TearDown() override {
    stopAgent();
    agent_.reset(); // closes its keep-alive connections, so the server stops at once
    cloud_.stop();
  }

  Settings settings() const {
    Settings s;
    s.cloudUrl = cloud_.url();
    s.stateDir = (dir_.path() / "state").string();
    s.pollWaitSeconds = pollWaitSeconds_;
    s.backoffInitial = std::chrono::milliseconds(20);
    s.backoffMax = std::chrono::milliseconds(300);
    if (adjust_) {
      adjust_(s);
    }
    return s;
  }

  /// Starts the daemon; `prepare` sets up the fake spooler before the loop can look at it.
  void startAgent(const std::function<void(FakePrintBackend&)>& prepare = {}) {
    auto backend = std::make_unique<FakePrintBackend>();
    backend->setAutoComplete(true);
    if (prepare) {
      prepare(*backend);
    }
    backend_ = backend.get();
    Enrollment enrollment{key_, "device-credential", AgentIdentity{}};
    agent_ =
        std::make_unique<Agent>(settings(), std::move(enrollment), std::move(backend), timing_);
    thread_ = std::thread([this] { exitCode_ = agent_->run(); });
  }

  void stopAgent() {
    if (thread_.joinable()) {
      agent_->requestStop();
      thread_.join();
    }
  }

  TempDir dir_;
  FakeCloud cloud_;
  hpke::KeyPair key_ = hpke::KeyPair::generate();
  FakePrintBackend* backend_ = nullptr;
  std::unique_ptr<Agent> agent_;
  std::thread thread_;
  int exitCode_ = -1;
  int pollWaitSeconds_ = 1;
  /// Changes the settings a test needs beyond the fixture's.
  std::function<void(Settings&)> adjust_;
  AgentTiming timing_{std::chrono::seconds(1), std::chrono::hours(1),
                      std::chrono::milliseconds(100), std::chrono::hours(1)};
};

} // namespace printrelay::agent::testing
