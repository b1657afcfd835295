#pragma once

// Text at the Win32 boundary (Windows builds only): the agent works in UTF-8, the W functions
// take UTF-16.

#include <cstdint>
#include <string>
#include <string_view>

namespace printrelay::agent::win32 {

/// UTF-8 to UTF-16 (invalid sequences become U+FFFD).
std::wstring widen(std::string_view text);
/// UTF-16 to UTF-8 (unpaired surrogates become U+FFFD).
std::string narrow(std::wstring_view text);
/// A NUL-terminated UTF-16 string from a fixed buffer (at most `size` characters).
std::string narrow(const wchar_t* text, std::size_t size);
/// The system's message for a Win32 error code, in UTF-8, with its number: "… (error 5)".
std::string errorMessage(std::uint32_t error);

} // namespace printrelay::agent::win32
