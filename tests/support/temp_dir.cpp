#include "tests/support/temp_dir.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace printrelay::testing {

bool keepTestDirs() {
  const char* keep = std::getenv("PRINTRELAY_KEEP_TEST_DIRS");
  return keep != nullptr && *keep != '\0' && std::string_view(keep) != "0";
}

TempDir::TempDir(std::string_view prefix, const std::filesystem::path& base) {
  const std::filesystem::path parent = base.empty() ? std::filesystem::temp_directory_path() : base;
  std::string pattern = (parent / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (keepTestDirs()) {
    std::cerr << "[printrelay-test] kept " << path_.string() << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) {
    std::cerr << "[printrelay-test] could not remove " << path_.string() << ": " << ec.message()
              << '\n';
  }
}

std::filesystem::path TempDir::makeDir(std::string_view relative) const {
  const auto dir = path_ / relative;
  std::filesystem::create_directories(dir);
  return dir;
}

std::filesystem::path TempDir::writeFile(std::string_view relative,
                                         std::string_view content) const {
  const auto file = path_ / relative;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    throw std::runtime_error("cannot write " + file.string());
  }
  return file;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> readFilesOldestFirst(const std::filesystem::path& dir,
                                              std::string_view extension) {
  std::vector<std::filesystem::path> paths;
  if (std::filesystem::exists(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (extension.empty() || entry.path().extension() == extension) {
        paths.push_back(entry.path());
      }
    }
  }
  std::sort(paths.begin(), paths.end(), [](const auto& a, const auto& b) {
    return std::filesystem::last_write_time(a) < std::filesystem::last_write_time(b) ||
           (std::filesystem::last_write_time(a) == std::filesystem::last_write_time(b) && a < b);
  });
  std::vector<std::string> out;
  for (const auto& path : paths) {
    out.push_back(readFile(path));
  }
  return out;
}

} // namespace printrelay::testing
