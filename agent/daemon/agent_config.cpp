#include "agent/daemon/agent_config.h"

#include "common/util/error.h"
#include "common/util/log.h"

namespace printrelay::agent {

std::vector<ConfigKey> configTable() {
  return {
      stringKey(
          "cloud_url", "",
          "Base URL of the PrintRelay cloud, https://host[:port] (plain http only to loopback)"),
      pathKey("ca_file", "",
              "PEM CA bundle that signs the cloud's certificate; empty uses the system store"),
      pathKey(
          "state_dir", "/var/lib/printrelay-agent",
          "Directory for the store key, device credential, identity and job journal (mode 0700)"),
      stringKey("printer", "",
                "CUPS destination that prints the jobs; empty uses the CUPS default destination"),
      stringKey("cups_server", "",
                "CUPS server (host[:port] or a Unix socket path); empty uses the CUPS default"),
      integerKey("poll_wait_seconds", 30,
                 "How long one long-poll for jobs waits at the cloud, in seconds (1-300)"),
      integerKey("backoff_initial_ms", 500,
                 "First retry delay after the cloud is unreachable, in milliseconds"),
      integerKey("backoff_max_ms", 5000,
                 "Longest retry delay, in milliseconds: the default brings a shop back within "
                 "seconds of its network returning (the pause while the credential is refused "
                 "is this, at least 60 s)"),
      stringKey("log_level", "info", "error, warning, notice, info or debug"),
      pathKey("control_socket", defaultControlSocket(),
              "Unix socket printrelayctl talks to (mode 0660: the service's group may use it); "
              "empty turns it off"),
      booleanKey("purge_spooler_jobs", true,
                 "Remove each job and its document from CUPS once it ended (CUPS keeps printed "
                 "documents for a day unless PreserveJobFiles is No)"),
      pathKey("cups_config_dir", "/etc/cups",
              "CUPS configuration directory, read by diagnose (PreserveJobFiles, RequestRoot)"),
      integerKey("log_buffer_lines", 1000,
                 "Recent log lines kept in memory for printrelayctl logs (0-100000)"),
      integerKey(
          "max_document_mib", 256,
          "Largest document (sealed size) the agent decrypts into memory to count its pages and "
          "print it, in MiB (1-4096); larger ones fail"),
      integerKey("offline_probe_ms", 1000,
                 "While the cloud is unreachable, how often a cheap request (GET /api/v1/health) "
                 "checks whether it is back, ending the retry wait at once, in milliseconds (0 "
                 "turns it off)"),
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
