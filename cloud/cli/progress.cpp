#include "cloud/cli/progress.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace printrelay::cli {
namespace {

/// `bytes` in the unit `total` reads best in: KiB below 1 MiB, else MiB.
std::string amount(std::uint64_t bytes, std::uint64_t total) {
  const double unit = total < 1024 * 1024 ? 1024.0 : 1024.0 * 1024.0;
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(bytes) / unit);
  return text;
}

} // namespace

ProgressBar::ProgressBar(std::uint64_t total, bool enabled) : total_(total), enabled_(enabled) {}

ProgressBar::~ProgressBar() {
  finish();
}

bool ProgressBar::onTerminal() {
  return ::isatty(STDERR_FILENO) != 0;
}

std::string ProgressBar::line(std::uint64_t done, std::uint64_t total) {
  constexpr int kWidth = 30;
  done = std::min(done, total);
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(fraction * kWidth);
  char percent[8];
  std::snprintf(percent, sizeof percent, "%3d %%", static_cast<int>(fraction * 100));
  return "sending [" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] " + percent + "  " +
         amount(done, total) + " of " + amount(total, total) +
         (total < 1024 * 1024 ? " KiB" : " MiB");
}

void ProgressBar::update(std::uint64_t done) {
  if (!enabled_) {
    return;
  }
  const int permille =
      total_ == 0 ? 1000 : static_cast<int>(std::min(done, total_) * 1000 / total_);
  if (permille == lastPermille_) {
    return;
  }
  lastPermille_ = permille;
  drawn_ = true;
  std::cerr << "\r" << line(done, total_) << std::flush;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) {
    std::cerr << "\n" << std::flush;
  }
  drawn_ = false;
  enabled_ = false;
}

} // namespace printrelay::cli
