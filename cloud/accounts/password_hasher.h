#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace printrelay::cloud {

/// Argon2id cost parameters.
struct Argon2Params {
  std::uint32_t memoryKiB = 19 * 1024; ///< m: 19 MiB (OWASP's minimum for Argon2id)
  std::uint32_t iterations = 2;        ///< t
  std::uint32_t parallelism = 1;       ///< p

  /// The production floor: m >= 19 MiB, t >= 2, p >= 1.
  bool meetsFloor() const { return memoryKiB >= 19 * 1024 && iterations >= 2 && parallelism >= 1; }
};

/// Shortest and longest passwords accepted, in characters (UTF-8 code points). The whole
/// password is always hashed: nothing is truncated.
inline constexpr std::size_t kMinPasswordChars = 8;
inline constexpr std::size_t kMaxPasswordChars = 256;

/// Why a password is not acceptable, or "" when it is (length in code points).
std::string passwordProblem(std::string_view password);

/// Hashes and verifies passwords with Argon2id (libargon2), a fresh 16-byte random salt per hash,
/// stored in the PHC encoded form ("$argon2id$v=19$m=…,t=…,p=…$salt$hash"). Thread-safe.
class PasswordHasher {
public:
  explicit PasswordHasher(Argon2Params params);

  /// The encoded hash of `password`. Throws Error{"hash_failed"}.
  std::string hash(std::string_view password) const;

  /// True when `password` matches `encoded`; false for a mismatch or an unusable encoding.
  bool verify(std::string_view encoded, std::string_view password) const;

  /// Spends the same work as verify() against a hash that matches nothing, so a login for an
  /// unknown account takes as long as one with a wrong password. Always false.
  bool verifyDummy(std::string_view password) const;

  /// How many times verifyDummy() ran (tests check the unknown-account path takes it).
  std::uint64_t dummyVerifications() const { return dummyVerifications_.load(); }
  /// How many Argon2 verifications ran in all, the dummy's included (tests check that a login
  /// for an unknown address and one with a wrong password each cost exactly one).
  std::uint64_t verifications() const { return verifications_.load(); }
  /// The dummy hash, made once at start-up with these parameters.
  const std::string& dummyHash() const { return dummyHash_; }

  const Argon2Params& params() const { return params_; }

private:
  Argon2Params params_;
  std::string dummyHash_;
  mutable std::atomic<std::uint64_t> dummyVerifications_{0};
  mutable std::atomic<std::uint64_t> verifications_{0};
};

} // namespace printrelay::cloud
