// Routes for the operator (admin token) and, later, shopkeepers.
#include "cloud/api.h"
#include "cloud/api_error.h"
#include "cloud/ids.h"
#include "cloud/json_body.h"
#include "common/encoding.h"
#include "common/log.h"

namespace printrelay::cloud {

using nlohmann::json;

void Api::createStore(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"name", "address", "latitude", "longitude"});
  StoreRecord store;
  store.id = newId("st");
  store.name = requiredString(body, "name", 200);
  store.address = optionalString(body, "address", 500);
  store.latitude = requiredNumber(body, "latitude", -90, 90);
  store.longitude = requiredNumber(body, "longitude", -180, 180);
  store.createdAt = now();
  auto tx = store_.begin();
  tx->insertStore(store);
  const json reply = storeJson(*tx, store, true);
  tx->commit();
  log::notice("store " + store.id + " created");
  replyJson(ctx.response, 201, reply);
}

void Api::createEnrollmentCode(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  if (ctx.principal.role == Role::Shopkeeper && ctx.principal.storeId != storeId) {
    throw ApiError(403, "forbidden", "a shopkeeper manages only their own store");
  }
  auto tx = store_.begin();
  if (!isWellFormedId(storeId) || !tx->findStore(storeId)) {
    throw ApiError(404, "store_not_found", "no such store");
  }
  // 120 random bits, URL-safe: short enough to type, far too many to guess.
  const std::string code = randomToken(15);
  EnrollmentCodeRecord record;
  record.codeHash = sha256Hex(code);
  record.storeId = storeId;
  record.createdAt = now();
  record.expiresAt = record.createdAt + settings_.enrollmentCodeTtlSeconds;
  tx->insertEnrollmentCode(record);
  tx->commit();
  replyJson(ctx.response, 201,
            {{"code", code}, {"store_id", storeId}, {"expires_at", record.expiresAt}});
}

void Api::revokeAgent(RequestContext& ctx) {
  const std::string agentId = ctx.pathParam(0);
  parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  auto tx = store_.begin();
  std::optional<AgentRecord> agent;
  if (isWellFormedId(agentId)) {
    agent = tx->findAgent(agentId);
  }
  if (!agent) {
    throw ApiError(404, "agent_not_found", "no such agent");
  }
  tx->revokeAgent(agent->id, now());
  // A revoked agent's key may be in a thief's hands: stop sealing new documents to it.
  if (auto store = tx->findStore(agent->storeId); store && store->keyId == agent->keyId) {
    tx->setStoreKey(store->id, "", "");
  }
  const auto revoked = tx->findAgent(agent->id);
  tx->commit();
  log::notice("agent " + agent->id + " revoked");
  replyJson(
      ctx.response, 200,
      {{"agent_id", agent->id},
       {"store_id", agent->storeId},
       {"revoked_at", revoked && revoked->revokedAt ? json(*revoked->revokedAt) : json(nullptr)}});
}

} // namespace printrelay::cloud
