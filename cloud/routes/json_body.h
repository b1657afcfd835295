#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
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

/// A required number in [min, max].
double requiredNumber(const nlohmann::json& object, const std::string& field, double min,
                      double max);

/// A required whole number in [min, max] (never a float, never a string).
std::int64_t requiredInteger(const nlohmann::json& object, const std::string& field,
                             std::int64_t min, std::int64_t max);

/// Serializes a response; invalid UTF-8 (from stored input) is replaced, never thrown about.
std::string dumpJson(const nlohmann::json& value);

/// The body of an error response: {"error": {"code": …, "message": …}}.
std::string errorBody(std::string_view code, std::string_view message);

} // namespace printrelay::cloud
