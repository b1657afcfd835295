#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace printrelay::http {

/// One server-sent event. `data` may hold newlines (sent as several data lines).
struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

/// An open text/event-stream response: push events from any thread; the server writes them in
/// order, with heartbeat comments between. A consumer too slow to keep `maxQueued` events
/// pending is dropped.
class EventStream {
public:
  struct Options {
    std::size_t maxQueued = 256;
    /// The stream ended: the client went away, it overflowed, the server drains or close() was
    /// called. Runs once, on an I/O thread or the caller of close(): must not block.
    std::function<void()> onClose;
  };

  static std::shared_ptr<EventStream> create(Options options);

  /// Queues an event; false when the stream is closed or this overflowed it (then it closes).
  bool push(const SseEvent& event);
  /// Ends the stream once what is queued is written.
  void close();
  bool isOpen() const;

  // The server's side.
  /// Sets the function that wakes the connection.
  void attach(std::function<void()> wake);
  /// Takes the formatted events queued; `ended` when nothing more will come.
  std::deque<std::string> take(bool& ended);
  /// The connection is gone: the stream closes without writing more.
  void abandon();

  explicit EventStream(Options options) : options_(std::move(options)) {}

private:
  void finish(std::unique_lock<std::mutex>& lock);
  Options options_;
  mutable std::mutex mutex_;
  std::deque<std::string> queued_;
  bool closed_ = false;
  bool closeNotified_ = false;
  std::function<void()> wake_;
};

/// An event in the wire format: "id: …\nevent: …\ndata: …\n\n".
std::string formatEvent(const SseEvent& event);

} // namespace printrelay::http
