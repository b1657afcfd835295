#include "tests/support/file_scan.h"

#include "common/util/encoding.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <functional>

namespace printrelay::testing {

std::vector<std::string> markerForms(std::string_view marker) {
  std::vector<std::string> forms{std::string(marker), hexEncode(asBytes(marker))};
  for (std::size_t align = 0; align < 3; ++align) {
    std::string shifted(align, '\0');
    shifted.append(marker);
    const std::string encoded = base64Encode(asBytes(shifted));
    // Characters before `first` mix in bytes that precede the marker; those from `last` on
    // belong to a group completed by bytes that follow it.
    const std::size_t first = (align * 4 + 2) / 3;
    const std::size_t last = shifted.size() / 3 * 4;
    if (last > first) {
      forms.push_back(encoded.substr(first, last - first));
    }
  }
  return forms;
}

std::vector<Finding> findFilesContaining(const std::vector<std::filesystem::path>& roots,
                                         const std::vector<std::string>& needles) {
  std::vector<Finding> findings;
  for (const auto& root : roots) {
    if (!std::filesystem::exists(root)) {
      continue;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.is_symlink()) {
        continue;
      }
      const std::string content = readFile(entry.path());
      for (const auto& needle : needles) {
        const auto it =
            std::search(content.begin(), content.end(),
                        std::boyer_moore_horspool_searcher(needle.begin(), needle.end()));
        if (it != content.end()) {
          findings.push_back({entry.path(), needle});
          break;
        }
      }
    }
  }
  return findings;
}

std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) {
    out += f.file.string() + " (" + f.needle + ")\n";
  }
  return out;
}

} // namespace printrelay::testing
