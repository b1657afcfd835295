#pragma once

#include "cloud/http/chunk_pipe.h"
#include "cloud/http/http_types.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace printrelay::http {

/// One request between its connection and the worker running its handler: the head, the body
/// arriving through `upload`, and the reply (with `download` when its body is streamed).
class Exchange : public RequestBody {
public:
  HttpRequest request;
  std::shared_ptr<ChunkPipe> upload;
  std::function<void()> wake; ///< wakes the connection's coroutine

  std::size_t read(char* out, std::size_t max) override;

  /// Worker side: publishes the reply; a streamed body gets its download pipe first.
  /// Returns that pipe (null when the body is in memory or the connection is gone).
  std::shared_ptr<ChunkPipe> publish(Reply reply, bool streamed, std::size_t pipeChunks);
  /// Connection side.
  std::optional<Reply> takeReply();
  std::shared_ptr<ChunkPipe> downloadPipe();
  /// The connection is gone: unblock the worker whatever it waits for.
  void abandon();

private:
  std::mutex mutex_;
  std::optional<Reply> reply_;
  std::shared_ptr<ChunkPipe> download_;
  bool abandoned_ = false;
  std::string pending_;
  std::size_t pendingAt_ = 0;
};

/// Abandons the exchange when the connection's coroutine leaves the request, however it does.
struct ExchangeGuard {
  std::shared_ptr<Exchange> exchange;
  ~ExchangeGuard() { exchange->abandon(); }
};

/// Runs `handler` for the exchange on the calling (worker) thread, then streams the response
/// body from its provider, if any. Exceptions become error responses.
void runHandler(Exchange& exchange, const Handler& handler, std::size_t pipeChunks);
/// Runs a non-blocking route's handler on the calling (I/O) thread; a streamed body is refused.
Reply runInline(Exchange& exchange, const Handler& handler);

} // namespace printrelay::http
