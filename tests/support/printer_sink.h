#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace printrelay::testing {

/// A fake network printer speaking AppSocket/JetDirect (raw TCP, what CUPS's socket:// backend
/// talks): listens on 127.0.0.1 on a free port, accepts connections one after the other on its
/// own thread and keeps the bytes of each as one job once the sender closes its side.
class PrinterSink {
public:
  PrinterSink();
  PrinterSink(const PrinterSink&) = delete;
  PrinterSink& operator=(const PrinterSink&) = delete;
  ~PrinterSink();

  int port() const { return port_; }
  /// "socket://127.0.0.1:PORT", the device URI for a CUPS queue.
  std::string deviceUri() const;

  /// Waits until at least `count` jobs have been received completely.
  bool waitForJobs(std::size_t count, std::chrono::milliseconds timeout) const;
  /// The jobs received so far, in order of arrival.
  std::vector<std::string> jobs() const;
  std::size_t jobCount() const;
  /// Connections currently being received (started but not yet closed by the sender).
  std::size_t connectionsInProgress() const;

  /// Stops taking connections, like a printer that is busy or out of paper: a sender's connect
  /// still succeeds (the kernel queues it) but its bytes are not read, so the spooler's job
  /// stays processing until release().
  void hold();
  /// Takes connections again.
  void release();

  /// Turns the printer off: stops listening, so a sender's connect is refused (CUPS's socket
  /// backend waits and retries) until acceptConnections().
  void refuseConnections();
  /// Listens again on the same port.
  void acceptConnections();

  /// A job as received: its bytes and when its sender closed the connection.
  struct Received {
    std::string bytes;
    std::chrono::steady_clock::time_point at;
  };
  /// The jobs received so far with their arrival times, in order of arrival.
  std::vector<Received> received() const;

private:
  void serve();
  /// Opens the listening socket on port_ (any free port when 0).
  void listenOn();
  void receive(int connection);
  void wake();
  /// Drains the eventfd; true when the thread should stop.
  bool stopRequested();

  int listenFd_ = -1;
  int wakeFd_ = -1; // eventfd: wakes the thread to look at stopping_ and held_
  int port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::string> jobs_;
  std::vector<std::chrono::steady_clock::time_point> jobTimes_;
  std::size_t inProgress_ = 0;
  bool held_ = false;
  bool refused_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace printrelay::testing
