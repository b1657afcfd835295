#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace printrelay::cloud {

/// How to reach the SMTP server (cloud_config.h fills it from smtp_* keys).
struct SmtpSettings {
  std::string host; ///< empty: no SMTP, mails go to the .eml folder
  int port = 587;
  std::string username;
  std::string password;
  std::string starttls = "auto"; ///< "auto" (when offered), "required" or "never"
  std::string caFile;            ///< CA bundle to verify the server with; empty: system CAs
  std::chrono::seconds timeout{30};
};

/// One e-mail ready to go.
struct OutgoingMail {
  std::string from;
  std::string to;
  std::string subject;
  std::string body; ///< plain text, UTF-8
  std::string html; ///< the same as an HTML document, UTF-8; empty: a plain-text mail
};

/// Delivers e-mail; one backend per file (SMTP, a folder of .eml files). send() throws Error
/// (code "mail_failed") when the mail was not accepted, so the caller can retry later.
class Mailer {
public:
  virtual ~Mailer() = default;
  virtual void send(const OutgoingMail& mail) = 0;
  /// Where mail goes, for the log ("smtp://host:port", "folder /path").
  virtual std::string describe() const = 0;
};

/// Sends over SMTP with Poco::Net, upgrading with STARTTLS as settings.starttls says, and
/// authenticating (only over TLS) when a username is set.
std::unique_ptr<Mailer> makeSmtpMailer(const SmtpSettings& settings);

/// Writes each mail as an RFC 5322 message `<unix time>-<random>.eml` (mode 0600) into `dir`.
std::unique_ptr<Mailer> makeEmlFolderMailer(const std::filesystem::path& dir);

/// The RFC 5322 text of a mail (headers, blank line, body: 7bit when ASCII, else
/// quoted-printable), as both backends send it. A mail with an HTML part is
/// multipart/alternative: the plain text first, then the HTML, each UTF-8.
std::string renderMail(const OutgoingMail& mail);

} // namespace printrelay::cloud
