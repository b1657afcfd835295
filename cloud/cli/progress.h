#pragma once

#include <cstdint>
#include <string>

namespace printrelay::cli {

/// An upload's progress on standard error, redrawn in place: "sending [#####.....]  45 %
/// 12.0 of 27.0 MiB" (KiB for a file under 1 MiB). Draws nothing unless `enabled` (standard error
/// is a terminal and the output is not --json).
class ProgressBar {
public:
  ProgressBar(std::uint64_t total, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// `done` bytes of the total are sent.
  void update(std::uint64_t done);

  /// Ends the line (also done by the destructor).
  void finish();

  /// The bar's line for `done` of `total` bytes (without the leading carriage return).
  static std::string line(std::uint64_t done, std::uint64_t total);

  /// Whether standard error is a terminal.
  static bool onTerminal();

private:
  std::uint64_t total_;
  bool enabled_;
  int lastPermille_ = -1;
  bool drawn_ = false;
};

} // namespace printrelay::cli
