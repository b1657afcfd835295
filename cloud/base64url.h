#pragma once

#include "common/encoding.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace printrelay::cloud {

/// Base64url without padding (RFC 4648 §5), as JWTs use it.
std::string base64UrlEncode(std::span<const std::uint8_t> data);

/// Strict decoding: only the URL-safe alphabet, no padding, no whitespace, and unused trailing
/// bits must be zero (so each byte string has exactly one encoding). nullopt for anything else.
std::optional<Bytes> base64UrlDecode(std::string_view text);

} // namespace printrelay::cloud
