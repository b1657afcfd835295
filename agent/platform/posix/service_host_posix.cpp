// The service host on POSIX: signals, the host name; systemd itself starts and stops the agent
// (see service_host.h; ServiceNotifier is in service_notify_systemd.cpp).
#include "agent/daemon/agent_daemon.h"
#include "agent/platform/service_host.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <atomic>
#include <csignal>
#include <ctime>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace printrelay::agent {

/// Blocks the stop/reload signals for the whole process (before any other thread exists) and,
/// once there is an agent, waits for them on a dedicated thread.
struct StopSignals::Impl {
  Impl() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    done_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void loop(Agent& agent) {
    int stops = 0;
    while (!done_) {
      timespec timeout{0, 200'000'000};
      const int sig = sigtimedwait(&set_, nullptr, &timeout);
      if (sig == SIGTERM || sig == SIGINT) {
        const char* name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
        if (++stops == 1) {
          log::notice(std::string("received ") + name + "; stopping");
          agent.requestStop(StopMode::Graceful);
        } else {
          log::notice(std::string("received ") + name + " again; stopping now");
          agent.requestStop(StopMode::Now);
        }
      } else if (sig == SIGHUP) {
        log::info("received SIGHUP; reloading the configuration");
        agent.requestReload();
      }
    }
  }

  sigset_t set_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

StopSignals::StopSignals() : impl_(std::make_unique<Impl>()) {}

StopSignals::~StopSignals() = default;

void StopSignals::deliverTo(Agent& agent) {
  impl_->thread_ = std::thread([this, &agent] { impl_->loop(agent); });
}

void prepareProcess() {
  std::signal(SIGPIPE, SIG_IGN);
}

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) {
    return {};
  }
  return name;
}

int runServiceCommand(const std::vector<std::string>& /*args*/,
                      const std::optional<std::string>& /*configPath*/,
                      const std::function<int()>& /*run*/, std::ostream& /*out*/) {
  throw Error("invalid_request",
              "'service' manages the Windows service; here systemd runs the agent "
              "(systemctl enable --now printrelay-agent)");
}

} // namespace printrelay::agent
