// libFuzzer target: the agent's control-socket protocol (agent/control/control_protocol), one
// request or response line as printrelayctl or anything else on the socket sends it.
#include "agent/control/control_protocol.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace printrelay;
using namespace printrelay::agent::control;
using nlohmann::json;

namespace {

/// Equal as they travel: JSON has no infinity, so a number too large for a double (1e999) is
/// read as infinity and written as null; compare what goes on the wire.
bool same(const json& a, const json& b) {
  return a.dump(-1, ' ', false, json::error_handler_t::replace) ==
         b.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool isOneOf(const std::string& code, std::initializer_list<std::string_view> codes) {
  for (const auto c : codes) {
    if (code == c) {
      return true;
    }
  }
  return false;
}

/// The argument helpers a handler calls on "args": each either gives a value that keeps its
/// promise or throws Error invalid_argument.
void checkArguments(const json& args) {
  for (const auto& [name, value] : args.items()) {
    try {
      const std::string s = requireString(args, name);
      PRINTRELAY_FUZZ_CHECK(!s.empty() && value.is_string());
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == codes::kInvalidArgument);
    }
    try {
      const std::string s = optionalString(args, name);
      PRINTRELAY_FUZZ_CHECK(value.is_string() || (value.is_null() && s.empty()));
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == codes::kInvalidArgument);
    }
    try {
      const std::int64_t n = optionalInt(args, name, 20, 1, 1000);
      PRINTRELAY_FUZZ_CHECK(n >= 1 && n <= 1000);
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == codes::kInvalidArgument);
    }
    try {
      const std::string id = requireId(args, name);
      PRINTRELAY_FUZZ_CHECK(!id.empty() && id.size() <= 64);
      PRINTRELAY_FUZZ_CHECK(id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                                                 "VWXYZ0123456789-_") == std::string::npos);
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == codes::kInvalidArgument);
    }
    if (value.is_string()) {
      const auto& reason = value.get_ref<const std::string&>();
      describePrinterReason(reason);
      const std::string severity = reasonSeverity(reason);
      PRINTRELAY_FUZZ_CHECK(severity == "error" || severity == "warning" || severity == "report");
      if (const auto status = parseCheckStatus(reason)) {
        PRINTRELAY_FUZZ_CHECK(toString(*status) == reason);
      }
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);

  // The agent's side: a request line.
  const ParsedRequest parsed = parseRequest(line);
  if (parsed.request) {
    const Request& request = *parsed.request;
    PRINTRELAY_FUZZ_CHECK(isKnownCommand(request.command));
    PRINTRELAY_FUZZ_CHECK(request.args.is_object());
    PRINTRELAY_FUZZ_CHECK(request.id == parsed.id);
    // Request → line → request gives the same request.
    const std::string encoded = encodeRequest(request);
    PRINTRELAY_FUZZ_CHECK(!encoded.empty() && encoded.back() == '\n');
    PRINTRELAY_FUZZ_CHECK(encoded.find('\n') == encoded.size() - 1);
    const ParsedRequest again =
        parseRequest(std::string_view(encoded).substr(0, encoded.size() - 1));
    PRINTRELAY_FUZZ_CHECK(again.request);
    PRINTRELAY_FUZZ_CHECK(again.request->command == request.command);
    PRINTRELAY_FUZZ_CHECK(same(again.request->args, request.args));
    PRINTRELAY_FUZZ_CHECK(same(again.request->id, request.id));
    checkArguments(request.args);
  } else {
    PRINTRELAY_FUZZ_CHECK(
        isOneOf(parsed.failure.code,
                {codes::kBadRequest, codes::kUnsupportedVersion, codes::kUnknownCommand}));
    PRINTRELAY_FUZZ_CHECK(!parsed.failure.message.empty());
    // The refusal travels back as a response line the client can read.
    const Response refusal =
        Response::error(parsed.id, parsed.failure.code, parsed.failure.message);
    const std::string encoded = encodeResponse(refusal);
    const Response read = parseResponse(std::string_view(encoded).substr(0, encoded.size() - 1));
    PRINTRELAY_FUZZ_CHECK(!read.ok && read.failure.code == parsed.failure.code);
  }

  // printrelayctl's side: a response line.
  try {
    const Response response = parseResponse(line);
    const std::string encoded = encodeResponse(response);
    PRINTRELAY_FUZZ_CHECK(encoded.find('\n') == encoded.size() - 1);
    const Response again = parseResponse(std::string_view(encoded).substr(0, encoded.size() - 1));
    PRINTRELAY_FUZZ_CHECK(again.ok == response.ok);
    PRINTRELAY_FUZZ_CHECK(same(again.id, response.id));
    if (response.ok) {
      PRINTRELAY_FUZZ_CHECK(same(again.result, response.result));
      if (response.result.is_object()) {
        if (const auto checks = response.result.find("checks");
            checks != response.result.end() && checks->is_array()) {
          for (const auto& c : *checks) {
            if (c.is_object()) {
              try {
                const Check check = c.get<Check>();
                PRINTRELAY_FUZZ_CHECK(json(check).get<Check>().name == check.name);
              } catch (const json::exception&) {
                // a field of the wrong type: printrelayctl reports a bad response
              }
            }
          }
        }
      }
    } else {
      PRINTRELAY_FUZZ_CHECK(again.failure.code == response.failure.code);
      PRINTRELAY_FUZZ_CHECK(again.failure.message == response.failure.message);
      PRINTRELAY_FUZZ_CHECK(again.failure.cloudStatus == response.failure.cloudStatus);
    }
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(e.code() == "bad_response");
  }
  return 0;
}
