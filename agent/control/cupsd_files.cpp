#include "agent/control/cupsd_files.h"

#include "agent/spooler/cups_config_text.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace printrelay::agent {
namespace {

/// Whether a cupsd with this cupsd.conf text serves `cupsServer`.
bool serves(const std::string& conf, const std::string& cupsServer, bool defaultConf) {
  if (cupsServer.empty()) {
    return defaultConf;
  }
  const auto listens = cupsDirectives(conf, "Listen");
  if (cupsServer.front() == '/') {
    for (const auto& l : listens) {
      if (l == cupsServer) {
        return true;
      }
    }
    return false;
  }
  const auto colon = cupsServer.rfind(':');
  const std::string port = colon == std::string::npos ? "631" : cupsServer.substr(colon + 1);
  for (const auto& l : listens) {
    if (l.size() > port.size() && l.ends_with(":" + port)) {
      return true;
    }
  }
  for (const auto& p : cupsDirectives(conf, "Port")) {
    if (p == port) {
      return true;
    }
  }
  return false;
}

} // namespace

std::optional<RunningCupsd> findRunningCupsd(const std::string& cupsServer,
                                             const std::filesystem::path& procRoot) {
  std::error_code ec;
  std::filesystem::directory_iterator it(procRoot, ec);
  if (ec) {
    return std::nullopt;
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto cmdline = readConfigFile(entry.path() / "cmdline");
    if (!cmdline || cmdline->empty()) {
      continue;
    }
    std::vector<std::string> argv;
    std::istringstream parts(*cmdline);
    for (std::string arg; std::getline(parts, arg, '\0');) {
      argv.push_back(arg);
    }
    if (argv.empty() || std::filesystem::path(argv[0]).filename() != "cupsd") {
      continue;
    }
    RunningCupsd found;
    found.pid = std::stoi(name);
    found.cupsdConf = "/etc/cups/cupsd.conf";
    for (std::size_t i = 1; i + 1 < argv.size(); ++i) {
      if (argv[i] == "-c") {
        found.cupsdConf = argv[i + 1];
      } else if (argv[i] == "-s") {
        found.filesConf = argv[i + 1];
      }
    }
    // Relative names are relative to the cupsd's working directory.
    const auto absolute = [&](const std::filesystem::path& p) {
      if (p.is_absolute()) {
        return p;
      }
      std::error_code linkError;
      const auto cwd = std::filesystem::read_symlink(entry.path() / "cwd", linkError);
      return linkError ? p : cwd / p;
    };
    found.cupsdConf = absolute(found.cupsdConf);
    found.filesConf = found.filesConf.empty() ? found.cupsdConf.parent_path() / "cups-files.conf"
                                              : absolute(found.filesConf);
    const auto conf = readConfigFile(found.cupsdConf);
    if (!conf || !serves(*conf, cupsServer, found.cupsdConf == "/etc/cups/cupsd.conf")) {
      continue;
    }
    found.requestRoot = "/var/spool/cups";
    if (const auto files = readConfigFile(found.filesConf)) {
      const auto roots = cupsDirectives(*files, "RequestRoot");
      if (!roots.empty()) {
        found.requestRoot = roots.back();
      }
    }
    return found;
  }
  return std::nullopt;
}

std::optional<bool> onMemoryFilesystem(const std::filesystem::path& dir,
                                       const std::filesystem::path& mounts) {
  const auto table = readConfigFile(mounts);
  if (!table) {
    return std::nullopt;
  }
  std::error_code ec;
  const std::string target = (std::filesystem::exists(dir, ec) ? std::filesystem::canonical(dir, ec)
                                                               : dir.lexically_normal())
                                 .generic_string();
  std::size_t best = 0;
  std::optional<bool> memory;
  std::istringstream lines(*table);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string device;
    std::string point;
    std::string type;
    if (!(fields >> device >> point >> type)) {
      continue;
    }
    const bool holds = target == point || point == "/" ||
                       (target.rfind(point, 0) == 0 && target.size() > point.size() &&
                        target[point.size()] == '/');
    if (holds && point.size() >= best) {
      best = point.size();
      memory = type == "tmpfs" || type == "ramfs";
    }
  }
  return memory;
}

} // namespace printrelay::agent
