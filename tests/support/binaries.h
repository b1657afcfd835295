#pragma once

#include <filesystem>

namespace printrelay::testing {

// Programs built by this CMake project, as absolute paths, for tests that run them as real
// processes. Each is empty when this build has no such target (its module is not there yet).

/// printrelay-cloud, the server.
std::filesystem::path cloudBinary();
/// printrelay, the customer CLI.
std::filesystem::path customerCliBinary();
/// printrelay-agent, the shop daemon.
std::filesystem::path agentBinary();
/// printrelayctl, the technician's CLI.
std::filesystem::path ctlBinary();

} // namespace printrelay::testing
