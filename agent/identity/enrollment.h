#pragma once

#include "agent/daemon/agent_config.h"
#include "agent/identity/state_files.h"
#include "common/crypto/hpke.h"

#include <cstdint>
#include <string>

namespace printrelay::agent {

class CloudClient;

/// Who the agent is at the cloud, saved in state_dir/agent.json after enrollment.
struct AgentIdentity {
  std::string agentId;
  std::string storeId;
  std::string storeName;
  std::string keyId;
  std::string cloudUrl;
  std::int64_t enrolledAt = 0; ///< Unix seconds
};

/// What `printrelay-agent enroll` was asked to do.
struct EnrollOptions {
  std::string code;   ///< the one-time enrollment code from the shopkeeper
  std::string name;   ///< label shown to people; empty uses the host name
  bool force = false; ///< replace an existing enrollment
};

/// True when the state directory holds a complete enrollment (credential and identity).
bool isEnrolled(const StatePaths& paths);

/// Enrolls this agent: generates the store's X25519 key pair, saves the private key
/// (store.key, 0600, atomically) before asking the cloud, posts the public key with the code,
/// then saves the device credential (credential, 0600) and the identity (agent.json).
/// Throws Error{"already_enrolled"} unless `options.force`, CloudError when the cloud refuses.
AgentIdentity enroll(const StatePaths& paths, const EnrollOptions& options, CloudClient& cloud,
                     const std::string& cloudUrl);

/// Everything `run` needs from the state directory.
struct Enrollment {
  hpke::KeyPair key;
  std::string credential;
  AgentIdentity identity;
};

/// Loads and cross-checks the key, credential and identity; throws Error{"not_enrolled"} when
/// they are missing, state_insecure / state_invalid when they cannot be trusted.
Enrollment loadEnrollment(const StatePaths& paths);

} // namespace printrelay::agent
