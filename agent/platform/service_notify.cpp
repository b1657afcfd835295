// The notifications every platform sends the same way, over its ServiceNotifier::notify().
#include "agent/platform/service_notify.h"

#include <string>

namespace printrelay::agent {

void ServiceNotifier::ready(std::string_view status) const {
  notify("READY=1\nSTATUS=" + std::string(status));
}

void ServiceNotifier::status(std::string_view status) const {
  notify("STATUS=" + std::string(status));
}

void ServiceNotifier::stopping() const {
  notify("STOPPING=1");
}

} // namespace printrelay::agent
