#include "agent/daemon/agent_config.h"

#include "common/util/error.h"
#include "common/util/log.h"

namespace printrelay::agent {

std::vector<ConfigKey> configTable() {
  return {
      {"cloud_url", ConfigType::String, "",
       "Base URL of the PrintRelay cloud, https://host[:port] (plain http only to loopback)"},
      {"ca_file", ConfigType::Path, "",
       "PEM CA bundle that signs the cloud's certificate; empty uses the system store"},
      {"state_dir", ConfigType::Path, "/var/lib/printrelay-agent",
       "Directory for the store key, device credential, identity and job journal (mode 0700)"},
      {"printer", ConfigType::String, "",
       "CUPS destination that prints the jobs; empty uses the CUPS default destination"},
      {"cups_server", ConfigType::String, "",
       "CUPS server (host[:port] or a Unix socket path); empty uses the CUPS default"},
      {"poll_wait_seconds", ConfigType::Integer, "30",
       "How long one long-poll for jobs waits at the cloud, in seconds (1-300)"},
      {"backoff_initial_ms", ConfigType::Integer, "500",
       "First retry delay after the cloud is unreachable, in milliseconds"},
      {"backoff_max_ms", ConfigType::Integer, "60000",
       "Longest retry delay, in milliseconds (also the pause when the credential is refused)"},
      {"log_level", ConfigType::String, "info", "error, warning, notice, info or debug"},
      {"control_socket", ConfigType::Path, defaultControlSocket(),
       "Unix socket printrelayctl talks to (mode 0660: the service's group may use it); "
       "empty turns it off"},
      {"purge_spooler_jobs", ConfigType::Boolean, "true",
       "Remove each job and its document from CUPS once it ended (CUPS keeps printed "
       "documents for a day unless PreserveJobFiles is No)"},
      {"cups_config_dir", ConfigType::Path, "/etc/cups",
       "CUPS configuration directory, read by diagnose (PreserveJobFiles, RequestRoot)"},
      {"log_buffer_lines", ConfigType::Integer, "1000",
       "Recent log lines kept in memory for printrelayctl logs (0-100000)"},
      {"max_document_mib", ConfigType::Integer, "256",
       "Largest document (sealed size) the agent decrypts into memory to count its pages and "
       "print it, in MiB (1-4096); larger ones fail"},
      {"offline_probe_ms", ConfigType::Integer, "1000",
       "While the cloud is unreachable, how often a cheap request (GET /api/v1/health) checks "
       "whether it is back, ending the retry wait at once, in milliseconds (0 turns it off)"},
  };
}

Config loadConfig(const std::optional<std::string>& path) {
  Config config(configTable(), std::string(kEnvPrefix));
  if (path) {
    config.loadFile(*path, true);
  } else {
    config.loadFile(std::string(kDefaultConfigPath), false);
  }
  config.loadEnvironment();
  return config;
}

Settings settingsFrom(const Config& config) {
  Settings s;
  s.cloudUrl = config.getString("cloud_url");
  s.caFile = config.getString("ca_file");
  s.stateDir = config.getString("state_dir");
  if (s.stateDir.empty()) {
    throw Error("config_invalid", "'state_dir' must not be empty");
  }
  s.printer = config.getString("printer");
  s.cupsServer = config.getString("cups_server");
  s.pollWaitSeconds = static_cast<int>(config.getIntInRange("poll_wait_seconds", 1, 300));
  s.backoffInitial =
      std::chrono::milliseconds(config.getIntInRange("backoff_initial_ms", 1, 3'600'000));
  s.backoffMax = std::chrono::milliseconds(config.getIntInRange("backoff_max_ms", 1, 3'600'000));
  if (s.backoffMax < s.backoffInitial) {
    throw Error("config_invalid", "'backoff_max_ms' must not be smaller than 'backoff_initial_ms'");
  }
  s.logLevel = config.getString("log_level");
  log::parseLevel(s.logLevel); // throws config_invalid for an unknown level
  s.controlSocket = config.getString("control_socket");
  s.purgeSpoolerJobs = config.getBool("purge_spooler_jobs");
  s.cupsConfigDir = config.getString("cups_config_dir");
  s.logBufferLines = static_cast<int>(config.getIntInRange("log_buffer_lines", 0, 100'000));
  s.offlineProbe =
      std::chrono::milliseconds(config.getIntInRange("offline_probe_ms", 0, 3'600'000));
  s.maxDocumentBytes =
      static_cast<std::uint64_t>(config.getIntInRange("max_document_mib", 1, 4096)) * 1024 * 1024;
  return s;
}

} // namespace printrelay::agent
