#pragma once

#include "cloud/cli/cli_args.h"
#include "common/util/error.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace printrelay::cli {

/// Prints `value` as indented JSON on standard output.
void printJson(const nlohmann::json& value);

/// `result` as JSON with --json, else the sentence `human`, on standard output.
void printResult(const Arguments& args, const nlohmann::json& result, const std::string& human);

/// A Unix time in UTC for people: "2026-11-23 14:05:09Z".
std::string formatTime(std::int64_t unixSeconds);

/// The member `key` of `object` for a table cell: a string as it is, another value as JSON, "-"
/// when it is missing or null.
std::string fieldText(const nlohmann::json& object, const char* key);

/// An error for people on standard error: "printrelay: MESSAGE [CODE]" (no code for a usage
/// error).
std::string errorText(const Error& error);

/// An error for scripts: {"error": {"code", "message"}}, with "reason" (what went wrong on the
/// way to the cloud) and "retry_after_seconds" when the error has them.
nlohmann::json errorJson(const Error& error);

} // namespace printrelay::cli
