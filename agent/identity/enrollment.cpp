#include "agent/identity/enrollment.h"

#include "agent/cloud/cloud_client.h"
#include "agent/platform/service_host.h"
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/version.h"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

namespace printrelay::agent {
namespace {

using nlohmann::json;

std::string agentLabel() {
  const std::string name = hostName();
  return name.empty() ? "printrelay-agent" : name;
}

std::string trimmed(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    return {};
  }
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

json toJson(const AgentIdentity& id) {
  return json{{"agent_id", id.agentId}, {"store_id", id.storeId},   {"store_name", id.storeName},
              {"key_id", id.keyId},     {"cloud_url", id.cloudUrl}, {"enrolled_at", id.enrolledAt}};
}

AgentIdentity identityFrom(const json& j) {
  AgentIdentity id;
  id.agentId = j.at("agent_id").get<std::string>();
  id.storeId = j.at("store_id").get<std::string>();
  id.storeName = j.value("store_name", std::string());
  id.keyId = j.at("key_id").get<std::string>();
  id.cloudUrl = j.value("cloud_url", std::string());
  id.enrolledAt = j.value("enrolled_at", std::int64_t{0});
  return id;
}

} // namespace

bool isEnrolled(const StatePaths& paths) {
  std::error_code ec;
  return std::filesystem::exists(paths.credential(), ec) ||
         std::filesystem::exists(paths.identity(), ec);
}

AgentIdentity enroll(const StatePaths& paths, const EnrollOptions& options, CloudClient& cloud,
                     const std::string& cloudUrl) {
  if (options.code.empty()) {
    throw Error("invalid_request", "an enrollment code is required (PRINTRELAY_ENROLL_CODE)");
  }
  if (isEnrolled(paths) && !options.force) {
    throw Error("already_enrolled", "this agent is already enrolled (" + paths.stateDir.string() +
                                        "); use --force to replace the enrollment");
  }
  ensurePrivateDirectory(paths.stateDir);

  // The key is on disk before the cloud learns its public half: a credential must never exist
  // for a key the agent could lose.
  const auto key = hpke::KeyPair::generate();
  saveStoreKey(paths.storeKey(), key);
  const std::string keyId = envelope::keyIdFor(key.publicKey());

  protocol::EnrollRequest request;
  request.code = options.code;
  request.publicKey = base64Encode(key.publicKey());
  request.agentName = options.name.empty() ? agentLabel() : options.name;
  request.agentVersion = std::string(version());
  protocol::EnrollResponse response = cloud.enroll(request);

  if (!response.keyId.empty() && response.keyId != keyId) {
    log::warning("the cloud recorded key id " + response.keyId + " but the store key's id is " +
                 keyId);
  }
  writeFileAtomic(paths.credential(), asBytes(response.credential + "\n"), 0600);
  OPENSSL_cleanse(response.credential.data(), response.credential.size());

  AgentIdentity identity;
  identity.agentId = response.agentId;
  identity.storeId = response.storeId;
  identity.storeName = response.storeName;
  identity.keyId = keyId;
  identity.cloudUrl = cloudUrl;
  identity.enrolledAt = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  writeFileAtomic(paths.identity(), asBytes(toJson(identity).dump(2) + "\n"), 0600);
  return identity;
}

Enrollment loadEnrollment(const StatePaths& paths) {
  std::error_code ec;
  if (!std::filesystem::exists(paths.credential(), ec) ||
      !std::filesystem::exists(paths.storeKey(), ec)) {
    throw Error("not_enrolled", "this agent is not enrolled (no credential in " +
                                    paths.stateDir.string() +
                                    "); run: PRINTRELAY_ENROLL_CODE=CODE printrelay-agent enroll");
  }
  auto key = loadStoreKey(paths.storeKey());
  std::string credential = trimmed(readPrivateFile(paths.credential()));
  if (credential.empty()) {
    throw Error("state_invalid", paths.credential().string() + " is empty");
  }
  AgentIdentity identity;
  std::ifstream in(paths.identity());
  if (in) {
    const auto j = json::parse(in, nullptr, false);
    try {
      identity = identityFrom(j);
    } catch (const std::exception&) {
      throw Error("state_invalid", paths.identity().string() + " cannot be read");
    }
  }
  const std::string keyId = envelope::keyIdFor(key.publicKey());
  if (!identity.keyId.empty() && identity.keyId != keyId) {
    throw Error("state_invalid", "store.key (key id " + keyId +
                                     ") does not match the enrolled key id " + identity.keyId +
                                     "; enroll again with --force");
  }
  return Enrollment{std::move(key), std::move(credential), std::move(identity)};
}

} // namespace printrelay::agent
