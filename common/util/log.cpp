#include "common/util/log.h"

#include "common/util/error.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace printrelay::log {
namespace {

std::atomic<Level> gLevel{Level::Info};
std::mutex gMutex;

const char* levelName(Level level) {
  switch (level) {
  case Level::Error:
    return "error";
  case Level::Warning:
    return "warning";
  case Level::Notice:
    return "notice";
  case Level::Info:
    return "info";
  case Level::Debug:
    return "debug";
  }
  return "info";
}

std::string escapeLine(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

void setLevel(Level level) {
  gLevel = level;
}
Level level() {
  return gLevel;
}

Level parseLevel(std::string_view name) {
  if (name == "error") {
    return Level::Error;
  }
  if (name == "warning") {
    return Level::Warning;
  }
  if (name == "notice") {
    return Level::Notice;
  }
  if (name == "info") {
    return Level::Info;
  }
  if (name == "debug") {
    return Level::Debug;
  }
  throw Error("config_invalid", "unknown log level '" + std::string(name) + "'");
}

void write(Level lvl, std::string_view message) {
  if (static_cast<int>(lvl) > static_cast<int>(gLevel.load())) {
    return;
  }
  const std::string text = escapeLine(message);
  static const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
  std::lock_guard lock(gMutex);
  if (journald) {
    std::fprintf(stderr, "<%d>%s\n", static_cast<int>(lvl), text.c_str());
  } else {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::fprintf(stderr, "%s %s %s\n", stamp, levelName(lvl), text.c_str());
  }
  std::fflush(stderr);
}

void job(Level lvl, std::string_view jobId, std::string_view message) {
  write(lvl, "[Job " + std::string(jobId) + "] " + std::string(message));
}

void printer(Level lvl, std::string_view printerName, std::string_view message) {
  write(lvl, "[Printer " + std::string(printerName) + "] " + std::string(message));
}

} // namespace printrelay::log
