// The account commands: register, verify, login, logout, forgot-password, reset-password.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/output.h"

namespace printrelay::cli {

using nlohmann::json;

int registerAccount(CloudSession& cloud, const Arguments& args) {
  json body{{"email", args.required("email")}, {"password", readPassword("new password: ")}};
  if (auto name = args.option("name")) {
    body["name"] = *name;
  }
  const json result = cloud.post(kApi + "/accounts", "", body, "registering");
  printResult(args, result,
              "registered " + body["email"].get<std::string>() +
                  "; open the link we mailed (or run: printrelay verify TOKEN|LINK)");
  return 0;
}

int verifyAddress(CloudSession& cloud, const Arguments& args) {
  if (args.words.size() != 2) {
    throw UsageError("verify needs the TOKEN or the LINK from the mail");
  }
  std::string token = args.words[1];
  if (const auto at = token.find("token="); at != std::string::npos) {
    token = token.substr(at + 6);
    token = token.substr(0, token.find_first_of("&# "));
  }
  const json result =
      cloud.post(kApi + "/accounts/verify", "", {{"token", token}}, "verifying the address");
  printResult(args, result, "e-mail address " + fieldText(result, "email") + " confirmed");
  return 0;
}

int logIn(CloudSession& cloud, const Arguments& args) {
  const std::string email = args.required("email");
  const json result =
      cloud.post(kApi + "/auth/login", "",
                 {{"email", email}, {"password", readPassword("password: ")}}, "logging in");
  cloud.saveSession(result);
  const json user = result.value("user", json::object());
  json out{{"user", user},
           {"expires_in", result.value("expires_in", 0)},
           {"credentials_file", CloudSession::credentialsFile().string()}};
  std::string human = "logged in as " + email + " (" + fieldText(user, "role") + ")";
  if (!user.value("email_verified", false)) {
    human += "\nconfirm your e-mail address before ordering (see the mail we sent)";
  }
  printResult(args, out, human);
  return 0;
}

int logOut(CloudSession& cloud, const Arguments& args) {
  json result{{"status", "logged_out"}};
  std::string warning;
  try {
    const std::string token = cloud.token();
    if (!token.empty()) {
      result = cloud.post(kApi + "/auth/logout", token, json::object(), "logging out");
    }
  } catch (const Error& e) {
    warning = e.what(); // the local tokens go anyway
  }
  cloud.forgetSession();
  printResult(args, result, warning.empty() ? "logged out" : "logged out here (" + warning + ")");
  return 0;
}

int forgotPassword(CloudSession& cloud, const Arguments& args) {
  const json result = cloud.post(kApi + "/accounts/password-reset", "",
                                 {{"email", args.required("email")}}, "asking for a reset");
  printResult(args, result, "if the address has an account, a reset token is on its way");
  return 0;
}

int resetPassword(CloudSession& cloud, const Arguments& args) {
  if (args.words.size() != 2) {
    throw UsageError("reset-password needs the TOKEN from the mail");
  }
  const json result =
      cloud.post(kApi + "/accounts/password-reset/confirm", "",
                 {{"token", args.words[1]}, {"new_password", readPassword("new password: ")}},
                 "resetting the password");
  printResult(args, result, "password reset; log in again");
  return 0;
}

} // namespace printrelay::cli

namespace printrelay::cli {

int changePassword(CloudSession& cloud, const Arguments& args) {
  if (cloud.token().empty()) {
    throw UsageError("password needs a session: printrelay login");
  }
  const std::string current = readPassword("current password: ");
  const std::string fresh = readPassword("new password: ", "PRINTRELAY_NEW_PASSWORD");
  const json result =
      cloud.post(kApi + "/me/password", cloud.token(),
                 {{"current_password", current}, {"new_password", fresh}}, "changing the password");
  cloud.forgetSession(); // the cloud revoked every session of the account
  printResult(args, result,
              "password changed; every session was ended: log in again with printrelay login");
  return 0;
}

} // namespace printrelay::cli
