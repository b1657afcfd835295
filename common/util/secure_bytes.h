#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <openssl/crypto.h>
#include <span>
#include <type_traits>
#include <utility>
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
  /// Constructs in place. A trivial type constructed without a value is left as it is
  /// (default-initialised), so resize() only reserves room that is about to be overwritten:
  /// the library would otherwise write every new byte on its own.
  template <typename U, typename... Args> void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0 && std::is_trivially_default_constructible_v<U>) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }
  template <typename U> bool operator==(const WipingAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

/// Plaintext document bytes held in memory (the agent after decrypting, the cloud while it
/// counts a plaintext upload): wiped when freed.
using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

/// Appends `data` in one copy (the way to fill a SecureBytes: insert() of a range copies byte by
/// byte through the allocator). Growing beyond the capacity moves the buffer like any vector,
/// and the old block is wiped as it is freed; reserve first to avoid that.
inline void appendBytes(SecureBytes& bytes, std::span<const std::uint8_t> data) {
  if (data.empty()) {
    return;
  }
  const std::size_t at = bytes.size();
  bytes.resize(at + data.size());
  std::memcpy(bytes.data() + at, data.data(), data.size());
}

/// Wipes the buffer and empties it: its whole block is freed, and so wiped once, at once
/// (wiping the bytes in use first and the block again when freed would cost two passes).
inline void wipe(SecureBytes& bytes) noexcept {
  SecureBytes().swap(bytes);
}

} // namespace printrelay
