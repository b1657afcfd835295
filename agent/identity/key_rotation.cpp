#include "agent/identity/key_rotation.h"

#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"

namespace printrelay::agent {
namespace {

using nlohmann::json;

json readIdentity(const StatePaths& paths) {
  const std::string text = readPrivateFile(paths.identity());
  const json identity = json::parse(text, nullptr, false);
  if (!identity.is_object()) {
    throw Error("state_invalid", paths.identity().string() + " cannot be read");
  }
  return identity;
}

void writeIdentityKeyId(const StatePaths& paths, const std::string& keyId) {
  json identity = readIdentity(paths);
  identity["key_id"] = keyId;
  writeFileAtomic(paths.identity(), asBytes(identity.dump(2) + "\n"), 0600);
}

void renameOver(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) {
    throw Error("state_io_failed",
                "cannot rename " + from.string() + " to " + to.string() + ": " + ec.message());
  }
}

} // namespace

std::filesystem::path nextKeyPath(const StatePaths& paths) {
  return paths.stateDir / "store.key.next";
}

std::filesystem::path previousKeyPath(const StatePaths& paths) {
  return paths.stateDir / "store.key.previous";
}

KeyRotation rotateStoreKey(const StatePaths& paths, const KeyRegistrar& registrar) {
  const hpke::KeyPair current = loadStoreKey(paths.storeKey());
  readIdentity(paths); // the identity must be writable state before anything changes

  const hpke::KeyPair next = hpke::KeyPair::generate();
  saveStoreKey(nextKeyPath(paths), next);
  KeyRotation rotation{envelope::keyIdFor(current.publicKey()),
                       envelope::keyIdFor(next.publicKey()),
                       next,
                       {current},
                       json()};
  try {
    rotation.cloudAnswer = registrar(base64Encode(next.publicKey()), rotation.newKeyId);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(nextKeyPath(paths), ec);
    throw;
  }
  saveStoreKey(previousKeyPath(paths), current);
  writeIdentityKeyId(paths, rotation.newKeyId);
  renameOver(nextKeyPath(paths), paths.storeKey());
  log::notice("store key rotated: " + rotation.oldKeyId + " → " + rotation.newKeyId +
              " (the old key is kept for documents sealed before)");
  return rotation;
}

bool completeKeyRotation(const StatePaths& paths) {
  std::error_code ec;
  if (!std::filesystem::exists(nextKeyPath(paths), ec)) {
    return false;
  }
  const hpke::KeyPair next = loadStoreKey(nextKeyPath(paths));
  const std::string nextId = envelope::keyIdFor(next.publicKey());
  if (readIdentity(paths).value("key_id", std::string()) != nextId) {
    return false; // the cloud may or may not have it: loadOlderKeys keeps it usable
  }
  if (std::filesystem::exists(paths.storeKey(), ec)) {
    const hpke::KeyPair current = loadStoreKey(paths.storeKey());
    if (envelope::keyIdFor(current.publicKey()) != nextId) {
      saveStoreKey(previousKeyPath(paths), current);
    }
  }
  renameOver(nextKeyPath(paths), paths.storeKey());
  log::notice("finished a store key rotation a restart interrupted (key " + nextId + ")");
  return true;
}

std::vector<hpke::KeyPair> loadOlderKeys(const StatePaths& paths) {
  std::vector<hpke::KeyPair> keys;
  for (const auto& path : {previousKeyPath(paths), nextKeyPath(paths)}) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      continue;
    }
    try {
      keys.push_back(loadStoreKey(path));
      if (path == nextKeyPath(paths)) {
        log::warning("an interrupted key rotation left " + path.string() +
                     "; it stays usable; run printrelayctl key rotate again");
      }
    } catch (const std::exception& e) {
      log::warning("ignoring " + path.string() + ": " + e.what());
    }
  }
  return keys;
}

} // namespace printrelay::agent
