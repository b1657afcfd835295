#include "cloud/orders/dispatch_hub.h"

namespace printrelay::cloud {

DispatchHub::Slot& DispatchHub::slot(const std::string& storeId) {
  auto& entry = slots_[storeId];
  if (!entry) {
    entry = std::make_unique<Slot>();
  }
  return *entry;
}

std::uint64_t DispatchHub::ticket(const std::string& storeId) {
  std::lock_guard lock(mutex_);
  return slot(storeId).generation;
}

DispatchHub::Wake DispatchHub::wait(const std::string& storeId, std::uint64_t ticket,
                                    std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  Slot& s = slot(storeId);
  ++s.waiting;
  waitersChanged_.notify_all();
  const bool changed =
      s.wake.wait_until(lock, deadline, [&] { return shutdown_ || s.generation != ticket; });
  --s.waiting;
  waitersChanged_.notify_all();
  if (shutdown_) {
    return Wake::Shutdown;
  }
  return changed ? Wake::Notified : Wake::Timeout;
}

void DispatchHub::notify(const std::string& storeId) {
  std::lock_guard lock(mutex_);
  Slot& s = slot(storeId);
  ++s.generation;
  s.wake.notify_all();
}

void DispatchHub::shutdown() {
  std::lock_guard lock(mutex_);
  shutdown_ = true;
  for (auto& [id, s] : slots_) {
    s->wake.notify_all();
  }
  waitersChanged_.notify_all();
}

std::size_t DispatchHub::waiting(const std::string& storeId) {
  std::lock_guard lock(mutex_);
  return slot(storeId).waiting;
}

bool DispatchHub::awaitWaiting(const std::string& storeId, std::size_t count,
                               std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return waitersChanged_.wait_for(lock, timeout, [&] { return slot(storeId).waiting >= count; });
}

} // namespace printrelay::cloud
