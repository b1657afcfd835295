#include "cloud/storage/document_directory.h"

#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace printrelay::cloud {
namespace {

constexpr std::string_view kSuffix = ".prenv";
constexpr std::string_view kTempPrefix = ".upload-";

[[noreturn]] void ioFailed(const std::string& what) {
  throw Error("io_failed", what + ": " + std::strerror(errno));
}

void syncDirectory(const std::filesystem::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    ioFailed("cannot sync " + dir.string());
  }
}

} // namespace

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.release();
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void FileDescriptor::close() {
  const int fd = release();
  if (fd >= 0 && ::close(fd) != 0) {
    ioFailed("close failed");
  }
}

DocumentDirectory::DocumentDirectory(std::filesystem::path directory)
    : directory_(std::move(directory)) {
  std::filesystem::create_directories(directory_);
  std::filesystem::permissions(directory_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
    if (entry.path().filename().string().rfind(kTempPrefix, 0) == 0) {
      std::error_code ec;
      std::filesystem::remove(entry.path(), ec);
      log::notice("removed an unfinished upload: " + entry.path().string());
    }
  }
}

std::filesystem::path DocumentDirectory::pathFor(const std::string& orderId) const {
  if (!isWellFormedId(orderId)) {
    throw Error("invalid_id", "not a well-formed order id");
  }
  return directory_ / (orderId + std::string(kSuffix));
}

std::unique_ptr<DocumentDirectory::Upload>
DocumentDirectory::beginUpload(const std::string& orderId) {
  const auto finalPath = pathFor(orderId);
  const auto tempPath =
      directory_ / (std::string(kTempPrefix) + orderId + "-" + hexEncode(randomBytes(8)));
  FileDescriptor fd(
      ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    ioFailed("cannot create " + tempPath.string());
  }
  return std::unique_ptr<Upload>(new Upload(tempPath, finalPath, std::move(fd)));
}

DocumentDirectory::Upload::Upload(std::filesystem::path tempPath, std::filesystem::path finalPath,
                                  FileDescriptor fd)
    : tempPath_(std::move(tempPath)), finalPath_(std::move(finalPath)), fd_(std::move(fd)) {}

DocumentDirectory::Upload::~Upload() {
  if (!committed_) {
    fd_ = FileDescriptor();
    ::unlink(tempPath_.c_str());
  }
}

void DocumentDirectory::Upload::write(std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      ioFailed("cannot write " + tempPath_.string());
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
}

void DocumentDirectory::Upload::commit() {
  if (::fsync(fd_.get()) != 0) {
    ioFailed("cannot sync " + tempPath_.string());
  }
  fd_.close();
  if (::rename(tempPath_.c_str(), finalPath_.c_str()) != 0) {
    ioFailed("cannot rename " + tempPath_.string());
  }
  committed_ = true;
  syncDirectory(finalPath_.parent_path());
}

FileDescriptor DocumentDirectory::open(const std::string& orderId) const {
  const auto path = pathFor(orderId);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    throw Error("document_missing", "no stored document for order " + orderId);
  }
  return fd;
}

std::optional<std::uint64_t> DocumentDirectory::size(const std::string& orderId) const {
  struct stat st {};
  if (::stat(pathFor(orderId).c_str(), &st) != 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(st.st_size);
}

void DocumentDirectory::remove(const std::string& orderId) {
  ::unlink(pathFor(orderId).c_str());
}

} // namespace printrelay::cloud
