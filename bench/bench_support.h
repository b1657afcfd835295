#pragma once

// What the benchmarks share: the process's peak RSS and deterministic test bytes.

#include <cstdint>
#include <span>
#include <sys/resource.h>

namespace printrelay::bench {

/// The process's peak resident set so far, in KiB (getrusage).
inline long peakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/// Deterministic pseudo-random bytes (xorshift64).
inline void fillRandom(std::span<std::uint8_t> out) {
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (auto& b : out) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    b = static_cast<std::uint8_t>(state);
  }
}

} // namespace printrelay::bench
