#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::testing {

/// A fresh directory that is removed, with everything in it, when the object dies; kept (and its
/// path printed to stderr) when the environment variable PRINTRELAY_KEEP_TEST_DIRS is set to
/// anything but "" or "0", so a failed test's files can be read afterwards.
class TempDir {
public:
  /// Creates `<base>/<prefix>-XXXXXX`; `base` defaults to the system temp directory.
  explicit TempDir(std::string_view prefix = "printrelay-test",
                   const std::filesystem::path& base = {});
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view relative) const { return path_ / relative; }

  /// Creates a sub-directory (and its parents) and returns its path.
  std::filesystem::path makeDir(std::string_view relative) const;
  /// Writes `content` to a file below the directory (creating parents) and returns its path.
  std::filesystem::path writeFile(std::string_view relative, std::string_view content) const;

private:
  std::filesystem::path path_;
};

/// True when PRINTRELAY_KEEP_TEST_DIRS asks to keep test directories.
bool keepTestDirs();

/// Reads a whole file; throws std::runtime_error when it cannot be opened.
std::string readFile(const std::filesystem::path& path);

/// The files directly in `dir` whose names end in `extension` (all of them when it is empty), each
/// read whole, oldest first (by modification time, then by name); none when `dir` does not exist.
std::vector<std::string> readFilesOldestFirst(const std::filesystem::path& dir,
                                              std::string_view extension = {});

} // namespace printrelay::testing
