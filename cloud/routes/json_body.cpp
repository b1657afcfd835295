#include "cloud/routes/json_body.h"

#include "cloud/routes/api_error.h"
#include "common/util/names.h"

#include <cmath>

namespace printrelay::cloud {
namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& field, const std::string& why) {
  throw ApiError(400, "invalid_request", "field '" + field + "' " + why);
}

void checkText(const std::string& field, const std::string& value, std::size_t maxLength) {
  if (value.size() > maxLength) {
    invalid(field, "is longer than " + std::to_string(maxLength) + " bytes");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      invalid(field, "must not contain control characters");
    }
  }
}

} // namespace

json parseJsonObject(const std::string& body) {
  if (body.empty()) {
    return json::object();
  }
  json value = json::parse(body, nullptr, false);
  if (value.is_discarded()) {
    throw ApiError(400, "malformed_json", "the request body is not valid JSON");
  }
  if (!value.is_object()) {
    throw ApiError(400, "invalid_request", "the request body must be a JSON object");
  }
  return value;
}

void rejectUnknownFields(const json& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (auto name : allowed) {
      known = known || name == key;
    }
    if (!known) {
      throw ApiError(400, "invalid_request", "unknown field '" + key + "'");
    }
  }
}

std::string requiredString(const json& object, const std::string& field, std::size_t maxLength) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    invalid(field, "is required");
  }
  if (!it->is_string()) {
    invalid(field, "must be a string");
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value.empty()) {
    invalid(field, "must not be empty");
  }
  checkText(field, value, maxLength);
  return value;
}

std::string optionalString(const json& object, const std::string& field, std::size_t maxLength) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    return {};
  }
  if (!it->is_string()) {
    invalid(field, "must be a string");
  }
  const auto& value = it->get_ref<const std::string&>();
  checkText(field, value, maxLength);
  return value;
}

std::string nameField(const json& object, const std::string& field, std::size_t maxLength,
                      NameRule rule, bool required) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    if (required) {
      invalid(field, "is required");
    }
    return {};
  }
  if (!it->is_string()) {
    invalid(field, "must be a string");
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value.empty() && required) {
    invalid(field, "must not be empty");
  }
  if (value.size() > maxLength) {
    invalid(field, "is longer than " + std::to_string(maxLength) + " bytes");
  }
  if (rule == NameRule::Neutralise) {
    return neutralisedName(value);
  }
  if (const auto problem = nameProblem(value); problem) {
    throw ApiError(400, "invalid_name",
                   "field '" + field + "' contains " + problem->describe() +
                       ": names may not hold control, bidirectional or invisible characters");
  }
  return value;
}

double requiredNumber(const json& object, const std::string& field, double min, double max) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    invalid(field, "is required");
  }
  if (!it->is_number()) {
    invalid(field, "must be a number");
  }
  const double value = it->get<double>();
  if (!std::isfinite(value) || value < min || value > max) {
    invalid(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

std::string dumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string errorBody(std::string_view code, std::string_view message,
                      std::optional<std::int64_t> retryAfter) {
  json error{{"code", code}, {"message", message}};
  if (retryAfter) {
    error["retry_after"] = *retryAfter;
  }
  return dumpJson(json{{"error", std::move(error)}});
}

std::int64_t requiredInteger(const json& object, const std::string& field, std::int64_t min,
                             std::int64_t max) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    throw ApiError(400, "invalid_request", "field '" + field + "' is required");
  }
  // JSON reads a non-negative number as unsigned: both bounds apply to it too ("pages": 0 once
  // passed a minimum of 1; found by fuzz_order_body).
  bool inRange = false;
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    inRange = max >= 0 && value <= static_cast<std::uint64_t>(max) &&
              (min <= 0 || value >= static_cast<std::uint64_t>(min));
  } else if (it->is_number_integer()) {
    const auto value = it->get<std::int64_t>();
    inRange = value >= min && value <= max;
  }
  if (!inRange) {
    throw ApiError(400, "invalid_request",
                   "field '" + field + "' must be a whole number from " + std::to_string(min) +
                       " to " + std::to_string(max));
  }
  return it->get<std::int64_t>();
}

} // namespace printrelay::cloud
