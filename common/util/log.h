#pragma once

#include <string>
#include <string_view>

namespace printrelay::log {

/// syslog priorities, as journald reads them from a "<N>" line prefix.
enum class Level { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

/// Lines below `level` are dropped. Default: Info.
void setLevel(Level level);
Level level();
/// Parses "error", "warning", "notice", "info", "debug"; throws Error{"config_invalid"}.
Level parseLevel(std::string_view name);

/// Writes one line to stderr. Under journald (JOURNAL_STREAM set) the line carries a "<N>"
/// priority prefix; otherwise a timestamp and level name. Newlines in `message` are escaped so
/// one event is always one line.
void write(Level level, std::string_view message);

inline void error(std::string_view m) {
  write(Level::Error, m);
}
inline void warning(std::string_view m) {
  write(Level::Warning, m);
}
inline void notice(std::string_view m) {
  write(Level::Notice, m);
}
inline void info(std::string_view m) {
  write(Level::Info, m);
}
inline void debug(std::string_view m) {
  write(Level::Debug, m);
}

/// "[Job <id>] message"
void job(Level level, std::string_view jobId, std::string_view message);
/// "[Printer <name>] message"
void printer(Level level, std::string_view printerName, std::string_view message);

} // namespace printrelay::log
