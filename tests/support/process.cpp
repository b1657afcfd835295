#include "tests/support/process.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace printrelay::testing {
namespace {

using namespace std::chrono_literals;

std::string tailOf(const std::filesystem::path& path, std::size_t bytes) {
  std::string text;
  try {
    text = readFile(path);
  } catch (const std::exception&) {
    return "(unreadable)";
  }
  if (text.size() > bytes) {
    text = "…" + text.substr(text.size() - bytes);
  }
  return text;
}

std::vector<std::string> buildEnvironment(const ProcessSpec& spec) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) {
      merged[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const auto& [key, value] : spec.env) {
    if (value) {
      merged[key] = *value;
    } else {
      merged.erase(key);
    }
  }
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [key, value] : merged) {
    out.push_back(key + "=" + value);
  }
  return out;
}

std::filesystem::path uniquePath(const std::filesystem::path& dir, const std::string& base,
                                 const std::string& ext) {
  auto candidate = dir / (base + ext);
  for (int i = 1; std::filesystem::exists(candidate); ++i) {
    candidate = dir / (base + "-" + std::to_string(i) + ext);
  }
  return candidate;
}

ExitStatus decode(int status) {
  ExitStatus out;
  if (WIFEXITED(status)) {
    out.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  }
  return out;
}

} // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) {
    return std::string("killed by signal ") + std::to_string(signal) + " (" + ::strsignal(signal) +
           ")";
  }
  return "exit " + std::to_string(code);
}

std::filesystem::path findExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return name;
  }
  std::string dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    dirs = path;
  }
  dirs += ":/usr/local/sbin:/usr/sbin:/sbin";
  std::istringstream in(dirs);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) {
      continue;
    }
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate)) {
      return candidate;
    }
  }
  throw std::runtime_error("program '" + name +
                           "' not found on PATH or in /usr/sbin (run scripts/test-deps.sh)");
}

Process::Process(ProcessSpec spec) : argv_(std::move(spec.argv)) {
  if (argv_.empty()) {
    throw std::invalid_argument("Process: empty argv");
  }
  const auto program = findExecutable(argv_[0]);
  name_ = spec.name.empty() ? program.filename().string() : spec.name;
  std::filesystem::path dir = spec.outputDir;
  if (dir.empty()) {
    ownDir_ = std::make_unique<TempDir>("printrelay-proc");
    dir = ownDir_->path();
  }
  stdoutPath_ = uniquePath(dir, name_, ".stdout");
  stderrPath_ = uniquePath(dir, name_, ".stderr");

  const auto envStrings = buildEnvironment(spec);
  std::vector<char*> envp;
  for (const auto& e : envStrings) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const auto& a : argv_) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdoutPath_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, so stop() can take the child's children (cupsd's backends) with it;
  // default signal dispositions and an empty mask whatever the test runner set.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGHUP);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  const int rc = ::posix_spawn(&pid_, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::system_error(rc, std::generic_category(), "posix_spawn " + program.string());
  }
}

Process::~Process() {
  if (pid_ > 0 && !exit_) {
    stop(5s);
  }
}

bool Process::reap(bool block) {
  if (exit_) {
    return true;
  }
  // Look without reaping first: while the child is a zombie its process-group id cannot be
  // reused, so anything it left behind in its group can be killed safely.
  siginfo_t info{};
  int rc = 0;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno == ECHILD) {
    exit_ = ExitStatus{}; // reaped elsewhere (SIGCHLD ignored): the status is lost
    return true;
  }
  if (rc < 0 || info.si_pid != pid_) {
    return false;
  }
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_ = decode(status);
  return true;
}

bool Process::running() {
  return !reap(false);
}

std::optional<ExitStatus> Process::waitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(10ms);
  }
  return exit_;
}

ExitStatus Process::stop(std::chrono::milliseconds grace) {
  if (!reap(false)) {
    ::kill(pid_, SIGTERM);
    if (!waitForExit(grace)) {
      ::kill(-pid_, SIGKILL);
      reap(true);
    }
  }
  return *exit_;
}

void Process::signal(int sig) {
  if (!exit_) {
    ::kill(pid_, sig);
  }
}

std::string Process::stdoutText() const {
  return readFile(stdoutPath_);
}

std::string Process::stderrText() const {
  return readFile(stderrPath_);
}

std::string Process::waitForStdoutLine(const std::regex& pattern,
                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t scanned = 0; // bytes of complete lines already checked
  while (true) {
    const bool exited = !running();
    const std::string text = stdoutText();
    std::size_t newline = 0;
    while ((newline = text.find('\n', scanned)) != std::string::npos) {
      std::string line = text.substr(scanned, newline - scanned);
      scanned = newline + 1;
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (std::regex_search(line, pattern)) {
        return line;
      }
    }
    if (exited) {
      throw std::runtime_error("process exited before printing the expected line: " + report());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("timed out waiting for the expected line: " + report());
    }
    std::this_thread::sleep_for(20ms);
  }
}

std::string Process::report(std::size_t tailBytes) const {
  std::ostringstream out;
  out << name_ << " (pid " << pid_ << ", " << (exit_ ? exit_->describe() : "running") << ")";
  out << "\n  argv:";
  for (const auto& a : argv_) {
    out << ' ' << a;
  }
  out << "\n--- stdout (" << stdoutPath_.string() << ") ---\n" << tailOf(stdoutPath_, tailBytes);
  out << "\n--- stderr (" << stderrPath_.string() << ") ---\n" << tailOf(stderrPath_, tailBytes);
  return out.str();
}

std::string RunResult::describe() const {
  return status.describe() + "\nstdout: " + out + "\nstderr: " + err;
}

RunResult run(ProcessSpec spec, std::chrono::milliseconds timeout) {
  Process process(std::move(spec));
  RunResult result;
  if (auto status = process.waitForExit(timeout)) {
    result.status = *status;
  } else {
    result.status = process.stop(1s);
    result.err = "(timed out after " + std::to_string(timeout.count()) + " ms)\n";
  }
  result.out = process.stdoutText();
  result.err += process.stderrText();
  return result;
}

} // namespace printrelay::testing
