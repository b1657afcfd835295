// libFuzzer target: configuration files (common/util/config) with the agent's table and
// settings (agent/daemon/agent_config) and the cloud's (cloud/config/cloud_config).
#include "agent/daemon/agent_config.h"
#include "cloud/config/cloud_config.h"
#include "common/util/config.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace printrelay;

namespace {

/// Config reads files only: the input goes to one file of this process, removed at exit.
const std::string& scratchFile() {
  static const std::string path = [] {
    std::string p = (::printrelay::fuzz::scratchDirectory() /
                     ("printrelay-fuzz-config-" + std::to_string(::getpid()) + ".conf"))
                        .string();
    std::atexit([] { std::remove(scratchFile().c_str()); });
    return p;
  }();
  return path;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// Loads `text` with `table`; nullopt when refused (always config_invalid).
std::optional<Config> load(const std::vector<ConfigKey>& table, const std::string& text) {
  write(scratchFile(), text);
  Config config(table, "PRINTRELAY_FUZZ_UNSET_");
  try {
    config.loadFile(scratchFile(), true);
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(e.code() == "config_invalid");
    return std::nullopt;
  }
  return config;
}

/// An accepted file written back, one quoted `key = "value"` per key (`key = ""` unsets one
/// that has a default), loads the same.
void checkRoundTrip(const std::vector<ConfigKey>& table, const Config& config) {
  std::string text = "# written back\n";
  for (const auto& key : table) {
    text += key.name + " = \"" + config.getString(key.name) + "\"\n";
  }
  const auto again = load(table, text);
  PRINTRELAY_FUZZ_CHECK(again.has_value());
  for (const auto& key : table) {
    PRINTRELAY_FUZZ_CHECK(again->isSet(key.name) == config.isSet(key.name));
    PRINTRELAY_FUZZ_CHECK(again->getString(key.name) == config.getString(key.name));
  }
  const std::string dump = config.dumpRedacted();
  for (const auto& key : table) {
    if (key.type == ConfigType::Secret && config.isSet(key.name)) {
      PRINTRELAY_FUZZ_CHECK(dump.find(key.name + " = <redacted>\n") != std::string::npos);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  const auto agentTable = agent::configTable();
  if (const auto config = load(agentTable, text)) {
    checkRoundTrip(agentTable, *config);
    try {
      const agent::Settings settings = agent::settingsFrom(*config);
      PRINTRELAY_FUZZ_CHECK(settings.pollWaitSeconds >= 0);
      PRINTRELAY_FUZZ_CHECK(settings.backoffInitial.count() >= 0 &&
                            settings.backoffMax.count() >= 0);
      PRINTRELAY_FUZZ_CHECK(settings.maxDocumentBytes > 0);
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == "config_invalid");
    }
  }

  const auto cloudTable = cloud::cloudConfigTable();
  if (auto config = load(cloudTable, text)) {
    checkRoundTrip(cloudTable, *config);
    try {
      cloud::completeCloudConfig(*config);
      const cloud::CloudSettings settings = cloud::settingsFromConfig(*config);
      PRINTRELAY_FUZZ_CHECK(settings.listenPort >= 0 && settings.listenPort <= 65535);
      PRINTRELAY_FUZZ_CHECK(settings.httpThreads >= 2);
      PRINTRELAY_FUZZ_CHECK(!settings.databaseUrl().empty());
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == "config_invalid");
    }
  }
  // libFuzzer may end with _Exit (no atexit): leave no file behind between inputs.
  std::remove(scratchFile().c_str());
  return 0;
}
