// libFuzzer target: reading CUPS's configuration text (agent/spooler/cups_config_text), as the
// agent reads cupsd.conf and cups-files.conf from the scheduler or the disk.
#include "agent/spooler/cups_config_text.h"
#include "tests/fuzz/fuzz_support.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

using namespace printrelay;

namespace {

std::string upper(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

void checkName(const std::string& text, const std::string& name) {
  const auto values = agent::cupsDirectives(text, name);
  for (const auto& value : values) {
    // A value is the rest of one line, trimmed, never empty.
    PRINTRELAY_FUZZ_CHECK(!value.empty());
    PRINTRELAY_FUZZ_CHECK(value.find('\n') == std::string::npos);
    PRINTRELAY_FUZZ_CHECK(value.front() != ' ' && value.front() != '\t');
    PRINTRELAY_FUZZ_CHECK(value.back() != ' ' && value.back() != '\t' && value.back() != '\r');
    PRINTRELAY_FUZZ_CHECK(text.find(value) != std::string::npos);
  }
  // Names compare without case; the directive cupsd uses is the last one.
  PRINTRELAY_FUZZ_CHECK(agent::cupsDirectives(text, upper(name)) == values);
  const auto last = agent::cupsDirective(text, name);
  PRINTRELAY_FUZZ_CHECK(last.has_value() == !values.empty());
  PRINTRELAY_FUZZ_CHECK(!last || *last == values.back());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const char* name :
       {"RequestRoot", "PreserveJobFiles", "Listen", "ServerRoot", "LogLevel", "MaxJobs"}) {
    checkName(text, name);
  }
  // And the first word of the text, whatever it is.
  const auto end = text.find_first_of(" \t\r\n");
  checkName(text, text.substr(0, end));
  return 0;
}
