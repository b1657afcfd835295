#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::ctl {

/// Exit statuses of printrelayctl (also in `printrelayctl --help` and printrelayctl(1)).
/// 3 to 8 mean what they mean for printrelay-agent.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,           ///< anything not listed below
  kExitUsage = 2,             ///< bad command line (or an argument the agent refused)
  kExitConfig = 3,            ///< configuration invalid (enroll, local diagnose)
  kExitAlreadyEnrolled = 4,   ///< enroll without --force on an enrolled agent
  kExitNotEnrolled = 5,       ///< the agent's state files are missing or untrusted
  kExitCloudRefused = 6,      ///< the cloud answered with an error (revoked credential, …)
  kExitCloudUnreachable = 7,  ///< the cloud could not be reached
  kExitSpooler = 8,           ///< the print spooler (CUPS) failed or refused
  kExitAgentUnreachable = 9,  ///< the agent is not running or does not answer
  kExitPermission = 10,       ///< not allowed to use the control socket
  kExitNotFound = 11,         ///< no such job, printer or pickup code
  kExitConflict = 12,         ///< not possible in the current state (already printed, busy…)
  kExitCloudUnsupported = 13, ///< the cloud has no such route (an older cloud, a wrong URL)
  kExitDiagnoseFailed = 14,   ///< diagnose: at least one check failed
  kExitBadPickupCode = 15,    ///< release: not a pickup code (six digits); nothing was sent
};

/// The width tables keep to unless --wide: a standard terminal.
inline constexpr std::size_t kTableWidth = 80;

/// `text` cut to `width` characters (UTF-8 aware), ending in "…" when it was longer.
std::string fitted(std::string_view text, std::size_t width);

/// `text` broken at spaces into lines of at most `width` characters (a longer word stands on a
/// line of its own); lines after the first start with `indent` spaces.
std::string wrapped(std::string_view text, std::size_t width = kTableWidth, std::size_t indent = 2);

/// An id for an 80-column table: its prefix and the first 8 characters after the '_'
/// ("job_1a2b3c4d"), which printrelayctl job / cancel / reprint accept as well.
std::string shortId(std::string_view id);

/// "12 min ago" / "in 3 s" / "never", for narrow tables.
std::string renderAge(const nlohmann::json& unixSeconds, std::int64_t now);

/// The exit status for an error code from the agent (or printrelayctl itself). `cloudStatus`
/// is the HTTP status when the error came from the cloud (0: unreachable).
int exitCodeFor(std::string_view code, std::optional<int> cloudStatus = std::nullopt);

/// A column-aligned text table: a header row, then one line per row; columns are separated by
/// two spaces and sized to their widest cell (in characters, not bytes). The last column is
/// not padded.
std::string renderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows);

/// "2024-05-01 16:03:22 (12 min ago)" in local time; "never" for null or 0.
std::string renderTime(const nlohmann::json& unixSeconds, std::int64_t now);

// Human renderings of each command's result ("now" makes relative times testable).
std::string renderStatus(const nlohmann::json& result, std::int64_t now);
std::string renderPrinters(const nlohmann::json& result);
/// The jobs table: within kTableWidth columns (short ids, cut names, relative times) unless
/// `wide`, which shows every id and time in full.
std::string renderJobs(const nlohmann::json& result, std::int64_t now, bool wide = false);
std::string renderJob(const nlohmann::json& result, std::int64_t now);
/// One line per check: "PASS  title — detail", with "      hint: …" below a WARN/FAIL, and a
/// summary line.
std::string renderDiagnose(const nlohmann::json& result);
std::string renderLogs(const nlohmann::json& result);
/// A one-line confirmation for the commands that change something (pause, resume, cancel,
/// reprint, release, test-page, key-rotate).
std::string renderAction(std::string_view command, const nlohmann::json& result);

/// The result for scripts: pretty JSON with a trailing newline.
std::string renderJson(const nlohmann::json& result);
/// An error for scripts: {"error": {"code", "message", "exit_code"}}.
std::string renderJsonError(std::string_view code, std::string_view message, int exitCode);

/// kExitDiagnoseFailed when any check failed, else kExitOk.
int diagnoseExitCode(const nlohmann::json& result);

} // namespace printrelay::ctl
