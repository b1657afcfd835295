#pragma once

#include "cloud/storage/store.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace printrelay::cloud {

/// Wakes the live event streams of one node when events they show were written. The events
/// themselves are rows of the store (StreamEventRecord, durable increasing ids); the feed only
/// says "look again after your last id", so a missed or doubled wake loses or repeats nothing.
/// (Several nodes would carry the same wakes over the database's notifications.)
class EventFeed {
public:
  /// What a stream follows.
  enum class Topic : std::uint8_t { Customer, Order, Store };
  /// Runs on the publisher's thread (one that just committed): it must only hand the reading on.
  using Listener = std::function<void()>;

  /// Calls `listener` whenever `publish(topic, key)` runs; returns the id for unsubscribe().
  std::uint64_t subscribe(Topic topic, const std::string& key, Listener listener);
  /// Stops the calls; never blocks for long (safe on an I/O thread). Unknown ids are ignored.
  void unsubscribe(std::uint64_t id);
  /// Wakes the listeners of `key` under `topic`.
  void publish(Topic topic, const std::string& key);
  /// An order's state change was committed: its customer's, its own and its store's streams.
  void orderChanged(const std::string& orderId, const std::string& storeId,
                    const std::string& customerId);
  /// How many streams listen now (a gauge for /metrics).
  std::size_t subscribers() const;

private:
  using Key = std::pair<Topic, std::string>;
  mutable std::mutex mutex_;
  std::map<Key, std::map<std::uint64_t, Listener>> listeners_;
  std::map<std::uint64_t, Key> keys_;
  std::uint64_t nextId_ = 1;
};

/// Whether each store's agent is online, as "agent" events of the feed: "online" when an agent
/// of an offline store calls, "offline" when a sweep finds no call within the window. What it
/// last wrote per store is cached so an agent's calls cost no query while it stays online.
class AgentPresence {
public:
  AgentPresence(Store& store, EventFeed& feed, std::int64_t windowSeconds)
      : store_(store), feed_(feed), windowSeconds_(windowSeconds) {}

  /// An agent of `storeId` called at `now`.
  void seen(const std::string& storeId, const std::string& agentId, std::int64_t now);
  /// Writes "offline" for every store shown online whose agents were all silent for the window.
  /// The first sweep looks at every store (the cache is empty after a restart).
  void sweep(std::int64_t now);

private:
  /// Appends a presence event when it differs from the store's last one; true when written.
  bool record(const std::string& storeId, bool online, const std::string& agentId,
              std::int64_t now);

  Store& store_;
  EventFeed& feed_;
  std::int64_t windowSeconds_;
  std::mutex mutex_;
  std::map<std::string, bool> online_;
  bool swept_ = false;
};

/// Appends an "agent" event of `storeId` in `tx`: `state` is online, offline or printers and
/// `data` a JSON object of what changed. Publish the store after committing.
void appendAgentEvent(StoreTransaction& tx, const std::string& storeId, const std::string& state,
                      const std::string& dataJson, std::int64_t now);

} // namespace printrelay::cloud
