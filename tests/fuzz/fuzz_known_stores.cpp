// libFuzzer target: the customer CLI's known_stores.json (cloud/cli/known_stores), the pinned
// store keys read back from the user's config directory.
#include "cloud/cli/known_stores.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

using namespace printrelay;
using nlohmann::json;

namespace {

constexpr const char* kCloud = "https://cloud.example";
constexpr const char* kKey = "0123456789abcdef0123456789abcdef";

const std::filesystem::path& scratchFile() {
  static const std::filesystem::path path = [] {
    auto p = ::printrelay::fuzz::scratchDirectory() /
             ("printrelay-fuzz-known-stores-" + std::to_string(::getpid()) + ".json");
    std::atexit([] { std::remove(scratchFile().c_str()); });
    return p;
  }();
  return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(scratchFile(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  cli::KnownStores stores(kCloud, scratchFile());

  // The store ids the file names for this cloud, with what pinned() reads for them.
  std::map<std::string, std::string> before;
  const json all = json::parse(data, data + size, nullptr, false);
  if (all.is_object() && all.contains(kCloud) && all[kCloud].is_object()) {
    for (const auto& [storeId, entry] : all[kCloud].items()) {
      before[storeId] = stores.pinned(storeId);
    }
  }
  // A store not pinned yet is pinned; the others keep their keys.
  const std::string fresh = "st_fuzz_new_store";
  if (before.count(fresh) == 0 || before[fresh].empty()) {
    PRINTRELAY_FUZZ_CHECK(stores.checkOrPin(fresh, kKey));
    PRINTRELAY_FUZZ_CHECK(stores.pinned(fresh) == kKey);
    PRINTRELAY_FUZZ_CHECK(!stores.checkOrPin(fresh, kKey));
    for (const auto& [storeId, key] : before) {
      if (storeId != fresh) {
        PRINTRELAY_FUZZ_CHECK(stores.pinned(storeId) == key);
      }
    }
  } else {
    try {
      PRINTRELAY_FUZZ_CHECK(!stores.checkOrPin(fresh, kKey));
      PRINTRELAY_FUZZ_CHECK(before[fresh] == kKey);
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == "store_key_changed" && before[fresh] != kKey);
    }
  }
  // libFuzzer may end with _Exit (no atexit): leave no file behind between inputs.
  std::remove(scratchFile().c_str());
  return 0;
}
