// The operator's commands (admin …), each with the operator's token.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/output.h"

#include <iomanip>
#include <iostream>

namespace printrelay::cli {

using nlohmann::json;

namespace {

// POST kApi + `before` + ID + `after` for an admin command whose one word is that ID.
json postForId(CloudSession& cloud, const Arguments& args, const std::string& needs,
               const std::string& before, const std::string& after, const std::string& doing) {
  if (args.words.size() != 3) {
    throw UsageError(needs);
  }
  return cloud.post(kApi + before + args.words[2] + after, cloud.adminToken(), json::object(),
                    doing);
}

/// An admin action on one thing named by ID: POST kApi + before + ID + after, then say
/// "<noun> <the reply's idField> <done>".
struct IdAction {
  const char* needs;
  const char* before;
  const char* after;
  const char* doing;
  const char* noun;
  const char* idField;
  const char* done;
};

constexpr IdAction kRevokeAgent{"admin revoke-agent needs AGENT_ID",
                                "/admin/agents/",
                                "/revoke",
                                "revoking the agent",
                                "agent",
                                "agent_id",
                                "revoked"};
constexpr IdAction kDeactivateUser{"admin deactivate-user needs USER_ID",
                                   "/admin/users/",
                                   "/deactivate",
                                   "deactivating the user",
                                   "user",
                                   "id",
                                   "deactivated"};

int runIdAction(CloudSession& cloud, const Arguments& args, const IdAction& action) {
  const json result =
      postForId(cloud, args, action.needs, action.before, action.after, action.doing);
  printResult(args, result,
              std::string(action.noun) + " " + fieldText(result, action.idField) + " " +
                  action.done);
  return 0;
}

} // namespace

int revokeAgent(CloudSession& cloud, const Arguments& args) {
  return runIdAction(cloud, args, kRevokeAgent);
}
int deactivateUser(CloudSession& cloud, const Arguments& args) {
  return runIdAction(cloud, args, kDeactivateUser);
}

int createStore(CloudSession& cloud, const Arguments& args) {
  const json result = cloud.post(kApi + "/admin/stores", cloud.adminToken(),
                                 {{"name", args.required("name")},
                                  {"address", args.option("address").value_or("")},
                                  {"latitude", parseNumber(args.required("lat"), "--lat")},
                                  {"longitude", parseNumber(args.required("lon"), "--lon")}},
                                 "creating the store");
  printResult(args, result,
              "store " + fieldText(result, "id") + " created (" + fieldText(result, "name") + ")");
  return 0;
}

int createEnrollmentCode(CloudSession& cloud, const Arguments& args) {
  const json result =
      postForId(cloud, args, "admin enrollment-code needs STORE_ID", "/shop/stores/",
                "/enrollment-codes", "creating an enrollment code");
  printResult(args, result,
              "enrollment code " + fieldText(result, "code") + " (valid until " +
                  formatTime(result.value("expires_at", std::int64_t{0})) + ")");
  return 0;
}

int createUser(CloudSession& cloud, const Arguments& args) {
  json body{{"email", args.required("email")},
            {"role", args.required("role")},
            {"password", readPassword("password for the new account: ")}};
  if (auto name = args.option("name")) {
    body["name"] = *name;
  }
  if (auto store = args.option("store")) {
    body["store_ids"] = json::array({*store});
  }
  const json result =
      cloud.post(kApi + "/admin/users", cloud.adminToken(), body, "creating the user");
  printResult(args, result,
              fieldText(result, "role") + " " + fieldText(result, "id") + " created (" +
                  fieldText(result, "email") + ")");
  return 0;
}

int listUsers(CloudSession& cloud, const Arguments& args) {
  const json result = cloud.get(kApi + "/admin/users", cloud.adminToken(), "listing users");
  if (args.json) {
    printJson(result);
    return 0;
  }
  for (const auto& u : result.value("users", json::array())) {
    std::cout << std::left << std::setw(38) << fieldText(u, "id") << std::setw(12)
              << fieldText(u, "role") << std::setw(6)
              << (u.value("deactivated", false) ? "off" : "on") << fieldText(u, "email") << "\n";
  }
  return 0;
}

int assignShopkeeper(CloudSession& cloud, const Arguments& args) {
  if (args.words.size() != 4) {
    throw UsageError("admin assign-shopkeeper needs STORE_ID USER_ID");
  }
  auto reply =
      cloud.client().Put(kApi + "/admin/stores/" + args.words[2] + "/shopkeepers/" + args.words[3],
                         CloudSession::headers(cloud.adminToken()), "{}", "application/json");
  const json result = CloudSession::expectJson(reply, "assigning the shopkeeper");
  printResult(args, result,
              "user " + fieldText(result, "user_id") + " now keeps " +
                  result.value("store_ids", json::array()).dump());
  return 0;
}

} // namespace printrelay::cli
