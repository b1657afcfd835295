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

/// Blocks the stop/reload signals for the whole process and turns them into Agent calls from
/// a dedicated thread, so no work happens in a signal handler.
struct StopSignals::Impl {
  explicit Impl(Agent& agent) : agent_(agent) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    thread_ = std::thread([this] { loop(); });
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    done_ = true;
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

  void loop() {
    bool stopping = false;
    while (!done_) {
      timespec timeout{0, 200'000'000};
      const int sig = sigtimedwait(&set_, nullptr, &timeout);
      if (sig == SIGTERM || sig == SIGINT) {
        if (!stopping) {
          log::notice(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                      "; stopping");
        }
        stopping = true;
      } else if (sig == SIGHUP) {
        agent_.requestReload();
      }
      if (stopping) {
        // Repeated, so a long-poll that started just after the first call is cut too.
        agent_.requestStop();
      }
    }
  }

  Agent& agent_;
  sigset_t set_{};
  sigset_t previous_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

StopSignals::StopSignals(Agent& agent) : impl_(std::make_unique<Impl>(agent)) {}

StopSignals::~StopSignals() = default;

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
