#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay::cloud {

// Reading request JSON: every problem is an ApiError 400 naming the field, so a client learns
// exactly what to fix ("malformed_json" for text that is not JSON, "invalid_request" otherwise).

/// Parses a request body that must be a JSON object (an empty body counts as {}).
nlohmann::json parseJsonObject(const std::string& body);

/// Refuses fields other than `allowed` (catches typos such as "lat" for "latitude").
void rejectUnknownFields(const nlohmann::json& object,
                         std::initializer_list<std::string_view> allowed);

/// A required string of 1..maxLength bytes without control characters.
std::string requiredString(const nlohmann::json& object, const std::string& field,
                           std::size_t maxLength);

/// An optional string (empty when absent or null) of at most maxLength bytes without control
/// characters.
std::string optionalString(const nlohmann::json& object, const std::string& field,
                           std::size_t maxLength);

/// How a name field treats the characters common/util/names.h rules out.
enum class NameRule : std::uint8_t {
  Refuse,    ///< 400 invalid_name, naming the character and its position (names typed for
             ///< themselves: account, store, agent; printer names, which must stay exact)
  Neutralise ///< removed or replaced (a name taken from elsewhere: a document's file name)
};

/// A name of at most maxLength bytes under `rule`; empty when absent or null unless `required`
/// (then 400 invalid_request). Whatever the rule, the result holds none of those characters.
std::string nameField(const nlohmann::json& object, const std::string& field, std::size_t maxLength,
                      NameRule rule, bool required);

/// A required number in [min, max].
double requiredNumber(const nlohmann::json& object, const std::string& field, double min,
                      double max);

/// A required whole number in [min, max] (never a float, never a string).
std::int64_t requiredInteger(const nlohmann::json& object, const std::string& field,
                             std::int64_t min, std::int64_t max);

/// Serializes a response; invalid UTF-8 (from stored input) is replaced, never thrown about.
std::string dumpJson(const nlohmann::json& value);

/// The body of an error response: {"error": {"code": …, "message": …}}, with "retry_after"
/// (seconds) in the error when a throttle gives it.
std::string errorBody(std::string_view code, std::string_view message,
                      std::optional<std::int64_t> retryAfter = std::nullopt);

} // namespace printrelay::cloud
