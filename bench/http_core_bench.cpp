// The HTTP core under held connections: N parked long-polls and N event streams open at once,
// the resident set they cost, the latency of a normal request and of "complete a parked wait →
// the client has the answer" while they are held, and requests/s of a small JSON handler on
// keep-alive connections (wrk when installed, else a built-in client).
// Run: build/default/bench/http_core_bench [polls=10000] [streams=10000] [seconds=5]
#include "cloud/http/event_stream.h"
#include "cloud/http/parked_wait.h"
#include "cloud/http/server.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace printrelay::http;
using Clock = std::chrono::steady_clock;

namespace {

long rssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

std::uint64_t raiseFileLimit(std::uint64_t wanted) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  rlimit raised{wanted, std::max<rlim_t>(wanted, limit.rlim_max)};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    limit.rlim_cur = limit.rlim_max; // not allowed to raise the hard limit: take what there is
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

int connectTo(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool sendAll(int fd, const std::string& data) {
  return send(fd, data.data(), data.size(), MSG_NOSIGNAL) == ssize_t(data.size());
}

// Reads one response with a Content-Length body; false on a closed connection.
bool readResponse(int fd, std::string& buffer) {
  char buf[16384];
  while (true) {
    auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      auto cl = buffer.find("Content-Length: ");
      std::size_t length = cl < end ? std::stoul(buffer.substr(cl + 16)) : 0;
      if (buffer.size() >= end + 4 + length) {
        buffer.erase(0, end + 4 + length);
        return true;
      }
    }
    auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(buf, std::size_t(n));
  }
}

struct Percentiles {
  double p50 = 0;
  double p99 = 0;
};

Percentiles percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) {
    return {};
  }
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

double sinceMs(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Requests/s of GET /json on 16 keep-alive connections for `seconds`: wrk when installed.
double throughput(std::uint16_t port, const std::string& path, int seconds, std::string& tool) {
  std::string cmd = "wrk -t2 -c16 -d" + std::to_string(seconds) +
                    "s http://127.0.0.1:" + std::to_string(port) + path + " 2>/dev/null";
  if (std::system("command -v wrk >/dev/null 2>&1") == 0) {
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char line[512];
      double rps = 0;
      while (fgets(line, sizeof line, p)) {
        std::sscanf(line, "Requests/sec: %lf", &rps);
      }
      pclose(p);
      tool = "wrk -t2 -c16";
      return rps;
    }
  }
  tool = "built-in, 16 connections";
  std::atomic<std::uint64_t> done{0};
  auto until = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      int fd = connectTo(port);
      std::string buffer;
      while (Clock::now() < until && sendAll(fd, "GET " + path + " HTTP/1.1\r\nHost: b\r\n\r\n") &&
             readResponse(fd, buffer)) {
        ++done;
      }
      close(fd);
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  return double(done) / seconds;
}

// Reads exactly `n` bytes from a pipe.
bool readPipe(int fd, void* out, std::size_t n) {
  auto* p = static_cast<char*>(out);
  while (n > 0) {
    auto got = read(fd, p, n);
    if (got <= 0) {
      return false;
    }
    p += got;
    n -= std::size_t(got);
  }
  return true;
}

void writePipe(int fd, const void* data, std::size_t n) {
  if (write(fd, data, n) != ssize_t(n)) {
    std::perror("pipe");
  }
}

// The clients, in a child process (its own descriptor limit): connect every poll and stream,
// then, once told to go, time normal requests and completions it asks the parent for.
int runClients(int control, int requests, std::size_t polls, std::size_t streams) {
  std::uint16_t port = 0;
  readPipe(control, &port, sizeof port);
  std::vector<int> pollFds(polls, -1);
  std::vector<int> streamFds;
  for (std::size_t i = 0; i < polls; ++i) {
    pollFds[i] = connectTo(port);
    sendAll(pollFds[i], "GET /poll/" + std::to_string(i) + " HTTP/1.1\r\nHost: b\r\n\r\n");
  }
  for (std::size_t i = 0; i < streams; ++i) {
    int fd = connectTo(port);
    sendAll(fd, "GET /events HTTP/1.1\r\nHost: b\r\n\r\n");
    streamFds.push_back(fd);
  }
  char go = 0;
  readPipe(control, &go, 1); // every one is held now

  std::vector<double> normal;
  int fd = connectTo(port);
  std::string buffer;
  for (int i = 0; i < 2000; ++i) {
    auto t0 = Clock::now();
    sendAll(fd, "GET /json HTTP/1.1\r\nHost: b\r\n\r\n");
    readResponse(fd, buffer);
    normal.push_back(sinceMs(t0));
  }
  close(fd);
  std::vector<double> dispatch;
  std::size_t samples = std::min<std::size_t>(polls, 2000);
  for (std::size_t k = 0; k < samples; ++k) {
    std::uint32_t i = std::uint32_t(k * (polls / samples));
    buffer.clear();
    auto t0 = Clock::now();
    writePipe(requests, &i, sizeof i);
    readResponse(pollFds[i], buffer);
    dispatch.push_back(sinceMs(t0));
    // The agent polls again at once: the count of parked waits stays.
    sendAll(pollFds[i], "GET /poll/" + std::to_string(i) + " HTTP/1.1\r\nHost: b\r\n\r\n");
  }
  auto n = percentiles(normal);
  auto d = percentiles(dispatch);
  std::printf("normal request (GET /json, keep-alive) while held: p50 %.3f ms, p99 %.3f ms\n",
              n.p50, n.p99);
  std::printf("complete a parked wait -> client has the answer: p50 %.3f ms, p99 %.3f ms (%zu "
              "samples; the ask goes through a pipe)\n",
              d.p50, d.p99, samples);
  std::fflush(stdout);
  std::uint32_t done = UINT32_MAX;
  writePipe(requests, &done, sizeof done);
  readPipe(control, &go, 1); // held until the parent is done
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::size_t polls = argc > 1 ? std::stoul(argv[1]) : 10000;
  std::size_t streams = argc > 2 ? std::stoul(argv[2]) : 10000;
  int seconds = argc > 3 ? std::stoi(argv[3]) : 5;
  auto limit = raiseFileLimit(polls + streams + 100);
  if (limit < polls + streams + 100) {
    auto scale = double(limit - 100) / double(polls + streams);
    polls = std::size_t(double(polls) * scale);
    streams = std::size_t(double(streams) * scale);
    std::printf("descriptor limit %llu (the hard limit here): holding %zu polls and %zu streams\n",
                static_cast<unsigned long long>(limit), polls, streams);
  }
  // Fork before any thread exists; the child holds the client ends.
  int control[2];
  int requests[2];
  if (pipe(control) != 0 || pipe(requests) != 0) {
    std::perror("pipe");
    return 1;
  }
  std::fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    close(control[1]);
    close(requests[0]);
    return runClients(control[0], requests[1], polls, streams);
  }
  close(control[0]);
  close(requests[1]);

  std::mutex mutex;
  std::vector<std::shared_ptr<ParkedWait>> waits(polls);
  std::vector<std::shared_ptr<EventStream>> open;
  Router router;
  router.add("GET", "/poll/{i}", [&](HttpRequest& req, RequestBody&) -> Reply {
    auto wait =
        ParkedWait::create({std::chrono::hours(1), HttpResponse{204, {}, {}, {}, {}}, {}, {}});
    std::lock_guard lock(mutex);
    waits[std::stoul(req.params["i"])] = wait;
    return Reply::park(wait);
  });
  router.add("GET", "/events", [&](HttpRequest&, RequestBody&) -> Reply {
    auto stream = EventStream::create({});
    std::lock_guard lock(mutex);
    open.push_back(stream);
    return Reply::stream(stream);
  });
  router.add("GET", "/json", [](HttpRequest&, RequestBody&) -> Reply {
    return HttpResponse::json(
        200, R"({"orders":[{"id":"o-1","state":"queued","pages":3}],"next":null})");
  });
  router.add(
      "GET", "/json-inline",
      [](HttpRequest&, RequestBody&) -> Reply {
        return HttpResponse::json(
            200, R"({"orders":[{"id":"o-1","state":"queued","pages":3}],"next":null})");
      },
      RouteOptions{0, false});
  ServerOptions options;
  options.host = "127.0.0.1";
  options.maxConnections = 1000000;
  options.maxConnectionsPerAddress = 1000000;
  options.workerThreads = 4;
  options.maxQueuedTasks = 4096;
  HttpServer server(options, std::move(router));
  server.start();
  auto port = server.port();
  auto rssBefore = rssKiB();
  writePipe(control[1], &port, sizeof port);
  auto held = [&] { return server.metrics().parkedWaits + server.metrics().eventStreams; };
  auto connectStart = Clock::now();
  while (held() < polls + streams) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto connectMs = sinceMs(connectStart);
  auto rssHeld = rssKiB();
  char go = 1;
  writePipe(control[1], &go, 1);
  std::uint32_t index = 0;
  while (readPipe(requests[0], &index, sizeof index) && index != UINT32_MAX) {
    std::shared_ptr<ParkedWait> wait;
    {
      std::lock_guard lock(mutex);
      wait = waits[index];
    }
    wait->complete(HttpResponse::json(200, R"({"job":"j-)" + std::to_string(index) + R"("})"));
  }
  // One event to every stream.
  auto t0 = Clock::now();
  {
    std::lock_guard lock(mutex);
    for (auto& s : open) {
      s->push({"1", "order", R"({"state":"printing"})"});
    }
  }
  auto fanoutMs = sinceMs(t0);
  std::string tool;
  auto rps = throughput(port, "/json", seconds, tool);
  auto rpsInline = throughput(port, "/json-inline", seconds, tool);

  std::printf("held: %zu parked long-polls + %zu event streams (server counts %llu), all "
              "connected in %.0f ms\n",
              polls, streams, static_cast<unsigned long long>(held()), connectMs);
  std::printf("server RSS: %.1f MiB before, %.1f MiB held (%.2f KiB per held connection)\n",
              rssBefore / 1024.0, rssHeld / 1024.0,
              double(rssHeld - rssBefore) / double(std::max<std::size_t>(1, polls + streams)));
  std::printf("one event pushed to %zu streams in %.1f ms (push side)\n", open.size(), fanoutMs);
  std::printf("GET /json on keep-alive connections while held: %.0f req/s through the worker "
              "pool, %.0f req/s for a non-blocking route (%s, %d s each)\n",
              rps, rpsInline, tool.c_str(), seconds);
  writePipe(control[1], &go, 1);
  int status = 0;
  waitpid(child, &status, 0);
  server.stop();
  return 0;
}
