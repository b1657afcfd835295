// The out-of-the-box mail backend: each mail becomes an .eml file in a folder.
#include "cloud/mail/mailer.h"
#include "common/util/clock.h"
#include "common/util/encoding.h"
#include "common/util/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace printrelay::cloud {
namespace {

class EmlFolderMailer : public Mailer {
public:
  explicit EmlFolderMailer(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
  }

  void send(const OutgoingMail& mail) override {
    const std::string text = renderMail(mail);
    const std::string name = std::to_string(systemNow()) + "-" + hexEncode(randomBytes(6));
    const auto tmp = dir_ / ("." + name + ".tmp");
    const auto final = dir_ / (name + ".eml");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw Error("mail_failed", "cannot create " + tmp.string() + ": " + std::strerror(errno));
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), final.c_str()) != 0) {
      ::unlink(tmp.c_str());
      throw Error("mail_failed", "cannot write " + final.string());
    }
  }

  std::string describe() const override { return "the folder " + dir_.string(); }

private:
  std::filesystem::path dir_;
};

} // namespace

std::unique_ptr<Mailer> makeEmlFolderMailer(const std::filesystem::path& dir) {
  return std::make_unique<EmlFolderMailer>(dir);
}

} // namespace printrelay::cloud
