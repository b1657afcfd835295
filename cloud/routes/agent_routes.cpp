// Routes for a store's agent outside the job flow: enrollment with a one-time code, who am I
// (also the paused agent's check-in), the shop's printers and their state, store key rotation,
// release by pickup code at the counter.
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "cloud/storage/ids.h"
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/util/log.h"
#include "common/wire/protocol.h"

namespace printrelay::cloud {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxPrinters = 64;
constexpr std::size_t kMaxReasons = 32;
constexpr std::size_t kMaxText = 256;

/// One reported printer, checked field by field and re-built, so only known fields of known
/// types are stored (a report is shown to customers and shopkeepers later).
json checkedPrinter(const json& in, std::size_t index) {
  const std::string where = "printers[" + std::to_string(index) + "]";
  if (!in.is_object()) {
    throw ApiError(400, "invalid_request", where + " must be an object");
  }
  const auto flag = [&](const char* field) {
    const auto it = in.find(field);
    if (it == in.end() || it->is_null()) {
      return false;
    }
    if (!it->is_boolean()) {
      throw ApiError(400, "invalid_request", where + "." + field + " must be true or false");
    }
    return it->get<bool>();
  };
  const auto words = [&](const char* field) {
    json out = json::array();
    const auto it = in.find(field);
    if (it == in.end() || it->is_null()) {
      return out;
    }
    if (!it->is_array() || it->size() > kMaxReasons) {
      throw ApiError(400, "invalid_request",
                     where + "." + field + " must be a list of at most " +
                         std::to_string(kMaxReasons) + " strings");
    }
    for (const auto& word : *it) {
      if (!word.is_string() || word.get<std::string>().empty() ||
          word.get<std::string>().size() > kMaxText) {
        throw ApiError(400, "invalid_request",
                       where + "." + field + " must hold strings of 1 to " +
                           std::to_string(kMaxText) + " characters");
      }
      out.push_back(optionalString(json{{"w", word}}, "w", kMaxText));
    }
    return out;
  };
  const std::string state = requiredString(in, "state", 32);
  if (state != "idle" && state != "processing" && state != "stopped" && state != "unknown") {
    throw ApiError(400, "invalid_request",
                   where + ".state must be idle, processing, stopped or unknown");
  }
  // Refused rather than neutralised: the agent submits jobs to the printer by this name, so a
  // changed name would name no printer.
  json printer{{"name", nameField(in, "name", 127, NameRule::Refuse, true)},
               {"state", state},
               {"accepting", flag("accepting")},
               {"is_default", flag("is_default")},
               {"agent_printer", flag("agent_printer")},
               {"reasons", words("reasons")},
               {"problems", words("problems")},
               {"info", optionalString(in, "info", kMaxText)},
               {"location", optionalString(in, "location", kMaxText)},
               {"make_and_model", optionalString(in, "make_and_model", kMaxText)}};
  // What the printer can do: parsed by the wire model, stored re-serialized.
  if (const auto it = in.find("abilities"); it != in.end() && !it->is_null()) {
    try {
      printer["abilities"] = json(it->get<protocol::PrinterAbilities>());
    } catch (const Error& e) {
      throw ApiError(400, "invalid_request", where + ".abilities: " + e.what());
    } catch (const json::exception&) {
      throw ApiError(400, "invalid_request", where + ".abilities is malformed");
    }
  }
  return printer;
}

} // namespace

void Api::enrollAgent(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  nameField(body, "agent_name", 128, NameRule::Refuse, false); // shown to shopkeepers
  const auto request = body.get<protocol::EnrollRequest>();
  Bytes publicKey;
  try {
    publicKey = base64Decode(request.publicKey);
  } catch (const Error&) {
    publicKey.clear();
  }
  if (publicKey.size() != 32) {
    throw ApiError(400, "invalid_public_key",
                   "public_key must be the base64 of a 32-byte X25519 public key");
  }
  const std::int64_t t = now();
  const std::string codeHash = sha256Hex(request.code);
  auto tx = store_.begin();
  const auto code = tx->findEnrollmentCode(codeHash);
  if (!code) {
    throw ApiError(403, "enrollment_code_invalid", "unknown enrollment code");
  }
  if (code->usedAt) {
    throw ApiError(409, "enrollment_code_used", "this enrollment code has already been used");
  }
  if (code->expiresAt <= t) {
    throw ApiError(410, "enrollment_code_expired", "this enrollment code has expired");
  }
  const auto store = tx->findStore(code->storeId);
  if (!store) {
    throw ApiError(404, "store_not_found", "the code's store no longer exists");
  }
  AgentRecord agent;
  agent.id = newId("ag");
  agent.storeId = store->id;
  agent.name = request.agentName.empty() ? "agent" : request.agentName;
  agent.version = request.agentVersion;
  agent.publicKey = base64Encode(publicKey);
  agent.keyId = envelope::keyIdFor(publicKey);
  const std::string credential = randomToken(32);
  agent.credentialHash = sha256Hex(credential);
  agent.createdAt = t;
  agent.lastSeenAt = t;
  if (!tx->markEnrollmentCodeUsed(codeHash, t, agent.id)) {
    throw ApiError(409, "enrollment_code_used", "this enrollment code has already been used");
  }
  tx->insertAgent(agent);
  tx->setStoreKey(store->id, agent.publicKey, agent.keyId);
  tx->commit();
  log::notice("agent " + agent.id + " ('" + agent.name + "') enrolled for store " + store->id +
              " with key " + agent.keyId);

  protocol::EnrollResponse response;
  response.agentId = agent.id;
  response.storeId = store->id;
  response.storeName = store->name;
  response.keyId = agent.keyId;
  response.credential = credential;
  replyJson(ctx.response, 201, response);
}

void Api::agentMe(RequestContext& ctx) {
  auto tx = store_.beginRead();
  const auto agent = tx->findAgent(ctx.principal.subject);
  const auto store = tx->findStore(ctx.principal.storeId);
  if (!agent || !store) {
    throw ApiError(404, "agent_not_found", "this agent is not known");
  }
  tx->commit();
  replyJson(ctx.response, 200,
            json{{"agent_id", agent->id},
                 {"name", agent->name},
                 {"store_id", store->id},
                 {"store_name", store->name},
                 {"key_id", store->keyId},
                 {"server_time", now()}});
}

void Api::reportPrinters(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxPrinterReport));
  rejectUnknownFields(body, {"printers"});
  const auto it = body.find("printers");
  if (it == body.end() || !it->is_array() || it->size() > kMaxPrinters) {
    throw ApiError(400, "invalid_request",
                   "printers must be a list of at most " + std::to_string(kMaxPrinters) +
                       " printers");
  }
  json printers = json::array();
  for (std::size_t i = 0; i < it->size(); ++i) {
    printers.push_back(checkedPrinter((*it)[i], i));
  }
  auto tx = store_.begin();
  const std::string report = dumpJson(printers);
  const auto previous = tx->storePrinters(ctx.principal.storeId);
  tx->setStorePrinters(ctx.principal.storeId, report, now());
  const bool changed = !previous || previous->first != report;
  if (changed) {
    recordPrintersEvent(*tx, ctx.principal.storeId, report); // the shop's stream shows it
  }
  tx->commit();
  if (changed) {
    publishStore(ctx.principal.storeId);
  }
  replyJson(ctx.response, 200, json{{"printers", printers.size()}, {"reported_at", now()}});
}

void Api::registerStoreKey(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"public_key", "key_id"});
  const std::string encoded = requiredString(body, "public_key", 64);
  const std::string keyId = requiredString(body, "key_id", 64);
  Bytes publicKey;
  try {
    publicKey = base64Decode(encoded);
  } catch (const Error&) {
    publicKey.clear();
  }
  if (publicKey.size() != 32) {
    throw ApiError(400, "invalid_public_key", "public_key must be a base64 X25519 public key");
  }
  if (envelope::keyIdFor(publicKey) != keyId) {
    throw ApiError(400, "key_id_mismatch", "key_id is not the id of public_key");
  }
  auto tx = store_.begin();
  const auto store = tx->findStore(ctx.principal.storeId);
  if (!store) {
    throw ApiError(404, "store_not_found", "the agent's store is gone");
  }
  // Orders keep the key id they were sealed to; only new uploads use the new key.
  tx->setStoreKey(store->id, base64Encode(publicKey), keyId);
  tx->commit();
  log::notice("store " + store->id + " now seals to key " + keyId + " (was " + store->keyId +
              ", rotated by agent " + ctx.principal.subject + ")");
  replyJson(ctx.response, 200, json{{"key_id", keyId}, {"previous_key_id", store->keyId}});
}

void Api::resolveOrderByAgent(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  auto tx = store_.begin();
  const std::string orderId = ctx.pathParam(0);
  auto order = isWellFormedId(orderId) ? tx->findOrder(orderId) : std::nullopt;
  if (!order || order->storeId != ctx.principal.storeId) {
    throw ApiError(404, "order_not_found", "no such order for this store");
  }
  const bool printed = printedField(body);
  json reply = resolveOutcome(*tx, *order, printed, "agent " + ctx.principal.subject);
  reply["order_id"] = reply["id"];
  replyJson(ctx.response, 200, reply);
}

void Api::releaseOrderByAgent(RequestContext& ctx) {
  const OrderRecord order =
      releaseWithCode(ctx, ctx.principal.storeId, "agent " + ctx.principal.subject);
  auto tx = store_.begin();
  json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  reply["order_id"] = order.id;
  replyJson(ctx.response, 200, reply);
}

} // namespace printrelay::cloud
