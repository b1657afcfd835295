#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace printrelay::protocol {

// The wire contract between cloud, agent and clients (docs/openapi.yaml is the reference).
// Every from_json checks types and ranges and throws Error{"invalid_request"} naming the field.

inline constexpr std::string_view kApiPrefix = "/api/v1";
/// Header carrying the agent's device credential: "Authorization: Bearer <credential>".
inline constexpr std::string_view kAuthorization = "Authorization";

/// Print options with their IPP/CUPS attribute names as JSON keys.
struct PrintOptions {
  int copies = 1; ///< "copies", 1..999
  std::string media =
      "iso_a4_210x297mm"; ///< "media", a PWG self-describing name or A4/Letter alias
  std::string sides =
      "one-sided"; ///< "sides": one-sided | two-sided-long-edge | two-sided-short-edge
  std::string colorMode = "monochrome"; ///< "print-color-mode": monochrome | color | auto
};
void to_json(nlohmann::json& j, const PrintOptions& o);
void from_json(const nlohmann::json& j, PrintOptions& o);

/// POST /api/v1/agent/enroll request.
struct EnrollRequest {
  std::string code;      ///< the one-time enrollment code from the shopkeeper
  std::string publicKey; ///< base64 of the 32-byte X25519 public key
  std::string agentName; ///< host name or label, for people
  std::string agentVersion;
};
void to_json(nlohmann::json& j, const EnrollRequest& r);
void from_json(const nlohmann::json& j, EnrollRequest& r);

/// POST /api/v1/agent/enroll response; the credential is shown once and stored hashed.
struct EnrollResponse {
  std::string agentId;
  std::string storeId;
  std::string storeName;
  std::string keyId;
  std::string credential;
};
void to_json(nlohmann::json& j, const EnrollResponse& r);
void from_json(const nlohmann::json& j, EnrollResponse& r);

/// One job handed to an agent by GET /api/v1/agent/jobs?wait=N.
struct JobOffer {
  std::string jobId;
  std::string orderId;
  std::string leaseId;
  std::int64_t leaseExpiresAt = 0; ///< Unix seconds
  std::string documentName;
  std::string contentType;        ///< the plaintext's type, e.g. application/pdf
  std::uint64_t envelopeSize = 0; ///< ciphertext bytes
  std::string keyId;
  PrintOptions options;
};
void to_json(nlohmann::json& j, const JobOffer& o);
void from_json(const nlohmann::json& j, JobOffer& o);

/// States an agent reports for a job.
///   printing: submitted to the spooler (carries spoolerJobId and printer)
///   printed:  the spooler finished the job
///   failed:   the job cannot be printed (message says why)
///   released: the agent gives the job back before the spooler accepted it
/// POST /api/v1/agent/jobs/{id}/events; (jobId, seq) makes it idempotent.
struct JobEvent {
  std::uint64_t seq = 0;
  std::string leaseId;
  std::string state;
  std::optional<int> spoolerJobId;
  std::string printer;
  std::string message;
};
void to_json(nlohmann::json& j, const JobEvent& e);
void from_json(const nlohmann::json& j, JobEvent& e);

} // namespace printrelay::protocol
