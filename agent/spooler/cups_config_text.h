#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Reading CUPS's own configuration files (cupsd.conf, cups-files.conf): what the CUPS backend
// asks about its scheduler and what diagnose asks about the cupsd that runs. Plain text, so it
// builds on every platform.
namespace printrelay::agent {

/// The values of every top-level `name` directive in a CUPS configuration text, in order (the
/// last one is the one cupsd uses). Names compare without case; lines inside <Location>,
/// <Policy> or <Limit> blocks and comments do not count; a value is the rest of its line,
/// trimmed.
std::vector<std::string> cupsDirectives(const std::string& text, const std::string& name);

/// The value cupsd uses for `name` (the last top-level one); nullopt when it is not set.
std::optional<std::string> cupsDirective(const std::string& text, const std::string& name);

/// A small file's whole text, when this process may read it.
std::optional<std::string> readConfigFile(const std::filesystem::path& path);

} // namespace printrelay::agent
