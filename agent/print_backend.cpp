#include "agent/print_backend.h"

namespace printrelay::agent {

std::string_view toString(SpoolerJobState state) {
  switch (state) {
  case SpoolerJobState::Pending:
    return "pending";
  case SpoolerJobState::Held:
    return "held";
  case SpoolerJobState::Processing:
    return "processing";
  case SpoolerJobState::Stopped:
    return "stopped";
  case SpoolerJobState::Canceled:
    return "canceled";
  case SpoolerJobState::Aborted:
    return "aborted";
  case SpoolerJobState::Completed:
    return "completed";
  case SpoolerJobState::Unknown:
    return "unknown";
  }
  return "unknown";
}

} // namespace printrelay::agent
