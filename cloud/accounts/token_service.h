#pragma once

#include "common/util/clock.h"
#include "common/util/encoding.h"

#include <cstdint>
#include <filesystem>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::cloud {

/// The claims of a verified access token.
struct AccessClaims {
  std::string subject;   ///< sub: the user id
  std::string role;      ///< role at issue time (the authenticator trusts the database instead)
  std::string sessionId; ///< sid: the refresh-token family the token belongs to
  std::string tokenId;   ///< jti
  std::int64_t issuedAt = 0;
  std::int64_t notBefore = 0;
  std::int64_t expiresAt = 0;
};

/// One HMAC key of the signing key ring.
struct SigningKey {
  std::string kid;
  Bytes secret; ///< 32 random bytes
  std::int64_t createdAt = 0;
};

/// What the token service is configured with.
struct TokenSettings {
  std::filesystem::path keyFile; ///< the key ring, JSON, mode 0600
  std::string issuer;            ///< iss
  std::string audience;          ///< aud
  std::int64_t accessTtlSeconds = 600;
  std::int64_t keyRotationSeconds = 30 * 86400;
};

/// The only algorithm accepted, and the only one issued.
inline constexpr std::string_view kJwtAlgorithm = "HS256";
/// The header typ of access tokens (RFC 9068).
inline constexpr std::string_view kAccessTokenType = "at+jwt";

/// base64url(HMAC-SHA256(key, signingInput)), the JWS signature of HS256.
std::string hs256Signature(std::span<const std::uint8_t> key, std::string_view signingInput);

/// Issues and verifies JWT access tokens (RFC 7519, following RFC 8725): HS256 only, with a key
/// id (`kid`) from a key ring kept in a file of its own (not in the database). The newest key
/// signs; older keys verify until no token they signed can still be valid, then they are dropped.
/// Header fields that point elsewhere for a key (`jku`, `x5u`, `jwk`, `x5c`) are never read.
/// Thread-safe.
class TokenService {
public:
  /// Loads the key ring (creating it with one key when missing) and rotates it if due.
  TokenService(TokenSettings settings, Clock clock);

  /// A signed access token for `subject` in session `sessionId`; `claims` receives what it says.
  std::string issue(const std::string& subject, const std::string& role,
                    const std::string& sessionId, AccessClaims* claims = nullptr);

  /// Checks signature, alg, typ, kid, iss, aud, exp, nbf, iat, jti, sub and sid. Throws Error
  /// "invalid_token" (or "token_expired") saying which check failed.
  AccessClaims verify(std::string_view token) const;

  /// Adds a new signing key when the newest is older than the rotation period and drops keys no
  /// valid token can use any more; saves the ring when it changed. Returns whether it changed.
  bool rotateIfDue();
  /// Adds a new signing key now (and saves the ring).
  void rotateNow();

  /// The key ids, oldest first; the last one signs.
  std::vector<std::string> keyIds() const;
  const TokenSettings& settings() const { return settings_; }

private:
  void save() const;
  void dropRetired(std::int64_t now);

  TokenSettings settings_;
  Clock clock_;
  mutable std::shared_mutex mutex_;
  std::vector<SigningKey> keys_; ///< oldest first
};

} // namespace printrelay::cloud
