#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace printrelay::testing {

/// A TCP proxy in the test process, between a client (the agent) and a server (the cloud), that
/// breaks the link on command: listens on 127.0.0.1 on a free port and forwards every accepted
/// connection to 127.0.0.1:upstreamPort on its own thread. The bytes pass untouched (TLS goes
/// through end to end).
class TcpProxy {
public:
  enum class Mode {
    /// Forward both ways.
    Pass,
    /// Close every open connection (FIN) now, and every new one as soon as it is accepted.
    Drop,
    /// Reset every open connection (RST: SO_LINGER 0) now, and every new one at once.
    Reset,
    /// Forward nothing: open connections stay open but their bytes go nowhere, new ones are
    /// accepted and never connected upstream. A connection black-holed once stays so until its
    /// client gives up, as behind a NAT that lost its state; new ones pass after Pass.
    BlackHole,
  };

  explicit TcpProxy(int upstreamPort);
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;
  ~TcpProxy();

  int port() const { return port_; }
  /// Where new connections are forwarded (the server restarted on another port).
  void setUpstreamPort(int port);
  /// Switches the mode; takes effect on open connections before it returns.
  void setMode(Mode mode);
  Mode mode() const;

  /// Connections accepted so far.
  std::uint64_t accepted() const;
  /// Connections open now (forwarding or black-holed).
  std::size_t openConnections() const;

private:
  void serve();
  void wake() const;

  int listenFd_ = -1;
  int wakeFd_ = -1;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable applied_;
  int upstreamPort_ = 0;
  Mode mode_ = Mode::Pass;
  std::uint64_t modeGeneration_ = 0; // bumped by setMode; the loop acknowledges it
  std::uint64_t appliedGeneration_ = 0;
  std::uint64_t accepted_ = 0;
  std::size_t open_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace printrelay::testing
