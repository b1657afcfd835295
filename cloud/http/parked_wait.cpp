#include "cloud/http/parked_wait.h"

namespace printrelay::http {

std::shared_ptr<ParkedWait> ParkedWait::create(Options options) {
  return std::make_shared<ParkedWait>(std::move(options));
}

bool ParkedWait::complete(HttpResponse response, std::function<void(bool)> written) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::Open) {
      return false;
    }
    state_ = State::Completed;
    completion_ = Completion{std::move(response), std::move(written)};
    wake = wake_;
  }
  if (wake) {
    wake();
  }
  return true;
}

bool ParkedWait::isOpen() const {
  std::lock_guard lock(mutex_);
  return state_ == State::Open;
}

void ParkedWait::attach(std::function<void()> wake) {
  bool completed = false;
  {
    std::lock_guard lock(mutex_);
    wake_ = wake;
    completed = state_ == State::Completed;
  }
  if (completed && wake) {
    wake();
  }
}

void ParkedWait::detach() {
  std::lock_guard lock(mutex_);
  wake_ = nullptr;
}

std::optional<ParkedWait::Completion> ParkedWait::takeCompletion() {
  std::lock_guard lock(mutex_);
  if (state_ != State::Completed) {
    return std::nullopt;
  }
  state_ = State::Taken;
  auto c = std::move(completion_);
  completion_.reset();
  return c;
}

bool ParkedWait::expire() {
  std::lock_guard lock(mutex_);
  if (state_ != State::Open) {
    return false;
  }
  state_ = State::Over;
  return true;
}

bool ParkedWait::cancel() {
  std::optional<Completion> unwritten;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::Open && state_ != State::Completed) {
      return false;
    }
    if (state_ == State::Completed) {
      unwritten = std::move(completion_); // completed, but the client is gone before the write
      completion_.reset();
    }
    state_ = State::Over;
  }
  if (unwritten) {
    if (unwritten->written) {
      unwritten->written(false);
    }
  } else if (options_.onCancel) {
    options_.onCancel();
  }
  return true;
}

void ParkedWait::drain() {
  if (!isOpen()) {
    return;
  }
  if (options_.onDrain) {
    options_.onDrain();
  } else {
    complete(options_.timeoutResponse);
  }
}

} // namespace printrelay::http
