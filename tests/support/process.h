#pragma once

#include "tests/support/temp_dir.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace printrelay::testing {

/// What to start: the program (argv[0], a path or a name looked up with findExecutable) and its
/// arguments, environment changes over this process's environment, and where output goes.
struct ProcessSpec {
  std::vector<std::string> argv;
  /// Variables to set (a value) or remove (nullopt); everything else is inherited.
  std::map<std::string, std::optional<std::string>> env;
  /// Directory for `<name>.stdout` / `<name>.stderr`; a private temp dir when empty.
  std::filesystem::path outputDir;
  /// Label for file names and messages; defaults to argv[0]'s file name.
  std::string name;
};

/// How a process ended: its exit code, or the signal that killed it.
struct ExitStatus {
  int code = -1;  ///< exit code when exited normally, else -1
  int signal = 0; ///< the terminating signal, else 0

  bool success() const { return signal == 0 && code == 0; }
  std::string describe() const;
};

/// A real child process started with posix_spawn in its own process group, stdin from
/// /dev/null, stdout and stderr captured to files. The destructor stops it (SIGTERM, then
/// SIGKILL to the whole group after a grace period) if it still runs.
class Process {
public:
  explicit Process(ProcessSpec spec);
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  /// Waits until a complete stdout line matches `pattern` and returns that line. Throws
  /// std::runtime_error (with the output so far) on timeout or if the process exits first.
  std::string waitForStdoutLine(const std::regex& pattern, std::chrono::milliseconds timeout);

  /// True while the child has not exited (reaps it when it has).
  bool running();
  /// Waits up to `timeout` for the child to exit; nullopt if it still runs.
  std::optional<ExitStatus> waitForExit(std::chrono::milliseconds timeout);
  /// SIGTERM, then SIGKILL to the process group after `grace`; returns how it ended.
  ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  /// Sends `signal` to the child now (e.g. SIGKILL to simulate a crash).
  void signal(int signal);

  std::string stdoutText() const;
  std::string stderrText() const;
  const std::filesystem::path& stdoutPath() const { return stdoutPath_; }
  const std::filesystem::path& stderrPath() const { return stderrPath_; }

  /// "name (pid N, <status>)\n--- stdout ---\n…\n--- stderr ---\n…" (tails only), for failures.
  std::string report(std::size_t tailBytes = 8192) const;

private:
  bool reap(bool block);

  std::string name_;
  std::vector<std::string> argv_;
  std::unique_ptr<TempDir> ownDir_;
  std::filesystem::path stdoutPath_;
  std::filesystem::path stderrPath_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
};

/// What a finished short-lived command left behind.
struct RunResult {
  ExitStatus status;
  std::string out;
  std::string err;

  /// "exit 1\nstdout: …\nstderr: …", for assertion messages.
  std::string describe() const;
};

/// Runs a command to completion (killing it after `timeout`) and collects its output.
RunResult run(ProcessSpec spec, std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// Finds a program on PATH, then in /usr/local/sbin, /usr/sbin and /sbin (cupsd and lpadmin
/// live there and are often missing from a non-root PATH). Throws when there is none.
std::filesystem::path findExecutable(const std::string& name);

} // namespace printrelay::testing
