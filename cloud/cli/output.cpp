#include "cloud/cli/output.h"

#include "common/wire/http_client.h"

#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace printrelay::cli {

void printJson(const nlohmann::json& value) {
  std::cout << value.dump(2) << "\n";
}

void printResult(const Arguments& args, const nlohmann::json& result, const std::string& human) {
  if (args.json) {
    printJson(result);
  } else {
    std::cout << human << "\n";
  }
}

std::string formatTime(std::int64_t unixSeconds) {
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%SZ");
  return out.str();
}

std::string fieldText(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return "-";
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string errorText(const Error& error) {
  if (error.code() == "usage") {
    return "printrelay: " + std::string(error.what());
  }
  return "printrelay: " + std::string(error.what()) + " [" + error.code() + "]";
}

nlohmann::json errorJson(const Error& error) {
  nlohmann::json body{{"code", error.code()}, {"message", error.what()}};
  if (const auto* request = dynamic_cast<const CloudRequestError*>(&error)) {
    if (!request->reason().empty()) {
      body["reason"] = request->reason();
    }
    if (const auto wait = request->retryAfterSeconds()) {
      body["retry_after_seconds"] = *wait;
    }
  }
  return {{"error", body}};
}

} // namespace printrelay::cli
