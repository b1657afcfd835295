#include "agent/identity/state_lock.h"

#include "agent/identity/state_files.h"

#include <cctype>

namespace printrelay::agent {

std::string stateLockedMessage(const std::filesystem::path& stateDir, std::string lockText) {
  while (!lockText.empty() && std::isspace(static_cast<unsigned char>(lockText.back())) != 0) {
    lockText.pop_back();
  }
  const bool isPid = !lockText.empty() && lockText.size() < 20 &&
                     lockText.find_first_not_of("0123456789") == std::string::npos;
  const std::string holder = isPid ? lockText : std::string();
  return "another printrelay-agent" + (holder.empty() ? "" : " (process " + holder + ")") +
         " is using the state directory " + stateDir.string() + " (it holds " +
         StatePaths(stateDir).lock().string() +
         "); stop it first (systemctl stop printrelay-agent; on Windows: sc stop "
         "PrintRelayAgent) or give this one a state_dir of its own";
}

} // namespace printrelay::agent
