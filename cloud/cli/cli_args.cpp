#include "cloud/cli/cli_args.h"

#include "common/util/text.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace printrelay::cli {

std::optional<std::string> Arguments::option(const std::string& name) const {
  const auto it = options.find(name);
  if (it == options.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Arguments::required(const std::string& name) const {
  auto value = option(name);
  if (!value || value->empty()) {
    throw UsageError("--" + name + " is required");
  }
  return *value;
}

Arguments parseArguments(const std::vector<std::string>& words) {
  static const std::vector<std::string> kValued{
      "cloud", "ca-file", "token", "admin-token", "store", "copies", "media", "sides", "color-mode",
      "seal", "wait", "timeout", "name", "address", "lat", "lon", "content-type", "email", "role",
      "pages", "pages-per-sheet", "orientation", "page-count", "key", "state", "limit", "cursor",
      "reason", "output",
      // shop
      "method", "set", "from", "printer", "hold-by-default", "upload-window", "payment-window",
      "release-window", "retention"};
  static const std::vector<std::string> kFlags{"json", "help", "version", "hold", "fit-to-page",
                                               "force", "wide", "all",
                                               // shop
                                               "follow", "printed", "not-printed", "clear"};
  Arguments args;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      args.words.insert(args.words.end(), words.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        words.end());
      break;
    }
    if (word.rfind("--", 0) != 0 || word.size() == 2) {
      args.words.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (std::find(kFlags.begin(), kFlags.end(), name) != kFlags.end()) {
      if (value) {
        throw UsageError("--" + name + " takes no value");
      }
      args.options[name] = "";
      args.json = args.json || name == "json";
      continue;
    }
    if (std::find(kValued.begin(), kValued.end(), name) == kValued.end()) {
      throw UsageError("unknown option --" + name);
    }
    if (!value) {
      if (i + 1 >= words.size()) {
        throw UsageError("--" + name + " needs a value");
      }
      value = words[++i];
    }
    // --set may be given more than once; its values add up ("a=1" and "b=2": "a=1,b=2").
    if (const auto given = args.options.find(name); name == "set" && given != args.options.end()) {
      given->second += "," + *value;
      continue;
    }
    args.options[name] = *value;
  }
  return args;
}

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::filesystem::path configDir() {
  const std::string xdg = envOr("XDG_CONFIG_HOME", "");
  const std::filesystem::path base = !xdg.empty()
                                         ? std::filesystem::path(xdg)
                                         : std::filesystem::path(envOr("HOME", ".")) / ".config";
  return base / "printrelay";
}

void writePrivateFile(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  ::chmod(file.parent_path().c_str(), 0700);
  const auto tmp = file.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error("io_failed", "cannot write " + tmp + ": " + std::strerror(errno));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error("io_failed", "cannot write " + file.string());
  }
}

long long parseInteger(const std::string& text, const std::string& what, long long min,
                       long long max) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < min || value > max) {
    throw UsageError(what + " must be a whole number between " + std::to_string(min) + " and " +
                     std::to_string(max));
  }
  return value;
}

double parseNumber(const std::string& text, const std::string& what) {
  const auto value = wholeNumber(text);
  if (!value) {
    throw UsageError(what + " must be a number");
  }
  return *value;
}

std::string readPassword(const std::string& prompt, const char* variable) {
  if (const char* env = std::getenv(variable); env != nullptr && *env != '\0') {
    return env;
  }
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  std::getline(std::cin, password);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!password.empty() && password.back() == '\r') {
    password.pop_back();
  }
  if (password.empty()) {
    throw UsageError(std::string("no password given (set ") + variable +
                     " or type it on standard input)");
  }
  return password;
}

} // namespace printrelay::cli
