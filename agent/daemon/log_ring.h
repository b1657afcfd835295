#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace printrelay::agent {

/// The agent's most recent log lines, kept in memory for `printrelayctl logs`. Thread-safe;
/// the oldest line goes when a new one would exceed the capacity.
class LogRing {
public:
  /// `capacity` lines (0 keeps nothing).
  explicit LogRing(std::size_t capacity);

  void add(std::string line);
  /// The last `count` lines (fewer when fewer were kept), oldest first.
  std::vector<std::string> last(std::size_t count) const;
  std::size_t capacity() const { return capacity_; }
  /// Lines seen since start, including those that fell out of the ring.
  std::size_t total() const;

private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<std::string> lines_;
  std::size_t total_ = 0;
};

/// Cuts a stream of bytes into log lines for a LogRing: a line ends at '\n' (a '\r' before it
/// is dropped); a runaway line is cut at 64 KiB. What both platforms' StderrCapture share.
class LogLineSplitter {
public:
  explicit LogLineSplitter(LogRing& ring) : ring_(ring) {}
  /// Adds bytes as they arrive; every line they complete goes into the ring.
  void feed(const char* data, std::size_t size);
  /// The stream ended: a last line without '\n' goes into the ring too.
  void finish();

private:
  void add(std::string line);

  LogRing& ring_;
  std::string partial_;
};

/// The log capture thread's loop, the same on every platform: reads the pipe with `readSome`
/// (a byte count; 0 or less at its end) until it ends, passes every byte on to the original
/// standard error with `writeSome` (bytes written; 0 or less when it cannot, and the rest of
/// that piece is dropped) and every line into `ring`.
void pumpCapturedLog(LogRing& ring, const std::function<long long(char*, std::size_t)>& readSome,
                     const std::function<long long(const char*, std::size_t)>& writeSome);

/// Copies everything the process writes to its standard error into a LogRing while it is
/// still written to the original standard error (the service manager's journal). The log
/// functions of common/log write to stderr only; this is the seam until they offer a sink.
/// One capture per process; the original stderr is restored when it dies. The platform file
/// (log_capture_posix.cpp) implements it.
class StderrCapture {
public:
  /// Starts capturing into `ring` (which must outlive the capture). Throws
  /// Error{"log_capture_failed"} when standard error cannot be redirected.
  explicit StderrCapture(LogRing& ring);
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  ~StderrCapture();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace printrelay::agent
