#include "cloud/http/chunk_pipe.h"

namespace printrelay::http {

void ChunkPipe::changed(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  cv_.notify_all();
  if (wake_) {
    wake_();
  }
}

ChunkPipe::Push ChunkPipe::tryPush(std::string& chunk) {
  std::unique_lock lock(mutex_);
  if (readerClosed_) {
    return Push::Closed;
  }
  if (chunks_.size() >= maxChunks_) {
    return Push::Full;
  }
  chunks_.push_back(std::move(chunk));
  changed(lock);
  return Push::Queued;
}

ChunkPipe::Pop ChunkPipe::tryPop(std::string& out) {
  std::unique_lock lock(mutex_);
  if (!chunks_.empty()) {
    out = std::move(chunks_.front());
    chunks_.pop_front();
    changed(lock);
    return Pop::Chunk;
  }
  if (failed_) {
    return Pop::Failed;
  }
  return ended_ ? Pop::End : Pop::Empty;
}

bool ChunkPipe::pushBlocking(std::string chunk) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return readerClosed_ || chunks_.size() < maxChunks_; });
  if (readerClosed_) {
    return false;
  }
  chunks_.push_back(std::move(chunk));
  changed(lock);
  return true;
}

std::optional<std::string> ChunkPipe::popBlocking() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return !chunks_.empty() || ended_ || failed_; });
  if (!chunks_.empty()) {
    auto out = std::move(chunks_.front());
    chunks_.pop_front();
    changed(lock);
    return out;
  }
  if (failed_) {
    throw BodyError(*failed_, *failed_ == BodyError::Kind::TooLarge
                                  ? "request body larger than the route allows"
                                  : "request body aborted");
  }
  return std::nullopt;
}

void ChunkPipe::finish() {
  std::unique_lock lock(mutex_);
  ended_ = true;
  changed(lock);
}

void ChunkPipe::fail(BodyError::Kind why) {
  std::unique_lock lock(mutex_);
  if (!ended_ && !failed_) {
    failed_ = why;
  }
  changed(lock);
}

void ChunkPipe::closeReader() {
  std::unique_lock lock(mutex_);
  readerClosed_ = true;
  chunks_.clear();
  changed(lock);
}

bool ChunkPipe::readerClosed() const {
  std::lock_guard lock(mutex_);
  return readerClosed_;
}

} // namespace printrelay::http
