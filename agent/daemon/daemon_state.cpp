#include "agent/daemon/daemon_state.h"

#include "common/util/enum_names.h"

#include <chrono>
#include <ctime>

namespace printrelay::agent {

constexpr auto kLinkNames =
    enumNames(CloudLink::Refused, {"connecting", "online", "offline", "refused"});

std::string_view toString(CloudLink link) {
  return kLinkNames.name(link);
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string isoTime(std::int64_t unixSeconds) {
  if (unixSeconds <= 0) {
    return "never";
  }
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

DaemonState::DaemonState() {
  state_.startedAt = unixNow();
  state_.linkSince = state_.startedAt;
}

bool DaemonState::moveTo(CloudLink link, std::string why, bool contact) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = unixNow();
  if (contact) {
    state_.lastContact = now;
  }
  const bool changed = state_.link != link;
  if (changed) {
    state_.link = link;
    state_.linkSince = now;
  }
  state_.lastError = std::move(why);
  return changed;
}

bool DaemonState::markOnline() {
  return moveTo(CloudLink::Online, {}, true);
}

bool DaemonState::markRefused(std::string why) {
  return moveTo(CloudLink::Refused, std::move(why), true);
}

bool DaemonState::markOffline(std::string why) {
  return moveTo(CloudLink::Offline, std::move(why), false);
}

bool DaemonState::setPaused(bool paused, std::string by, std::int64_t since) {
  std::lock_guard lock(mutex_);
  if (state_.paused == paused) {
    return false;
  }
  state_.paused = paused;
  state_.pausedSince = paused ? (since > 0 ? since : unixNow()) : 0;
  state_.pausedBy = paused ? std::move(by) : std::string();
  return true;
}

bool DaemonState::paused() const {
  std::lock_guard lock(mutex_);
  return state_.paused;
}

void DaemonState::setCurrentJob(std::string jobId) {
  std::lock_guard lock(mutex_);
  state_.currentJob = std::move(jobId);
}

DaemonSnapshot DaemonState::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

} // namespace printrelay::agent
