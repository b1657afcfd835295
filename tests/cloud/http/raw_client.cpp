#include "tests/cloud/http/raw_client.h"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <utility>

namespace printrelay::http::testing {

RawClient::RawClient(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) {
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  }
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    auto err = std::string("connect: ") + std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error(err);
  }
}

RawClient::~RawClient() {
  close();
}

RawClient::RawClient(RawClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

void RawClient::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool RawClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(std::size_t(n));
  }
  return true;
}

bool RawClient::fill() {
  char buf[64 * 1024];
  auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    return false;
  }
  buffer_.append(buf, std::size_t(n));
  return true;
}

RawResponse RawClient::readResponse() {
  RawResponse r;
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) {
      return r;
    }
  }
  std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  auto lineEnd = head.find("\r\n");
  auto statusLine = head.substr(0, lineEnd);
  r.status = std::stoi(statusLine.substr(9, 3));
  std::size_t at = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
  while (at < head.size()) {
    auto next = head.find("\r\n", at);
    if (next == std::string::npos) {
      next = head.size();
    }
    auto line = head.substr(at, next - at);
    auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& c : name) {
      c = char(std::tolower(static_cast<unsigned char>(c)));
    }
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[name] = value;
    at = next + 2;
  }
  if (r.status == 100) {
    return readResponse();
  }
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    auto length = std::stoull(it->second);
    while (buffer_.size() < length && fill()) {
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, std::min<std::size_t>(length, buffer_.size()));
  } else if (r.headers["transfer-encoding"] == "chunked") {
    while (true) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos && fill()) {
      }
      if (eol == std::string::npos) {
        break;
      }
      auto size = std::stoull(buffer_.substr(0, eol), nullptr, 16);
      while (buffer_.size() < eol + 2 + size + 2 && fill()) {
      }
      r.body += buffer_.substr(eol + 2, size);
      buffer_.erase(0, std::min<std::size_t>(buffer_.size(), eol + 2 + size + 2));
      if (size == 0) {
        break;
      }
    }
  }
  return r;
}

RawResponse RawClient::request(std::string_view method, std::string_view target,
                               std::string_view headers, std::string_view body) {
  std::string req = std::string(method) + " " + std::string(target) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(headers);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
  if (!send(req)) {
    return {};
  }
  return readResponse();
}

std::string RawClient::readSome() {
  if (buffer_.empty()) {
    fill();
  }
  return std::exchange(buffer_, {});
}

bool RawClient::waitClosed() {
  char buf[4096];
  while (true) {
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) {
      return true;
    }
    if (n < 0) {
      return errno == ECONNRESET;
    }
  }
}

std::uint64_t raiseFileLimit(std::uint64_t wanted) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min<rlim_t>(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

} // namespace printrelay::http::testing
