#include "cloud/cli/known_stores.h"

#include "cloud/cli/cli_args.h"
#include "common/util/error.h"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

namespace printrelay::cli {
namespace {

using nlohmann::json;

json load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return json::object();
  }
  json all = json::parse(in, nullptr, false);
  return all.is_object() ? all : json::object();
}

} // namespace

KnownStores::KnownStores(std::string cloudUrl, std::filesystem::path file)
    : cloudUrl_(std::move(cloudUrl)), file_(std::move(file)) {}

std::filesystem::path KnownStores::knownStoresFile() {
  return configDir() / "known_stores.json";
}

std::string KnownStores::pinned(const std::string& storeId) const {
  const json all = load(file_);
  const json stores = all.value(cloudUrl_, json::object());
  const json entry = stores.is_object() ? stores.value(storeId, json()) : json();
  // A hand-edited file may hold anything: a key id that is not a string counts as none.
  const json keyId = entry.is_object() ? entry.value("key_id", json()) : json();
  return keyId.is_string() ? keyId.get<std::string>() : "";
}

void KnownStores::pin(const std::string& storeId, const std::string& keyId) {
  json all = load(file_);
  if (!all[cloudUrl_].is_object()) {
    all[cloudUrl_] = json::object();
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  all[cloudUrl_][storeId] = {{"key_id", keyId}, {"pinned_at", now}};
  writePrivateFile(file_, all.dump(2) + "\n");
}

bool KnownStores::checkOrPin(const std::string& storeId, const std::string& keyId) {
  const std::string known = pinned(storeId);
  if (known.empty()) {
    pin(storeId, keyId);
    return true;
  }
  if (known == keyId) {
    return false;
  }
  throw Error("store_key_changed",
              "the key of store " + storeId +
                  " is not the one you sealed to before, so nothing was sent.\n"
                  "  pinned key: " +
                  fingerprint(known) + "\n  offered key: " + fingerprint(keyId) +
                  "\nA shop gets a new key when its agent is enrolled again or rotates its key. "
                  "Ask the shop\nwhether that happened; if it did, accept the new key with:\n"
                  "  printrelay trust-store " +
                  storeId + " --key " + keyId);
}

std::string KnownStores::fingerprint(const std::string& keyId) {
  std::string out;
  for (std::size_t i = 0; i < keyId.size(); i += 4) {
    out += (out.empty() ? "" : " ") + keyId.substr(i, 4);
  }
  return out;
}

} // namespace printrelay::cli
