#pragma once

#include "common/util/config.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent {

/// Environment variables named PRINTRELAY_AGENT_<KEY> override the configuration file.
inline constexpr std::string_view kEnvPrefix = "PRINTRELAY_AGENT_";
/// Read when no --config is given; a missing default file is not an error.
inline constexpr std::string_view kDefaultConfigPath = "/etc/printrelay/agent.conf";

/// The agent's configuration table: key, type, default and help for every setting.
std::vector<ConfigKey> configTable();

/// Loads the configuration: defaults, then the file (`path`, or the default file when empty;
/// an explicitly named file must exist), then the environment.
Config loadConfig(const std::optional<std::string>& path);

/// The agent's settings, typed and checked.
struct Settings {
  std::string cloudUrl;   ///< base URL of the cloud; required for enroll and run
  std::string caFile;     ///< PEM bundle to trust; empty = system store
  std::string stateDir;   ///< key, credential, identity and journal live here
  std::string printer;    ///< CUPS destination; empty = the spooler's default destination
  std::string cupsServer; ///< CUPS server (host[:port] or Unix socket path); empty = default
  int pollWaitSeconds = 30;
  std::chrono::milliseconds backoffInitial{500};
  std::chrono::milliseconds backoffMax{5000};
  /// While the cloud is unreachable, how often a cheap probe checks whether it is back (ending
  /// the retry wait at once); 0 turns it off (offline_probe_ms).
  std::chrono::milliseconds offlineProbe{1000};
  std::string logLevel = "info";
  /// Where printrelayctl reaches the running agent (a Unix socket path); empty: no control
  /// socket (the configuration's default is defaultControlSocket()).
  std::string controlSocket;
  /// Remove a job and its document from the spooler once it ended and was recorded.
  bool purgeSpoolerJobs = true;
  /// The CUPS configuration directory (ServerRoot), read by diagnose for PreserveJobFiles and
  /// RequestRoot when the scheduler does not hand out cupsd.conf.
  std::string cupsConfigDir = "/etc/cups";
  /// Recent log lines kept in memory for `printrelayctl logs` (0 keeps none).
  int logBufferLines = 1000;
  /// The largest document the agent decrypts into memory to count and print (max_document_mib).
  std::uint64_t maxDocumentBytes = 256ull * 1024 * 1024;
};

/// The control socket printrelayctl talks to, unless control_socket says otherwise: a Unix
/// socket under /run on POSIX, the named pipe \\.\pipe\printrelay-agent on Windows (defined
/// by the platform's control transport file).
std::string defaultControlSocket();

/// Reads and range-checks the settings; throws Error{"config_invalid"} naming the key.
Settings settingsFrom(const Config& config);

} // namespace printrelay::agent
