#include "cloud/http/event_stream.h"

#include <utility>

namespace printrelay::http {

std::shared_ptr<EventStream> EventStream::create(Options options) {
  return std::make_shared<EventStream>(std::move(options));
}

std::string formatEvent(const SseEvent& event) {
  std::string out;
  if (!event.id.empty()) {
    out += "id: " + event.id + "\n";
  }
  if (!event.event.empty()) {
    out += "event: " + event.event + "\n";
  }
  std::size_t start = 0;
  while (true) {
    auto nl = event.data.find('\n', start);
    out += "data: " + event.data.substr(start, nl - start) + "\n";
    if (nl == std::string::npos) {
      break;
    }
    start = nl + 1;
  }
  out += "\n";
  return out;
}

bool EventStream::push(const SseEvent& event) {
  std::unique_lock lock(mutex_);
  if (closed_) {
    return false;
  }
  if (queued_.size() >= options_.maxQueued) {
    queued_.clear();
    finish(lock); // a consumer this slow is dropped
    return false;
  }
  queued_.push_back(formatEvent(event));
  auto wake = wake_;
  lock.unlock();
  if (wake) {
    wake();
  }
  return true;
}

void EventStream::close() {
  std::unique_lock lock(mutex_);
  if (!closed_) {
    finish(lock);
  }
}

bool EventStream::isOpen() const {
  std::lock_guard lock(mutex_);
  return !closed_;
}

void EventStream::attach(std::function<void()> wake) {
  std::unique_lock lock(mutex_);
  wake_ = std::move(wake);
  bool pending = closed_ || !queued_.empty();
  auto w = wake_;
  lock.unlock();
  if (pending && w) {
    w();
  }
}

std::deque<std::string> EventStream::take(bool& ended) {
  std::lock_guard lock(mutex_);
  ended = closed_;
  return std::exchange(queued_, {});
}

void EventStream::abandon() {
  std::unique_lock lock(mutex_);
  queued_.clear();
  wake_ = nullptr;
  if (!closed_) {
    finish(lock);
  }
}

void EventStream::finish(std::unique_lock<std::mutex>& lock) {
  closed_ = true;
  auto wake = wake_;
  auto onClose = closeNotified_ ? std::function<void()>{} : options_.onClose;
  closeNotified_ = true;
  lock.unlock();
  if (wake) {
    wake();
  }
  if (onClose) {
    onClose();
  }
}

} // namespace printrelay::http
