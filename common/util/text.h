#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay {

// Small text helpers every part needs: lists, durations, media types.

/// The items joined by `separator` ("a, b, c").
std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ");

/// The non-empty items joined by `separator` (empty items leave no doubled separator).
std::string joinedNonEmpty(const std::vector<std::string>& items,
                           std::string_view separator = ", ");

/// A duration for tables and status lines, rounded down to its two largest units: "3 s",
/// "12 min", "2 h 5 min", "3 d 4 h". Negative durations read as 0 s.
std::string humanDuration(std::int64_t seconds);

/// A duration for sentences people read (mail, history notes), in the largest unit that divides
/// it exactly: "1 hour", "36 hours", "7 days", "90 seconds".
std::string spokenDuration(std::int64_t seconds);

/// A wait for sentences people read ("try again in 4 minutes"), rounded up in the unit its
/// size calls for (seconds below 2 minutes, minutes below 2 hours, hours below 2 days, then
/// days) and said in the largest unit that divides the result ("90 seconds", "4 minutes",
/// "1 hour", "3 hours", "2 days"). Never shorter than the real wait; at least "1 second".
std::string waitDuration(std::int64_t seconds);

/// The media type of a Content-Type value, lower-cased, without parameters or white space:
/// "Text/Plain; charset=utf-8" → "text/plain".
std::string mediaTypeOf(std::string_view contentType);

/// The number all of `text` spells, as std::stod reads it ("2.5", "-1e3", " 7"), or nothing
/// when `text` is empty or anything after the number is left over ("2.5x").
std::optional<double> wholeNumber(const std::string& text);

/// `text` in ASCII lower case.
std::string asciiLower(std::string text);

} // namespace printrelay
