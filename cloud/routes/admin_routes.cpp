// Routes for admins (the operator token or an admin account): users, stores, shopkeepers'
// assignments, revoking an agent.
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "cloud/storage/ids.h"
#include "common/util/log.h"

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// The user `userId`; ApiError 404 user_not_found when there is none.
UserRecord existingUser(StoreTransaction& tx, const std::string& userId) {
  return existingRecord(
      userId, [&](const std::string& id) { return tx.findUser(id); }, "user_not_found",
      "no such user");
}

/// Assigns (or unassigns) the path's user to (from) the path's store; the answer is the user's
/// stores after the change.
void changeAssignment(Store& store, RequestContext& ctx, bool assign, std::int64_t at) {
  const std::string storeId = ctx.pathParam(0);
  const std::string userId = ctx.pathParam(1);
  parseJsonObject(ctx.body.readAll(Api::kMaxJsonBody));
  auto tx = store.begin();
  if (assign) {
    existingStore(*tx, storeId);
    const UserRecord user = existingUser(*tx, userId);
    if (user.role != "shopkeeper") {
      throw ApiError(409, "not_a_shopkeeper", "only shopkeeper accounts are assigned stores");
    }
    tx->assignStore(user.id, storeId, at);
  } else if (!isWellFormedId(storeId) || !isWellFormedId(userId) ||
             !tx->unassignStore(userId, storeId)) {
    throw ApiError(404, "assignment_not_found", "this user is not assigned this store");
  }
  const json reply{{"user_id", userId}, {"store_ids", tx->storesOfUser(userId)}};
  tx->commit();
  replyJson(ctx.response, 200, reply);
}

} // namespace

void Api::listUsers(RequestContext& ctx) {
  auto tx = store_.beginRead();
  json list = json::array();
  for (const auto& user : tx->listUsers()) {
    list.push_back(userWithStores(*tx, user));
  }
  replyJson(ctx.response, 200, {{"users", std::move(list)}});
}

void Api::createUser(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"email", "password", "name", "role", "store_ids"});
  const std::string role = requiredString(body, "role", 20);
  if (!userRoleFromString(role)) {
    throw ApiError(400, "invalid_request", "field 'role' must be customer, shopkeeper or admin");
  }
  std::vector<std::string> storeIds;
  if (const auto it = body.find("store_ids"); it != body.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > 100) {
      throw ApiError(400, "invalid_request", "field 'store_ids' must be an array of store ids");
    }
    for (const auto& id : *it) {
      if (!id.is_string()) {
        throw ApiError(400, "invalid_request", "field 'store_ids' must be an array of store ids");
      }
      storeIds.push_back(id.get<std::string>());
    }
    if (!storeIds.empty() && role != "shopkeeper") {
      throw ApiError(400, "invalid_request", "only shopkeepers are assigned stores");
    }
  }
  // Same checks as registration (shape of the address, password length).
  const std::string email = emailField(body);
  const std::string password = newPasswordField(body, "password");
  const std::string name = nameField(body, "name", 200, NameRule::Refuse, false);
  UserRecord user;
  user.id = newId("usr");
  user.email = email;
  user.role = role;
  user.name = name;
  user.passwordHash = accounts_.hasher.hash(password);
  user.createdAt = user.updatedAt = now();
  user.emailVerifiedAt = user.createdAt; // an admin vouches for the address
  auto tx = store_.begin();
  for (const auto& id : storeIds) {
    if (!isWellFormedId(id) || !tx->findStore(id)) {
      throw ApiError(404, "store_not_found", "no such store: " + id);
    }
  }
  try {
    tx->insertUser(user);
  } catch (const Error& e) {
    if (e.code() == "duplicate_email") {
      throw ApiError(409, "email_taken", "an account with this e-mail address exists");
    }
    throw;
  }
  for (const auto& id : storeIds) {
    tx->assignStore(user.id, id, user.createdAt);
  }
  const json reply = userWithStores(*tx, user);
  tx->commit();
  log::notice("admin created " + role + " account " + user.id);
  replyJson(ctx.response, 201, reply);
}

void Api::deactivateUser(RequestContext& ctx) {
  const std::string userId = ctx.pathParam(0);
  parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  const std::int64_t t = now();
  auto tx = store_.begin();
  UserRecord user = existingUser(*tx, userId);
  if (!user.deactivatedAt) {
    user.deactivatedAt = t;
    user.updatedAt = t;
    tx->updateUser(user);
  }
  const int revoked = tx->revokeUserSessions(user.id, t, "deactivated by an admin");
  json reply = userWithStores(*tx, user);
  reply["sessions_revoked"] = revoked;
  tx->commit();
  log::notice("account " + user.id + " deactivated by an admin");
  replyJson(ctx.response, 200, reply);
}

void Api::createStore(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"name", "address", "latitude", "longitude"});
  StoreRecord store;
  store.id = newId("st");
  store.name = nameField(body, "name", 200, NameRule::Refuse, true);
  store.address = optionalString(body, "address", 500);
  store.latitude = requiredNumber(body, "latitude", -90, 90);
  store.longitude = requiredNumber(body, "longitude", -180, 180);
  store.createdAt = now();
  auto tx = store_.begin();
  tx->insertStore(store);
  const json reply = storeDetail(*tx, store);
  tx->commit();
  log::notice("store " + store.id + " created");
  replyJson(ctx.response, 201, reply);
}

void Api::updateStore(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"name", "address", "latitude", "longitude"});
  auto tx = store_.begin();
  StoreRecord store = existingStore(*tx, storeId);
  if (body.contains("name")) {
    store.name = nameField(body, "name", 200, NameRule::Refuse, true);
  }
  if (body.contains("address")) {
    store.address = optionalString(body, "address", 500);
  }
  if (body.contains("latitude")) {
    store.latitude = requiredNumber(body, "latitude", -90, 90);
  }
  if (body.contains("longitude")) {
    store.longitude = requiredNumber(body, "longitude", -180, 180);
  }
  tx->updateStore(store);
  const json reply = storeDetail(*tx, store);
  tx->commit();
  replyJson(ctx.response, 200, reply);
}

void Api::assignShopkeeper(RequestContext& ctx) {
  changeAssignment(store_, ctx, true, now());
}

void Api::unassignShopkeeper(RequestContext& ctx) {
  changeAssignment(store_, ctx, false, now());
}

void Api::revokeAgent(RequestContext& ctx) {
  const std::string agentId = ctx.pathParam(0);
  parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  auto tx = store_.begin();
  const AgentRecord agent = existingRecord(
      agentId, [&](const std::string& id) { return tx->findAgent(id); }, "agent_not_found",
      "no such agent");
  tx->revokeAgent(agent.id, now());
  // A revoked agent's key may be in a thief's hands: stop sealing new documents to it.
  if (auto store = tx->findStore(agent.storeId); store && store->keyId == agent.keyId) {
    tx->setStoreKey(store->id, "", "");
  }
  const auto revoked = tx->findAgent(agent.id);
  tx->commit();
  log::notice("agent " + agent.id + " revoked");
  replyJson(
      ctx.response, 200,
      {{"agent_id", agent.id},
       {"store_id", agent.storeId},
       {"revoked_at", revoked && revoked->revokedAt ? json(*revoked->revokedAt) : json(nullptr)}});
}

} // namespace printrelay::cloud
