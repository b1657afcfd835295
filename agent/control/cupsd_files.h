#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace printrelay::agent {

/// The configuration files of a running cupsd and the spool (RequestRoot) they give it.
struct RunningCupsd {
  int pid = 0;
  std::filesystem::path cupsdConf;   ///< its -c file (default /etc/cups/cupsd.conf)
  std::filesystem::path filesConf;   ///< its -s file (default: cups-files.conf beside cupsdConf)
  std::filesystem::path requestRoot; ///< RequestRoot of filesConf (default /var/spool/cups)
};

/// The running cupsd that serves `cupsServer` (cups_server: a socket path, host[:port], or empty
/// for the default scheduler), told from each cupsd's command line under `procRoot` and the
/// Listen / Port lines of its cupsd.conf; nothing when none is found (no /proc, not readable).
std::optional<RunningCupsd> findRunningCupsd(const std::string& cupsServer,
                                             const std::filesystem::path& procRoot = "/proc");

/// Whether `dir` lives on a tmpfs or ramfs, from the mount table `mounts` (/proc/self/mounts
/// format: the longest mount point that holds `dir` decides); nothing when it cannot be read.
std::optional<bool> onMemoryFilesystem(const std::filesystem::path& dir,
                                       const std::filesystem::path& mounts = "/proc/self/mounts");

} // namespace printrelay::agent
