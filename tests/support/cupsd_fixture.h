#pragma once

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <chrono>
#include <cups/ipp.h>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace printrelay::testing {

/// A CUPS job's attributes, each value as ippAttributeString renders it ("copies" → "2",
/// "job-state" → "completed", multi-valued attributes comma-separated).
using IppAttributes = std::map<std::string, std::string>;

struct CupsdOptions {
  /// Keep job documents in the spool after printing as stock CUPS does (PreserveJobFiles
  /// defaults to one day). false writes "PreserveJobFiles No".
  bool preserveJobFiles = true;
  /// cupsd LogLevel.
  std::string logLevel = "debug";
};

/// A private cupsd for one test: its own ServerRoot, spool, cache, state and logs in a temp dir,
/// reachable only through a Unix socket there, started in the foreground as a child process and
/// stopped when the fixture dies. Queues are raw (no PPD, no filters), so a job's bytes reach the
/// device exactly as submitted; point them at a PrinterSink with addQueue().
///
/// Needs cupsd, lpadmin and CUPS's socket backend (Debian packages cups-daemon, cups-client and
/// cups; scripts/test-deps.sh installs them). Run as root, cupsd runs backends as user lp, so
/// the fixture's directory lives where lp can reach it.
class CupsdFixture {
public:
  explicit CupsdFixture(CupsdOptions options = {});
  CupsdFixture(const CupsdFixture&) = delete;
  CupsdFixture& operator=(const CupsdFixture&) = delete;
  ~CupsdFixture();

  /// The Unix socket: pass it to cupsSetServer(), CUPS_SERVER or `lp -h`.
  const std::filesystem::path& socketPath() const { return socketPath_; }
  /// The fixture's directory (configuration, spool, cache, state, logs).
  const std::filesystem::path& root() const { return dir_->path(); }
  /// RequestRoot: where cupsd keeps job control (c*) and document (d*) files.
  std::filesystem::path spoolDir() const { return root() / "spool"; }

  /// Adds an enabled, accepting raw queue (lpadmin -p NAME -v URI -E). Throws on failure.
  void addQueue(const std::string& name, const std::string& deviceUri);

  /// Runs a CUPS client program (lp, lpstat, lpadmin, cancel…) against this cupsd: "-h
  /// <socket>" is put right after the program name.
  RunResult runClient(std::vector<std::string> argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  /// Get-Job-Attributes (all attributes) for one job. Throws if cupsd refuses.
  IppAttributes jobAttributes(int jobId) const;
  /// Get-Jobs (which-jobs=all) for a queue, oldest first.
  std::vector<IppAttributes> jobs(const std::string& queue) const;
  /// Polls until the job's "job-state" is `state` ("completed", "aborted", …) and returns its
  /// attributes; throws with the error log's tail if it is not reached in time.
  IppAttributes waitForJobState(int jobId, const std::string& state,
                                std::chrono::milliseconds timeout) const;

  /// The scheduler's error log (LogLevel debug by default).
  std::string errorLog() const;
  /// The error log's tail and cupsd's own output, for failure messages.
  std::string report() const;

  /// Stops cupsd (SIGTERM, then SIGKILL); the fixture's files stay until it is destroyed.
  void stop();
  /// Kills cupsd at once (SIGKILL), as a crash does: what it had not written to its job
  /// files yet (DirtyCleanInterval) is lost. Its backends keep running, as after a real crash
  /// (a job being sent still reaches the printer); they are killed when the fixture dies.
  void crash();
  /// Starts cupsd again on the same directories and waits until it listens.
  void restart();

private:
  struct IppDelete {
    void operator()(ipp_t* ipp) const { ippDelete(ipp); }
  };
  using IppPtr = std::unique_ptr<ipp_t, IppDelete>;

  void start();
  void waitUntilReady(std::chrono::milliseconds timeout);
  /// Sends `request` (taking it, adding requesting-user-name and requested-attributes=all) and
  /// returns the response; throws unless cupsd answered with success.
  IppPtr send(ipp_t* request, const std::string& what) const;

  std::unique_ptr<TempDir> dir_;
  std::filesystem::path socketPath_;
  std::unique_ptr<Process> cupsd_;
  std::vector<pid_t> crashedGroups_; ///< process groups of crashed cupsds (orphaned backends)
};

} // namespace printrelay::testing
