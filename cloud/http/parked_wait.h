#pragma once

#include "cloud/http/http_types.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace printrelay::http {

/// A request parked until something happens (a long-poll): it costs the server a socket and a
/// few KiB, no thread. Complete it from any thread. Callbacks run on an I/O thread: they must
/// not block.
class ParkedWait {
public:
  struct Options {
    /// How long the client waits at most; then it gets `timeoutResponse`.
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    HttpResponse timeoutResponse = HttpResponse{204, {}, {}, {}, {}};
    /// The client went away while parked (hand an offer back).
    std::function<void()> onCancel;
    /// The server drains: complete the wait soon. Without it the wait gets `timeoutResponse`.
    std::function<void()> onDrain;
  };

  static std::shared_ptr<ParkedWait> create(Options options);

  /// Answers the parked client with `response`. `written(true)` once it is all written,
  /// `written(false)` when it could not be (the producer takes its offer back). Returns false,
  /// and never calls `written`, when the wait is over already (answered, timed out, cancelled).
  bool complete(HttpResponse response, std::function<void(bool written)> written = {});
  /// True until it is answered, timed out or cancelled.
  bool isOpen() const;

  // The server's side.
  struct Completion {
    HttpResponse response;
    std::function<void(bool)> written;
  };
  const Options& options() const { return options_; }
  /// Sets the function that wakes the connection; wakes it at once when already completed.
  void attach(std::function<void()> wake);
  void detach();
  std::optional<Completion> takeCompletion();
  /// Ends an open wait as timed out (true) or cancelled by the client (true; onCancel runs).
  bool expire();
  bool cancel();
  void drain();

  explicit ParkedWait(Options options) : options_(std::move(options)) {}

private:
  enum class State { Open, Completed, Taken, Over };
  Options options_;
  mutable std::mutex mutex_;
  State state_ = State::Open;
  std::optional<Completion> completion_;
  std::function<void()> wake_;
};

} // namespace printrelay::http
