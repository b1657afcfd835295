#pragma once

#include "agent/control/control_protocol.h"
#include "agent/daemon/agent_config.h"
#include "agent/daemon/daemon_state.h"
#include "agent/spooler/print_backend.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace printrelay::agent {

/// What `diagnose` looks at. Inside the daemon everything is there; printrelayctl's local
/// fallback (agent not running) may lack the credential (not readable) and the daemon state.
struct DiagnoseInput {
  Settings settings;
  /// The device credential; nullopt when it could not be read (credentialProblem says why).
  std::optional<std::string> credential;
  std::string credentialProblem;
  PrintBackend* backend = nullptr;
  /// The daemon's own view (cloud link, pause); nullopt outside the daemon.
  std::optional<DaemonSnapshot> daemon;
  std::size_t outboxPending = 0;
  /// Per-request timeouts for the cloud checks (kept short: diagnose must answer soon).
  std::chrono::seconds connectTimeout{5};
  std::chrono::seconds readTimeout{10};
};

/// Runs every check in order and returns them all (a failing check never stops the others):
///   dns, cloud_reachable, tls_certificate, clock_skew, credential, cloud_link (daemon only),
///   intake (daemon only), cups, printer (the agent's destination), printer:NAME (each
///   destination), disk_space, spool_preserve_job_files, spool_tmpfs.
std::vector<control::Check> runDiagnostics(const DiagnoseInput& input);

/// The parts of a cloud URL ("https://host:port").
struct CloudAddress {
  std::string scheme;
  std::string host; ///< without brackets for IPv6
  int port = 0;
};
/// Splits a base URL; throws Error{"config_invalid"} when it is not scheme://host[:port].
CloudAddress parseCloudAddress(const std::string& url);

/// The check of one destination (exposed for tests): FAIL when it is the agent's printer and
/// cannot print (stopped, not accepting, a blocking reason such as paper out), WARN for the
/// same on another printer and for warnings (toner low), PASS otherwise.
control::Check printerCheck(const PrinterInfo& printer, bool agentsPrinter);

/// The spool checks from what the backend read (exposed for tests).
std::vector<control::Check> spoolChecks(const SpoolSafety& safety, bool purgeSpoolerJobs);

/// Thresholds of the disk space check.
inline constexpr std::uintmax_t kDiskFailBytes = 100ull * 1024 * 1024;
inline constexpr std::uintmax_t kDiskWarnBytes = 1024ull * 1024 * 1024;
/// Clock skew beyond which diagnose warns / fails (leases and TLS depend on the clock).
inline constexpr std::int64_t kSkewWarnSeconds = 60;
inline constexpr std::int64_t kSkewFailSeconds = 300;
/// Certificate lifetime left below which diagnose warns.
inline constexpr int kCertificateWarnDays = 14;

} // namespace printrelay::agent
