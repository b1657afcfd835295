// State files on POSIX: modes, O_EXCL, fsync and rename (see state_files.h).
#include "agent/identity/state_files.h"
#include "common/util/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace printrelay::agent {
namespace {

[[noreturn]] void throwErrno(const std::string& what, int err) {
  throw Error("state_io_failed", what + ": " + std::strerror(err));
}

/// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }
  /// Closes now, reporting the error close() gives.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

private:
  int fd_;
};

void fsyncDirectory(const std::filesystem::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    throwErrno("cannot open directory " + dir.string(), errno);
  }
  if (::fsync(fd.get()) != 0) {
    throwErrno("cannot sync directory " + dir.string(), errno);
  }
}

} // namespace

void makePrivateDirectory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throwErrno("cannot create state directory " + dir.string(), errno);
  }
}

void writeFileAtomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                     mode_t mode) {
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  const std::filesystem::path temp = temporaryPathFor(path);
  FileDescriptor fd(
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (fd.get() < 0) {
    throwErrno("cannot create " + temp.string(), errno);
  }
  auto fail = [&](const std::string& what) {
    const int err = errno;
    ::unlink(temp.c_str());
    throwErrno(what, err);
  };
  // The umask may have taken bits away, never added them; make the mode exact.
  if (::fchmod(fd.get(), mode) != 0) {
    fail("cannot set the mode of " + temp.string());
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot write " + temp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    fail("cannot sync " + temp.string());
  }
  if (fd.close() != 0) {
    fail("cannot close " + temp.string());
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    fail("cannot rename " + temp.string() + " to " + path.string());
  }
  fsyncDirectory(dir);
}

void makePrivateFile(const std::filesystem::path& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    throwErrno("cannot open " + path.string(), errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throwErrno("cannot stat " + path.string(), errno);
  }
  if ((st.st_mode & 077) != 0 && ::fchmod(fd.get(), st.st_mode & 0700) != 0) {
    throwErrno("cannot set the mode of " + path.string(), errno);
  }
}

std::string readPrivateFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      throw Error("state_missing", path.string() + " does not exist");
    }
    throwErrno("cannot stat " + path.string(), errno);
  }
  if ((st.st_mode & 077) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    throw Error("state_insecure", path.string() + " has mode 0" + mode.str() +
                                      "; it holds a secret and must be 0600 (chmod 600 " +
                                      path.string() + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throwErrno("cannot read " + path.string(), errno);
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

} // namespace printrelay::agent
