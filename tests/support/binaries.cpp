#include "tests/support/binaries.h"

// The paths come from tests/support/CMakeLists.txt as $<TARGET_FILE:…>.
#ifndef PRINTRELAY_CLOUD_BINARY
#define PRINTRELAY_CLOUD_BINARY ""
#endif
#ifndef PRINTRELAY_CLI_BINARY
#define PRINTRELAY_CLI_BINARY ""
#endif
#ifndef PRINTRELAY_AGENT_BINARY
#define PRINTRELAY_AGENT_BINARY ""
#endif
#ifndef PRINTRELAY_CTL_BINARY
#define PRINTRELAY_CTL_BINARY ""
#endif

namespace printrelay::testing {

std::filesystem::path cloudBinary() {
  return PRINTRELAY_CLOUD_BINARY;
}

std::filesystem::path customerCliBinary() {
  return PRINTRELAY_CLI_BINARY;
}

std::filesystem::path agentBinary() {
  return PRINTRELAY_AGENT_BINARY;
}

std::filesystem::path ctlBinary() {
  return PRINTRELAY_CTL_BINARY;
}

} // namespace printrelay::testing
