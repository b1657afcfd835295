#pragma once

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace printrelay::testing {

/// A real SMTP server for tests: Debian's python3-aiosmtpd (`python3 -m aiosmtpd`) with its
/// Maildir handler, on 127.0.0.1 and a free port, each message kept as a file. With a
/// certificate it offers STARTTLS and requires it before accepting mail.
class SmtpServer {
public:
  struct Options {
    int port = 0;                  ///< 0: pick a free port
    std::filesystem::path tlsCert; ///< with tlsKey: offer (and require) STARTTLS
    std::filesystem::path tlsKey;
  };

  /// Whether aiosmtpd can run here (tests skip otherwise).
  static bool available();
  /// A TCP port on 127.0.0.1 nothing listens on right now.
  static int freePort();

  explicit SmtpServer(Options options);
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;
  ~SmtpServer();

  int port() const { return port_; }
  /// The raw RFC 5322 text of every message received so far, oldest first.
  std::vector<std::string> messages() const;
  /// Waits until at least `count` messages arrived; returns them (fewer on timeout).
  std::vector<std::string> waitForMessages(std::size_t count,
                                           std::chrono::milliseconds timeout) const;

private:
  TempDir dir_{"printrelay-smtp"};
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

/// The body of a raw message (after the first blank line), with quoted-printable soft breaks
/// and =XX escapes decoded when the message says it is quoted-printable.
std::string mailBody(const std::string& message);

/// The value of a header of a raw message ("" when absent).
std::string mailHeader(const std::string& message, const std::string& name);

} // namespace printrelay::testing
