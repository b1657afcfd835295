#pragma once

#include <cstddef>

namespace printrelay::agent {

class CloudClient;
class Journal;

/// How a flush of the outbox ended.
enum class FlushResult {
  Done,         ///< nothing is left to send
  Offline,      ///< the cloud is unreachable or failing; the rest waits in the outbox
  Unauthorized, ///< the credential was refused; the rest waits in the outbox
};

/// Sends the journal's outbox of status events to the cloud, oldest first. Delivery is
/// idempotent at the cloud (job id + seq), so an event whose answer was lost is simply sent
/// again. An event the cloud refuses for good (404, 409, other 4xx) is recorded with the reason
/// and dropped, so one stale job never blocks the others.
class StatusReporter {
public:
  StatusReporter(Journal& journal, CloudClient& cloud);

  /// Sends what is pending until the outbox is empty or the cloud cannot take more.
  FlushResult flush();
  /// Events delivered or dropped since construction (for logs and tests).
  std::size_t closed() const { return closed_; }

private:
  Journal& journal_;
  CloudClient& cloud_;
  std::size_t closed_ = 0;
};

} // namespace printrelay::agent
