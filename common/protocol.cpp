#include "common/protocol.h"

#include "common/error.h"

#include <array>
#include <cctype>

namespace printrelay::protocol {
namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& field, const std::string& why) {
  throw Error("invalid_request", "field '" + field + "' " + why);
}

void requireObject(const json& j) {
  if (!j.is_object()) {
    throw Error("invalid_request", "expected a JSON object");
  }
}

std::string getString(const json& j, const std::string& field, bool required,
                      std::size_t maxLength = 1024) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) {
      invalid(field, "is required");
    }
    return {};
  }
  if (!it->is_string()) {
    invalid(field, "must be a string");
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > maxLength) {
    invalid(field, "is longer than " + std::to_string(maxLength) + " characters");
  }
  return s;
}

std::int64_t getInt(const json& j, const std::string& field, bool required, std::int64_t min,
                    std::int64_t max, std::int64_t fallback) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) {
      invalid(field, "is required");
    }
    return fallback;
  }
  if (!it->is_number_integer()) {
    invalid(field, "must be an integer");
  }
  std::int64_t v = 0;
  if (it->is_number_unsigned()) {
    const auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) {
      invalid(field, "must be at most " + std::to_string(max));
    }
    v = static_cast<std::int64_t>(u);
  } else {
    v = it->get<std::int64_t>();
  }
  if (v < min || v > max) {
    invalid(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

template <std::size_t N>
void requireOneOf(const std::string& field, const std::string& value,
                  const std::array<std::string_view, N>& allowed) {
  for (auto a : allowed) {
    if (a == value) {
      return;
    }
  }
  std::string list;
  for (auto a : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  invalid(field, "must be one of: " + list);
}

} // namespace

void to_json(json& j, const PrintOptions& o) {
  j = json{{"copies", o.copies},
           {"media", o.media},
           {"sides", o.sides},
           {"print-color-mode", o.colorMode}};
}

void from_json(const json& j, PrintOptions& o) {
  requireObject(j);
  for (const auto& [key, value] : j.items()) {
    if (key != "copies" && key != "media" && key != "sides" && key != "print-color-mode") {
      throw Error("unsupported_option", "unknown print option '" + key + "'");
    }
  }
  PrintOptions defaults;
  o.copies = static_cast<int>(getInt(j, "copies", false, 1, 999, defaults.copies));
  o.media = getString(j, "media", false, 64);
  if (o.media.empty()) {
    o.media = defaults.media;
  }
  for (char c : o.media) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      invalid("media", "may hold only letters, digits, '_', '-' and '.'");
    }
  }
  o.sides = getString(j, "sides", false, 64);
  if (o.sides.empty()) {
    o.sides = defaults.sides;
  }
  requireOneOf(
      "sides", o.sides,
      std::array<std::string_view, 3>{"one-sided", "two-sided-long-edge", "two-sided-short-edge"});
  o.colorMode = getString(j, "print-color-mode", false, 64);
  if (o.colorMode.empty()) {
    o.colorMode = defaults.colorMode;
  }
  requireOneOf("print-color-mode", o.colorMode,
               std::array<std::string_view, 3>{"monochrome", "color", "auto"});
}

void to_json(json& j, const EnrollRequest& r) {
  j = json{{"code", r.code},
           {"public_key", r.publicKey},
           {"agent_name", r.agentName},
           {"agent_version", r.agentVersion}};
}

void from_json(const json& j, EnrollRequest& r) {
  requireObject(j);
  r.code = getString(j, "code", true, 64);
  r.publicKey = getString(j, "public_key", true, 64);
  r.agentName = getString(j, "agent_name", false, 128);
  r.agentVersion = getString(j, "agent_version", false, 64);
}

void to_json(json& j, const EnrollResponse& r) {
  j = json{{"agent_id", r.agentId},
           {"store_id", r.storeId},
           {"store_name", r.storeName},
           {"key_id", r.keyId},
           {"credential", r.credential}};
}

void from_json(const json& j, EnrollResponse& r) {
  requireObject(j);
  r.agentId = getString(j, "agent_id", true);
  r.storeId = getString(j, "store_id", true);
  r.storeName = getString(j, "store_name", false);
  r.keyId = getString(j, "key_id", true);
  r.credential = getString(j, "credential", true);
}

void to_json(json& j, const JobOffer& o) {
  j = json{{"job_id", o.jobId},
           {"order_id", o.orderId},
           {"lease_id", o.leaseId},
           {"lease_expires_at", o.leaseExpiresAt},
           {"document_name", o.documentName},
           {"content_type", o.contentType},
           {"envelope_size", o.envelopeSize},
           {"key_id", o.keyId},
           {"options", o.options}};
}

void from_json(const json& j, JobOffer& o) {
  requireObject(j);
  o.jobId = getString(j, "job_id", true, 64);
  o.orderId = getString(j, "order_id", true, 64);
  o.leaseId = getString(j, "lease_id", true, 128);
  o.leaseExpiresAt = getInt(j, "lease_expires_at", true, 0, INT64_MAX, 0);
  o.documentName = getString(j, "document_name", false, 255);
  o.contentType = getString(j, "content_type", false, 128);
  o.envelopeSize = static_cast<std::uint64_t>(getInt(j, "envelope_size", true, 0, INT64_MAX, 0));
  o.keyId = getString(j, "key_id", true, 64);
  const auto it = j.find("options");
  o.options = it == j.end() ? PrintOptions{} : it->get<PrintOptions>();
}

void to_json(json& j, const JobEvent& e) {
  j = json{{"seq", e.seq}, {"lease_id", e.leaseId}, {"state", e.state}};
  if (e.spoolerJobId) {
    j["spooler_job_id"] = *e.spoolerJobId;
  }
  if (!e.printer.empty()) {
    j["printer"] = e.printer;
  }
  if (!e.message.empty()) {
    j["message"] = e.message;
  }
}

void from_json(const json& j, JobEvent& e) {
  requireObject(j);
  e.seq = static_cast<std::uint64_t>(getInt(j, "seq", true, 1, INT64_MAX, 0));
  e.leaseId = getString(j, "lease_id", true, 128);
  e.state = getString(j, "state", true, 32);
  requireOneOf("state", e.state,
               std::array<std::string_view, 4>{"printing", "printed", "failed", "released"});
  if (j.contains("spooler_job_id") && !j["spooler_job_id"].is_null()) {
    e.spoolerJobId = static_cast<int>(getInt(j, "spooler_job_id", true, 1, INT32_MAX, 0));
  }
  e.printer = getString(j, "printer", false, 127);
  e.message = getString(j, "message", false, 1024);
}

} // namespace printrelay::protocol
