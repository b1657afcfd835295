#pragma once

#include "cloud/http/http_types.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace printrelay::http {

/// A bounded queue of body chunks between a connection's coroutine and a worker thread, in
/// either direction. The thread side blocks; the coroutine side polls and is woken by `wake`.
class ChunkPipe {
public:
  ChunkPipe(std::size_t maxChunks, std::function<void()> wake)
      : maxChunks_(maxChunks), wake_(std::move(wake)) {}

  enum class Push { Queued, Full, Closed };
  enum class Pop { Chunk, Empty, End, Failed };

  Push tryPush(std::string& chunk);
  Pop tryPop(std::string& out);
  /// Thread side: waits for room; false when the reader closed the pipe.
  bool pushBlocking(std::string chunk);
  /// Thread side: the next chunk, nullopt at the end; throws BodyError when the pipe failed.
  std::optional<std::string> popBlocking();

  void finish();                  ///< the writer is done
  void fail(BodyError::Kind why); ///< the writer failed
  void closeReader();             ///< the reader wants no more
  bool readerClosed() const;

private:
  void changed(std::unique_lock<std::mutex>& lock);
  const std::size_t maxChunks_;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  bool ended_ = false;
  std::optional<BodyError::Kind> failed_;
  bool readerClosed_ = false;
};

} // namespace printrelay::http
