#pragma once

#include "agent/cloud/cloud_client.h"
#include "common/wire/http_client.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace printrelay::agent {

/// Routes of the cloud the control features need beyond CloudClient's:
///
///   GET  /api/v1/health                    reachability, version, Date header (clock skew)
///   GET  /api/v1/agent/me                  who the credential belongs to
///   POST /api/v1/agent/jobs/{id}/reprint   queue a settled job's order again
///   POST /api/v1/agent/release             release a held order by pickup code
///   POST /api/v1/agent/orders/{id}/resolve say whether an outcome_unknown order printed
///   POST /api/v1/agent/keys                register the store's next public key
///   PUT  /api/v1/agent/printers            the shop's printers and their state
///
/// Errors are CloudError: status 0 when the cloud cannot be reached, else the cloud's status
/// and error code. Each call opens its own connection, so it is safe next to the daemon's
/// CloudClient.
class CloudRequests {
public:
  CloudRequests(CloudEndpoint endpoint, std::string credential);

  /// What GET /api/v1/health said.
  struct Health {
    int status = 0;
    std::string version;                    ///< the cloud's version, when it says
    std::optional<std::int64_t> serverTime; ///< from the Date header, Unix seconds
    std::chrono::milliseconds latency{0};
  };
  /// Throws CloudError (status 0 when unreachable).
  Health health();

  /// What an authenticated request said about the credential.
  struct CredentialProbe {
    bool accepted = false;
    int status = 0;    ///< HTTP status of the probe
    std::string code;  ///< the cloud's error code, if any
    std::string route; ///< the request that decided
  };
  /// Asks GET /api/v1/agent/me: 2xx accepted, 401/403 refused. Throws CloudError when the
  /// cloud cannot be reached or answers with another error.
  CredentialProbe probeCredential();

  /// POST /api/v1/agent/jobs/{id}/reprint {"reason"}: the cloud queues the order again as a
  /// new job that reaches this agent through the long-poll. Returns the cloud's answer.
  nlohmann::json requestReprint(const std::string& jobId, const std::string& reason);
  /// POST /api/v1/agent/release {"pickup_code"}: releases the held order with this code.
  nlohmann::json releaseByPickupCode(const std::string& code);
  /// POST /api/v1/agent/orders/{id}/resolve {"printed"}: the shop's answer for an order in
  /// outcome_unknown (printed, or failed with a refund). Returns the order as the cloud has it.
  nlohmann::json resolveOutcome(const std::string& orderId, bool printed);
  /// POST /api/v1/agent/keys {"public_key", "key_id"}: registers the store's next key; the
  /// cloud seals new documents to it from then on.
  nlohmann::json registerKey(const std::string& publicKeyBase64, const std::string& keyId);
  /// PUT /api/v1/agent/printers {"printers": [...]}.
  void reportPrinters(const nlohmann::json& printers);

private:
  nlohmann::json send(const std::string& method, const std::string& path,
                      const nlohmann::json* body, const std::string& what);

  CloudEndpoint endpoint_;
  std::string credential_;
};

/// Parses an HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") to Unix
/// seconds; nullopt when it is not one.
std::optional<std::int64_t> parseHttpDate(const std::string& text);

} // namespace printrelay::agent
