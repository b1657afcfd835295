#include "agent/daemon/status_reporter.h"

#include "agent/cloud/cloud_client.h"
#include "agent/jobs/journal.h"
#include "common/util/log.h"

namespace printrelay::agent {

StatusReporter::StatusReporter(Journal& journal, CloudClient& cloud)
    : journal_(journal), cloud_(cloud) {}

FlushResult StatusReporter::flush() {
  for (;;) {
    const auto batch = journal_.pendingEvents(100);
    if (batch.empty()) {
      return FlushResult::Done;
    }
    for (const auto& event : batch) {
      std::string detail;
      switch (cloud_.postEvent(event.jobId, event.body, detail)) {
      case EventDelivery::Delivered:
        journal_.markSent(event.id, "delivered");
        ++closed_;
        log::job(log::Level::Debug, event.jobId,
                 "reported event " + std::to_string(event.seq) + ": " + event.body);
        break;
      case EventDelivery::Rejected:
        journal_.markSent(event.id, "dropped: " + detail);
        ++closed_;
        log::job(log::Level::Warning, event.jobId,
                 "the cloud refused event " + std::to_string(event.seq) + " (" + detail +
                     "); dropped");
        break;
      case EventDelivery::Unauthorized:
        journal_.noteAttempt(event.id, detail);
        return FlushResult::Unauthorized;
      case EventDelivery::Unavailable:
        journal_.noteAttempt(event.id, detail);
        log::job(log::Level::Debug, event.jobId,
                 "event " + std::to_string(event.seq) + " waits in the outbox: " + detail);
        return FlushResult::Offline;
      }
    }
  }
}

} // namespace printrelay::agent
