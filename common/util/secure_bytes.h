#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <openssl/crypto.h>
#include <vector>

namespace printrelay {

/// An allocator that wipes memory (OPENSSL_cleanse) before giving it back, so a decrypted
/// document leaves no copy in freed heap memory: not when its buffer is dropped, and not when a
/// vector grows and moves to a larger block.
template <typename T> struct WipingAllocator {
  using value_type = T;

  WipingAllocator() noexcept = default;
  template <typename U> WipingAllocator(const WipingAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    ::operator delete(p);
  }
  template <typename U> bool operator==(const WipingAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

/// Plaintext document bytes held in memory (the agent after decrypting, the cloud while it
/// counts a plaintext upload): wiped when freed.
using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

/// Wipes the bytes in use now and empties the buffer (its capacity is wiped again when freed).
inline void wipe(SecureBytes& bytes) noexcept {
  if (!bytes.empty()) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
  }
  bytes.clear();
}

} // namespace printrelay
