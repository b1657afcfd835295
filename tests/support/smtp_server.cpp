#include "tests/support/smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace printrelay::testing {
namespace {

/// Debian's aiosmtpd lives in the system Python, which may not be first on PATH.
std::filesystem::path systemPython() {
  if (std::filesystem::exists("/usr/bin/python3")) {
    return "/usr/bin/python3";
  }
  return findExecutable("python3");
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

} // namespace

bool SmtpServer::available() {
  const auto r = run({{systemPython().string(), "-c", "import aiosmtpd"}, {}, {}, "aiosmtpd-check"},
                     std::chrono::seconds(30));
  return r.status.success();
}

int SmtpServer::freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

SmtpServer::SmtpServer(Options options) {
  port_ = options.port != 0 ? options.port : freePort();
  ProcessSpec spec;
  spec.argv = {
      systemPython().string(), "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_)};
  if (!options.tlsCert.empty()) {
    spec.argv.insert(spec.argv.end(),
                     {"--tlscert", options.tlsCert.string(), "--tlskey", options.tlsKey.string()});
  }
  spec.argv.insert(spec.argv.end(),
                   {"-c", "aiosmtpd.handlers.Mailbox", (dir_.path() / "maildir").string()});
  spec.outputDir = dir_.path();
  spec.name = "aiosmtpd";
  process_ = std::make_unique<Process>(spec);
  for (int i = 0; i < 300; ++i) {
    if (accepts(port_)) {
      return;
    }
    if (!process_->running()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("aiosmtpd did not start:\n" + process_->report());
}

SmtpServer::~SmtpServer() {
  if (process_) {
    process_->stop(std::chrono::seconds(5));
  }
}

std::vector<std::string> SmtpServer::messages() const {
  return readFilesOldestFirst(dir_.path() / "maildir" / "new");
}

std::vector<std::string> SmtpServer::waitForMessages(std::size_t count,
                                                     std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto got = messages();
    if (got.size() >= count || std::chrono::steady_clock::now() >= deadline) {
      return got;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string mailHeader(const std::string& message, const std::string& name) {
  const std::string headers =
      message.substr(0, message.find("\n\n") == std::string::npos ? message.find("\r\n\r\n")
                                                                  : message.find("\n\n"));
  std::size_t pos = 0;
  while (pos < headers.size()) {
    auto end = headers.find('\n', pos);
    if (end == std::string::npos) {
      end = headers.size();
    }
    std::string line = headers.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.size() > name.size() && line[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), line.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      auto value = line.substr(name.size() + 1);
      value.erase(0, value.find_first_not_of(' '));
      return value;
    }
    pos = end + 1;
  }
  return {};
}

std::string mailBody(const std::string& message) {
  auto split = message.find("\r\n\r\n");
  std::string body = split != std::string::npos ? message.substr(split + 4) : std::string();
  if (split == std::string::npos) {
    split = message.find("\n\n");
    body = split != std::string::npos ? message.substr(split + 2) : std::string();
  }
  std::string te = mailHeader(message, "Content-Transfer-Encoding");
  std::transform(te.begin(), te.end(), te.begin(), ::tolower);
  if (te != "quoted-printable") {
    return body;
  }
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '=' && i + 1 < body.size() && (body[i + 1] == '\r' || body[i + 1] == '\n')) {
      i += body[i + 1] == '\r' ? 2 : 1; // soft line break
    } else if (body[i] == '=' && i + 2 < body.size()) {
      out += static_cast<char>(std::stoi(body.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += body[i];
    }
  }
  return out;
}

} // namespace printrelay::testing
