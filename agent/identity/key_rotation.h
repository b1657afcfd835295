#pragma once

#include "agent/identity/state_files.h"
#include "common/crypto/hpke.h"

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace printrelay::agent {

/// state_dir/store.key.next: a generated key waiting for the cloud to register it.
std::filesystem::path nextKeyPath(const StatePaths& paths);
/// state_dir/store.key.previous: the key before the last rotation, kept so documents sealed to
/// it before the cloud switched still open.
std::filesystem::path previousKeyPath(const StatePaths& paths);

/// Registers a public key (base64) with its key id at the cloud; returns the cloud's answer.
using KeyRegistrar =
    std::function<nlohmann::json(const std::string& publicKeyBase64, const std::string& keyId)>;

/// What a rotation did.
struct KeyRotation {
  std::string oldKeyId;
  std::string newKeyId;
  hpke::KeyPair key;                ///< the new current key
  std::vector<hpke::KeyPair> older; ///< keys documents may still be sealed to
  nlohmann::json cloudAnswer;
};

/// Rotates the store key, each step safe against a crash:
///   1. a new key pair is written to store.key.next (0600) before anyone learns of it;
///   2. the cloud registers its public half (`registrar`); when that throws, store.key.next is
///      removed and the error passes on: nothing changed;
///   3. the old key is kept as store.key.previous, agent.json gets the new key id, and
///      store.key.next is renamed over store.key.
/// Throws Error{"state_*"} when the state files cannot be read or written.
KeyRotation rotateStoreKey(const StatePaths& paths, const KeyRegistrar& registrar);

/// Finishes a rotation a crash cut short between steps 3's writes (agent.json already names
/// the new key): call before loadEnrollment(). Returns true when it finished one.
bool completeKeyRotation(const StatePaths& paths);

/// The keys besides store.key that documents may be sealed to: store.key.previous, and a
/// store.key.next left by an interrupted rotation (the cloud may have registered it).
std::vector<hpke::KeyPair> loadOlderKeys(const StatePaths& paths);

} // namespace printrelay::agent
