#include "cloud/http/server.h"

#include "cloud/http/server_core.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

namespace printrelay::http {
namespace {

using tcp = asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Over a cap: a 503 the client can read, then the socket closes.
asio::awaitable<void> refuse(tcp::socket socket, int retryAfter) {
  static const std::string body =
      R"({"error":{"code":"too_many_connections","message":"too many connections"}})";
  std::string head =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: " + std::to_string(retryAfter) +
      "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(std::chrono::seconds(2));
  timer.async_wait([&socket](boost::system::error_code ec) {
    if (!ec) {
      socket.close(ec);
    }
  });
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(head), kAwait);
  if (!ec) {
    socket.shutdown(tcp::socket::shutdown_send, ec);
    char sink[512];
    while (!ec) {
      auto [readError, got] = co_await socket.async_read_some(asio::buffer(sink), kAwait);
      ec = readError;
    }
  }
  timer.cancel();
  socket.close(ec);
}

void admitOrRefuse(ServerCore& core, tcp::socket socket) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) {
    return;
  }
  auto address = peer.address().to_string();
  if (core.admit(address)) {
    startConnection(core, std::move(socket), address);
    return;
  }
  core.connectionsRefused.fetch_add(1);
  if (!core.tls) { // a TLS handshake only to say no costs more than the refusal is worth
    auto executor = socket.get_executor();
    asio::co_spawn(executor, refuse(std::move(socket), core.options.retryAfterSeconds),
                   asio::detached);
  }
}

asio::awaitable<void> acceptLoop(ServerCore& core, tcp::acceptor& acceptor) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(core.io),
                                                       asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
      co_return;
    }
    if (ec) {
      // Out of descriptors or the like: breathe, then take the next one.
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(20));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    admitOrRefuse(core, std::move(socket));
  }
}

asio::awaitable<void> tickLoop(ServerCore& core) {
  // Ends with the I/O threads (stop() stops the context; its destruction frees this frame).
  asio::steady_timer timer(core.io);
  while (true) {
    timer.expires_after(core.options.tickInterval);
    auto [ec] = co_await timer.async_wait(kAwait);
    if (ec) {
      co_return;
    }
    core.options.onTick();
  }
}

} // namespace

ServerCore::ServerCore(ServerOptions o, Router r)
    : options(std::move(o)), router(std::move(r)),
      pool(options.workerThreads, options.maxQueuedTasks) {}

bool ServerCore::admit(const std::string& address) {
  std::lock_guard lock(addressMutex);
  auto& mine = perAddress[address];
  if (total >= options.maxConnections || mine >= options.maxConnectionsPerAddress) {
    if (mine == 0) {
      perAddress.erase(address);
    }
    return false;
  }
  ++mine;
  ++total;
  return true;
}

void ServerCore::release(const std::string& address) {
  std::lock_guard lock(addressMutex);
  auto it = perAddress.find(address);
  if (it != perAddress.end() && --it->second == 0) {
    perAddress.erase(it);
  }
  --total;
}

struct WorkGuard {
  asio::executor_work_guard<asio::io_context::executor_type> guard;
};

HttpServer::HttpServer(ServerOptions options, Router router)
    : core_(std::make_unique<ServerCore>(std::move(options), std::move(router))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  auto& core = *core_;
  if (core.options.tls) {
    core.tls.emplace(asio::ssl::context::tls_server);
    core.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1);
    try {
      core.tls->use_certificate_chain_file(core.options.tls->certFile);
      core.tls->use_private_key_file(core.options.tls->keyFile, asio::ssl::context::pem);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot load the TLS certificate or key: " + std::string(e.what()));
    }
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(core.options.host, ec);
  if (ec) {
    throw std::runtime_error("bad listen address " + core.options.host);
  }
  tcp::endpoint endpoint(address, core.options.port);
  auto& acceptor = core.acceptors.emplace_back(asio::make_strand(core.io));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::runtime_error("cannot listen on " + core.options.host + ":" +
                             std::to_string(core.options.port) + ": " + ec.message());
  }
  asio::co_spawn(acceptor.get_executor(), acceptLoop(core, acceptor), asio::detached);
  if (core.options.onTick && core.options.tickInterval.count() > 0) {
    asio::co_spawn(core.io, tickLoop(core), asio::detached);
  }
  unsigned threads = core.options.ioThreads;
  if (threads == 0) {
    threads = std::max(1u, std::thread::hardware_concurrency());
  }
  for (unsigned i = 0; i < threads; ++i) {
    core.ioThreads.emplace_back([&core] {
      auto work = asio::make_work_guard(core.io);
      core.io.run();
    });
  }
}

std::uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  if (core_->acceptors.empty()) {
    return 0;
  }
  return core_->acceptors.front().local_endpoint(ec).port();
}

namespace {

void closeAcceptors(ServerCore& core) {
  for (auto& acceptor : core.acceptors) {
    asio::post(acceptor.get_executor(), [&acceptor] {
      boost::system::error_code ec;
      acceptor.close(ec);
    });
  }
}

template <class T> std::vector<std::shared_ptr<T>> live(std::mutex& mutex, auto& registry) {
  std::vector<std::shared_ptr<T>> out;
  std::lock_guard lock(mutex);
  for (auto& [key, weak] : registry) {
    if (auto p = weak.lock()) {
      out.push_back(std::move(p));
    }
  }
  return out;
}

} // namespace

void HttpServer::drain(std::chrono::milliseconds deadline) {
  auto& core = *core_;
  if (core.stopped) {
    return;
  }
  auto until = std::chrono::steady_clock::now() + deadline;
  core.draining = true;
  closeAcceptors(core);
  for (auto& wait : live<ParkedWait>(core.registryMutex, core.parked)) {
    wait->drain();
  }
  for (auto& stream : live<EventStream>(core.registryMutex, core.streams)) {
    stream->close();
  }
  while (std::chrono::steady_clock::now() < until && core.openConnections.load() > 0) {
    for (auto& c : live<ConnectionControl>(core.registryMutex, core.connections)) {
      c->closeIfIdle();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop();
}

void HttpServer::stop() {
  auto& core = *core_;
  if (core.stopped) {
    return;
  }
  core.stopped = true;
  core.draining = true;
  if (!core.ioThreads.empty()) {
    closeAcceptors(core);
    for (auto& c : live<ConnectionControl>(core.registryMutex, core.connections)) {
      c->closeNow();
    }
  }
  // Workers finish once their connections are gone (their pipes fail); then the I/O threads.
  core.pool.stop();
  core.io.stop();
  for (auto& t : core.ioThreads) {
    t.join();
  }
}

ServerMetrics HttpServer::metrics() const {
  auto& core = *core_;
  ServerMetrics m;
  m.openConnections = core.openConnections.load();
  {
    std::lock_guard lock(core.registryMutex);
    m.parkedWaits = core.parked.size();
    m.eventStreams = core.streams.size();
  }
  m.workerQueueDepth = core.pool.queued();
  m.workerBusy = core.pool.busy();
  m.workerThreads = core.pool.threads();
  m.connectionsRefused = core.connectionsRefused.load();
  m.connectionsTimedOut = core.connectionsTimedOut.load();
  for (std::size_t s = 0; s < core.byStatus.size(); ++s) {
    if (auto n = core.byStatus[s].load()) {
      m.requestsByStatus[int(s)] = n;
    }
  }
  return m;
}

} // namespace printrelay::http
