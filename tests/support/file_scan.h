#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::testing {

/// The byte strings under which `marker` shows when a document holding it is stored as is,
/// hex-encoded, or base64-encoded at any of the three alignments (the base64 forms are cut to
/// the characters that depend on the marker alone).
std::vector<std::string> markerForms(std::string_view marker);

/// One file that holds one of the needles.
struct Finding {
  std::filesystem::path file;
  std::string needle;
};

/// Reads every regular file under each root (recursively, symlinks not followed; a root that
/// does not exist is skipped) and returns those holding any needle. Unreadable files and
/// directories throw rather than pass unchecked.
std::vector<Finding> findFilesContaining(const std::vector<std::filesystem::path>& roots,
                                         const std::vector<std::string>& needles);

/// "path (needle)" per line, for assertion messages.
std::string describe(const std::vector<Finding>& findings);

} // namespace printrelay::testing
