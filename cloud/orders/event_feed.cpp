#include "cloud/orders/event_feed.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace printrelay::cloud {

std::uint64_t EventFeed::subscribe(Topic topic, const std::string& key, Listener listener) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = nextId_++;
  Key k{topic, key};
  listeners_[k].emplace(id, std::move(listener));
  keys_.emplace(id, std::move(k));
  return id;
}

void EventFeed::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto key = keys_.find(id);
  if (key == keys_.end()) {
    return;
  }
  const auto group = listeners_.find(key->second);
  if (group != listeners_.end()) {
    group->second.erase(id);
    if (group->second.empty()) {
      listeners_.erase(group);
    }
  }
  keys_.erase(key);
}

void EventFeed::publish(Topic topic, const std::string& key) {
  std::vector<Listener> woken;
  {
    std::lock_guard lock(mutex_);
    const auto group = listeners_.find(Key{topic, key});
    if (group == listeners_.end()) {
      return;
    }
    woken.reserve(group->second.size());
    for (const auto& [id, listener] : group->second) {
      woken.push_back(listener);
    }
  }
  for (const auto& listener : woken) {
    listener();
  }
}

void EventFeed::orderChanged(const std::string& orderId, const std::string& storeId,
                             const std::string& customerId) {
  publish(Topic::Order, orderId);
  publish(Topic::Store, storeId);
  publish(Topic::Customer, customerId);
}

std::size_t EventFeed::subscribers() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

void appendAgentEvent(StoreTransaction& tx, const std::string& storeId, const std::string& state,
                      const std::string& dataJson, std::int64_t now) {
  StreamEventRecord event;
  event.kind = "agent";
  event.storeId = storeId;
  event.state = state;
  event.dataJson = dataJson;
  event.at = now;
  tx.appendStreamEvent(event);
}

bool AgentPresence::record(const std::string& storeId, bool online, const std::string& agentId,
                           std::int64_t now) {
  auto tx = store_.begin();
  const auto last = tx->lastAgentPresence(storeId);
  const bool wasOnline = last && last->state == "online";
  if (wasOnline == online && last) {
    return false;
  }
  if (!last && !online) {
    return false; // never online: nothing to say
  }
  nlohmann::json data = nlohmann::json::object();
  if (!agentId.empty()) {
    data["agent_id"] = agentId;
  }
  appendAgentEvent(*tx, storeId, online ? "online" : "offline", data.dump(), now);
  tx->commit();
  return true;
}

void AgentPresence::seen(const std::string& storeId, const std::string& agentId, std::int64_t now) {
  {
    std::lock_guard lock(mutex_);
    const auto known = online_.find(storeId);
    if (known != online_.end() && known->second) {
      return;
    }
  }
  const bool written = record(storeId, true, agentId, now);
  {
    std::lock_guard lock(mutex_);
    online_[storeId] = true;
  }
  if (written) {
    feed_.publish(EventFeed::Topic::Store, storeId);
  }
}

void AgentPresence::sweep(std::int64_t now) {
  std::vector<std::string> candidates;
  {
    std::lock_guard lock(mutex_);
    if (swept_) {
      for (const auto& [storeId, online] : online_) {
        if (online) {
          candidates.push_back(storeId);
        }
      }
    }
  }
  bool everyStore = false;
  {
    std::lock_guard lock(mutex_);
    everyStore = !swept_;
    swept_ = true;
  }
  if (everyStore) {
    auto tx = store_.beginRead();
    for (const auto& shop : tx->listStores()) {
      candidates.push_back(shop.id);
    }
    tx->commit();
  }
  for (const auto& storeId : candidates) {
    std::optional<std::int64_t> lastCall;
    {
      auto tx = store_.beginRead();
      lastCall = tx->lastAgentContact(storeId);
      tx->commit();
    }
    if (lastCall && *lastCall >= now - windowSeconds_) {
      continue;
    }
    const bool written = record(storeId, false, "", now);
    {
      std::lock_guard lock(mutex_);
      online_[storeId] = false;
    }
    if (written) {
      feed_.publish(EventFeed::Topic::Store, storeId);
    }
  }
}

} // namespace printrelay::cloud
