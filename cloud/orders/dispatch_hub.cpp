#include "cloud/orders/dispatch_hub.h"

#include "common/util/log.h"

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

void DispatchHub::notify(const std::string& storeId) {
  std::lock_guard lock(mutex_);
  Slot& s = slot(storeId);
  ++s.generation;
  if (!s.parked.empty()) {
    dispatcherWake_.notify_all();
  }
}

void DispatchHub::shutdown() {
  std::lock_guard lock(mutex_);
  shutdown_ = true;
  for (auto& [id, s] : slots_) {
    s->parked.clear();
  }
  waitersChanged_.notify_all();
  dispatcherWake_.notify_all();
}

std::size_t DispatchHub::waiting(const std::string& storeId) {
  std::lock_guard lock(mutex_);
  Slot& s = slot(storeId);
  return s.parked.size();
}

bool DispatchHub::awaitWaiting(const std::string& storeId, std::size_t count,
                               std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return waitersChanged_.wait_for(lock, timeout, [&] {
    Slot& s = slot(storeId);
    return s.parked.size() >= count;
  });
}

DispatchHub::~DispatchHub() {
  close();
}

std::uint64_t DispatchHub::park(const std::string& storeId, std::uint64_t ticket,
                                Clock::time_point recheckAt, Clock::time_point deadline,
                                Waiter waiter) {
  std::lock_guard lock(mutex_);
  if (shutdown_ || closing_) {
    return 0;
  }
  startDispatcher();
  const std::uint64_t id = nextParkedId_++;
  slot(storeId).parked.emplace(id, Parked{ticket, recheckAt, deadline, std::move(waiter)});
  waitersChanged_.notify_all();
  dispatcherWake_.notify_all();
  return id;
}

void DispatchHub::unpark(const std::string& storeId, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  if (slot(storeId).parked.erase(id) > 0) {
    waitersChanged_.notify_all();
  }
}

void DispatchHub::post(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  if (closing_) {
    return;
  }
  startDispatcher();
  tasks_.push_back(std::move(task));
  dispatcherWake_.notify_all();
}

void DispatchHub::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    dispatcherWake_.notify_all();
  }
  if (dispatcher_.joinable()) {
    dispatcher_.join();
  }
}

void DispatchHub::startDispatcher() {
  if (!dispatcher_.joinable()) {
    dispatcher_ = std::thread([this] { runDispatcher(); });
  }
}

std::vector<DispatchHub::Due> DispatchHub::takeDue(Clock::time_point now, Clock::time_point& next) {
  std::vector<Due> due;
  next = Clock::time_point::max();
  for (auto& [storeId, s] : slots_) {
    for (auto it = s->parked.begin(); it != s->parked.end();) {
      Parked& p = it->second;
      if (p.deadline <= now) {
        it = s->parked.erase(it);
        waitersChanged_.notify_all();
        continue;
      }
      if (p.ticket != s->generation || p.recheckAt <= now) {
        p.ticket = s->generation; // a notify while it runs makes it run again
        due.push_back({storeId, it->first, std::move(p)});
        it = s->parked.erase(it);
        continue;
      }
      next = std::min({next, p.recheckAt, p.deadline});
      ++it;
    }
  }
  return due;
}

void DispatchHub::runDispatcher() {
  std::unique_lock lock(mutex_);
  while (true) {
    Clock::time_point next;
    std::vector<Due> due = takeDue(Clock::now(), next);
    std::deque<std::function<void()>> tasks;
    tasks.swap(tasks_);
    if (due.empty() && tasks.empty()) {
      if (closing_) {
        return;
      }
      dispatcherWake_.wait_until(lock, next);
      continue;
    }
    lock.unlock();
    for (auto& task : tasks) {
      try {
        task();
      } catch (const std::exception& e) {
        log::error(std::string("dispatch task failed: ") + e.what());
      }
    }
    for (auto& d : due) {
      std::optional<Clock::time_point> again;
      try {
        again = d.parked.waiter();
      } catch (const std::exception& e) {
        log::error("parked poll of store " + d.storeId + " failed: " + e.what());
      }
      if (again) {
        d.parked.recheckAt = *again;
      }
      lock.lock();
      if (again && !shutdown_ && !closing_) {
        slot(d.storeId).parked.emplace(d.id, std::move(d.parked));
      } else {
        waitersChanged_.notify_all();
      }
      lock.unlock();
    }
    lock.lock();
  }
}

} // namespace printrelay::cloud
