#include "cloud/http/exchange.h"

#include "common/util/log.h"

#include <cstring>
#include <utility>

namespace printrelay::http {

std::size_t Exchange::read(char* out, std::size_t max) {
  if (pendingAt_ == pending_.size()) {
    auto chunk = upload->popBlocking();
    if (!chunk) {
      return 0;
    }
    pending_ = std::move(*chunk);
    pendingAt_ = 0;
  }
  auto n = std::min(max, pending_.size() - pendingAt_);
  std::memcpy(out, pending_.data() + pendingAt_, n);
  pendingAt_ += n;
  return n;
}

std::shared_ptr<ChunkPipe> Exchange::publish(Reply reply, bool streamed, std::size_t pipeChunks) {
  std::shared_ptr<ChunkPipe> pipe;
  {
    std::lock_guard lock(mutex_);
    if (streamed && !abandoned_) {
      download_ = pipe = std::make_shared<ChunkPipe>(pipeChunks, wake);
    }
    reply_ = std::move(reply);
  }
  wake();
  return pipe;
}

std::optional<Reply> Exchange::takeReply() {
  std::lock_guard lock(mutex_);
  return std::exchange(reply_, std::nullopt);
}

std::shared_ptr<ChunkPipe> Exchange::downloadPipe() {
  std::lock_guard lock(mutex_);
  return download_;
}

void Exchange::abandon() {
  std::shared_ptr<ChunkPipe> download;
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    download = download_;
  }
  upload->fail(BodyError::Kind::Aborted);
  if (download) {
    download->closeReader();
  }
}

namespace {

Reply callHandler(Exchange& ex, const Handler& handler) {
  try {
    return handler(ex.request, ex);
  } catch (const BodyError& e) {
    if (e.kind() == BodyError::Kind::TooLarge) {
      return HttpResponse::error(413, "payload_too_large", e.what());
    }
    return HttpResponse::error(400, "body_aborted", e.what());
  } catch (const std::exception& e) {
    log::error("[Request " + ex.request.requestId + "] handler failed: " + e.what());
  } catch (...) {
    log::error("[Request " + ex.request.requestId + "] handler failed");
  }
  return HttpResponse::error(500, "internal_error", "internal error");
}

} // namespace

Reply runInline(Exchange& ex, const Handler& handler) {
  Reply reply = callHandler(ex, handler);
  if (auto* r = std::get_if<HttpResponse>(&reply.value()); r && r->provider) {
    log::error("[Request " + ex.request.requestId + "] a non-blocking route streamed its body");
    return HttpResponse::error(500, "internal_error", "internal error");
  }
  return reply;
}

void runHandler(Exchange& ex, const Handler& handler, std::size_t pipeChunks) {
  Reply reply = callHandler(ex, handler);
  ex.upload->closeReader();
  BodyProvider provider;
  if (auto* r = std::get_if<HttpResponse>(&reply.value()); r && r->provider) {
    provider = std::exchange(r->provider, nullptr);
  }
  auto pipe = ex.publish(std::move(reply), static_cast<bool>(provider), pipeChunks);
  if (!pipe) {
    return;
  }
  try {
    while (auto chunk = provider()) {
      if (!chunk->empty() && !pipe->pushBlocking(std::move(*chunk))) {
        return; // the client is gone
      }
    }
    pipe->finish();
  } catch (const std::exception& e) {
    log::error("[Request " + ex.request.requestId + "] response body failed: " + e.what());
    pipe->fail(BodyError::Kind::Aborted);
  }
}

} // namespace printrelay::http
