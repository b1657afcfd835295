#pragma once

// The server's shared state, seen by the listener (server.cpp) and the connections
// (connection.cpp). Internal to cloud/http.

#include "cloud/http/event_stream.h"
#include "cloud/http/parked_wait.h"
#include "cloud/http/server.h"
#include "cloud/http/worker_pool.h"

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace printrelay::http {

namespace asio = boost::asio;

/// What the server can ask of a live connection, from any thread.
class ConnectionControl {
public:
  virtual ~ConnectionControl() = default;
  /// Closes the connection when it waits for a request (draining).
  virtual void closeIfIdle() = 0;
  /// Closes it whatever it does (stopping).
  virtual void closeNow() = 0;
};

struct ServerCore {
  ServerCore(ServerOptions o, Router r);

  ServerOptions options;
  Router router;

  // Counters.
  std::atomic<std::uint64_t> openConnections{0};
  std::atomic<std::uint64_t> connectionsRefused{0};
  std::atomic<std::uint64_t> connectionsTimedOut{0};
  std::array<std::atomic<std::uint64_t>, 600> byStatus{};
  void countStatus(int status) {
    if (status >= 0 && status < 600) {
      byStatus[std::size_t(status)].fetch_add(1, std::memory_order_relaxed);
    }
  }

  /// Admits a connection from `address` under the caps; false: refuse it.
  bool admit(const std::string& address);
  void release(const std::string& address);

  std::atomic<bool> draining{false};
  std::mutex registryMutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<ConnectionControl>> connections;
  std::unordered_map<ParkedWait*, std::weak_ptr<ParkedWait>> parked;
  std::unordered_map<EventStream*, std::weak_ptr<EventStream>> streams;
  /// Holds `item` in `registry` (drain and the metrics find it there) while this lives;
  /// `onLeave` runs first when it goes.
  template <class T> struct Registration {
    ServerCore& core;
    std::unordered_map<T*, std::weak_ptr<T>>& registry;
    T* item;
    void (T::*onLeave)();
    Registration(ServerCore& c, std::unordered_map<T*, std::weak_ptr<T>>& r,
                 const std::shared_ptr<T>& shared, void (T::*leave)())
        : core(c), registry(r), item(shared.get()), onLeave(leave) {
      std::lock_guard lock(core.registryMutex);
      registry[item] = shared;
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() {
      (item->*onLeave)();
      std::lock_guard lock(core.registryMutex);
      registry.erase(item);
    }
  };
  std::uint64_t nextConnectionId = 1;

  std::mutex addressMutex;
  std::unordered_map<std::string, std::size_t> perAddress;
  std::size_t total = 0;

  std::optional<asio::ssl::context> tls;
  WorkerPool pool;
  // Last: destroyed first, so pending coroutines die while the rest still exists.
  asio::io_context io;
  std::vector<asio::ip::tcp::acceptor> acceptors;
  std::vector<std::thread> ioThreads;
  bool stopped = false;
};

/// Runs one accepted and admitted connection (plain or TLS per the options) until it closes;
/// it releases its place under the caps when it goes.
void startConnection(ServerCore& core, asio::ip::tcp::socket socket, const std::string& address);

} // namespace printrelay::http
