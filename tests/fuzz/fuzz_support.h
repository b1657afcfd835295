#pragma once

#include "common/crypto/hpke.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace printrelay::fuzz {

/// The store key every envelope seed is sealed to (RFC 9180 DeriveKeyPair of 32 bytes 0x42).
inline const hpke::KeyPair& storeKey() {
  static const hpke::KeyPair key = hpke::KeyPair::derive(Bytes(32, 0x42));
  return key;
}

/// The order id every envelope seed is bound to.
inline constexpr std::string_view kOrderId = "ord_fuzz";

/// Where a target that must go through a file writes it: /dev/shm when there is one (memory; on
/// ext4 a file truncated and written again is flushed to the disk each time), else the temp dir.
inline std::filesystem::path scratchDirectory() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec)) {
    return "/dev/shm";
  }
  return std::filesystem::temp_directory_path();
}

/// Ends the process the way a fuzzer notices, with a message, when an invariant breaks.
[[noreturn]] inline void invariantBroken(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

#define PRINTRELAY_FUZZ_CHECK(cond)                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ::printrelay::fuzz::invariantBroken(#cond);                                                  \
    }                                                                                              \
  } while (false)

} // namespace printrelay::fuzz
