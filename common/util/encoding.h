#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay {

using Bytes = std::vector<std::uint8_t>;

/// Standard base64 (RFC 4648 section 4) with padding.
std::string base64Encode(std::span<const std::uint8_t> data);
/// Decodes standard base64; throws Error{"invalid_base64"} on any malformed input.
Bytes base64Decode(std::string_view text);

/// Base64url without padding (RFC 4648 §5), as JWTs use it.
std::string base64UrlEncode(std::span<const std::uint8_t> data);
/// Strict base64url: only the URL-safe alphabet, no padding, no whitespace, and unused trailing
/// bits must be zero (each byte string has exactly one encoding). nullopt for anything else.
std::optional<Bytes> base64UrlDecode(std::string_view text);

/// Percent-encodes everything but RFC 3986 unreserved characters (ALPHA DIGIT - . _ ~), for
/// an id placed in a URL path segment or query value.
std::string percentEncode(std::string_view text);

/// Lower-case hexadecimal.
std::string hexEncode(std::span<const std::uint8_t> data);
/// Decodes hexadecimal (either case); throws Error{"invalid_hex"} on malformed input.
Bytes hexDecode(std::string_view text);

/// Cryptographically secure random bytes from OpenSSL's DRBG.
Bytes randomBytes(std::size_t count);
/// A random token of `bytes` bytes, encoded as URL-safe base64 without padding.
std::string randomToken(std::size_t bytes = 32);
/// Lower-case hex SHA-256 of the input.
std::string sha256Hex(std::string_view data);
/// Compares two strings in time independent of where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

inline std::span<const std::uint8_t> asBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

} // namespace printrelay
