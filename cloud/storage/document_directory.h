#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace printrelay::cloud {

/// An open file descriptor, closed when the object dies.
class FileDescriptor {
public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  ~FileDescriptor();

  int get() const { return fd_; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  /// Closes now; throws Error{"io_failed"} when close reports an error.
  void close();

private:
  int fd_;
};

/// The folder of sealed documents (<data_dir>/documents): one file "<order id>.prenv" per
/// uploaded order, holding only ciphertext. Uploads go to a temporary file that is synced and
/// renamed into place only when complete; a failed upload leaves nothing behind.
class DocumentDirectory {
public:
  /// Creates the folder (mode 0700) if needed and removes temporary files a crash left behind.
  explicit DocumentDirectory(std::filesystem::path directory);

  /// A document being written. Destroying it before commit() deletes the temporary file.
  class Upload {
  public:
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;
    ~Upload();

    /// Appends bytes; throws Error{"io_failed"}.
    void write(std::span<const std::uint8_t> bytes);
    std::uint64_t size() const { return size_; }
    /// Syncs the file, renames it to the order's document and syncs the folder.
    void commit();

  private:
    friend class DocumentDirectory;
    Upload(std::filesystem::path tempPath, std::filesystem::path finalPath, FileDescriptor fd);

    std::filesystem::path tempPath_;
    std::filesystem::path finalPath_;
    FileDescriptor fd_;
    std::uint64_t size_ = 0;
    bool committed_ = false;
  };

  /// Starts writing the document of `orderId` (a well-formed id; checked).
  std::unique_ptr<Upload> beginUpload(const std::string& orderId);

  /// Opens the order's document for reading; throws Error{"document_missing"}.
  FileDescriptor open(const std::string& orderId) const;
  /// The document's size in bytes; nullopt when there is none.
  std::optional<std::uint64_t> size(const std::string& orderId) const;
  /// Deletes the order's document if there is one.
  void remove(const std::string& orderId);

  const std::filesystem::path& directory() const { return directory_; }

private:
  std::filesystem::path pathFor(const std::string& orderId) const;

  std::filesystem::path directory_;
};

} // namespace printrelay::cloud
