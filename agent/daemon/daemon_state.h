#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace printrelay::agent {

/// How the agent's link to the cloud stands.
enum class CloudLink {
  Connecting, ///< started, no answer yet
  Online,     ///< the last exchange succeeded
  Offline,    ///< the cloud could not be reached (or failed with 5xx)
  Refused,    ///< the cloud answers but refuses the device credential (revoked?)
};

/// "connecting", "online", "offline", "refused".
std::string_view toString(CloudLink link);

/// A copy of the daemon's state for status displays.
struct DaemonSnapshot {
  CloudLink link = CloudLink::Connecting;
  std::int64_t linkSince = 0;   ///< Unix seconds the link has been in this state
  std::int64_t lastContact = 0; ///< Unix seconds the cloud last answered at all; 0 = never
  std::string lastError;        ///< why the link is offline or refused
  bool paused = false;
  std::int64_t pausedSince = 0;
  std::string pausedBy; ///< who paused intake ("uid 1000 (alice)")
  std::int64_t startedAt = 0;
  std::string currentJob; ///< job being streamed to the spooler now; empty when none
};

/// What the daemon knows about itself that the control socket reports: the cloud link
/// (online/offline since when, last contact), whether intake is paused, the job in hand.
/// Thread-safe; every change is stamped with the wall clock.
class DaemonState {
public:
  DaemonState();

  /// The cloud answered successfully: online. Returns true when the link changed.
  bool markOnline();
  /// The cloud answered but refused the credential. Returns true when the link changed.
  bool markRefused(std::string why);
  /// The cloud could not be reached. Returns true when the link changed.
  bool markOffline(std::string why);

  /// Pauses or resumes intake; returns true when it changed.
  bool setPaused(bool paused, std::string by = {}, std::int64_t since = 0);
  bool paused() const;

  void setCurrentJob(std::string jobId);

  DaemonSnapshot snapshot() const;

private:
  bool moveTo(CloudLink link, std::string why, bool contact);

  mutable std::mutex mutex_;
  DaemonSnapshot state_;
};

/// Unix seconds now.
std::int64_t unixNow();
/// "2024-05-01T14:03:22Z" (UTC); "never" for 0.
std::string isoTime(std::int64_t unixSeconds);

} // namespace printrelay::agent
