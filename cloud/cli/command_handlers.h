#pragma once

// The handlers of the command table (commands.cpp), one per command, by the file that holds
// them. Each takes the cloud session and the parsed command line and returns the exit status.

#include "cloud/cli/cli_args.h"
#include "cloud/cli/cloud_session.h"

#include <nlohmann/json.hpp>

namespace printrelay::cli {

// account_commands.cpp
int registerAccount(CloudSession& cloud, const Arguments& args);
int verifyAddress(CloudSession& cloud, const Arguments& args);
int logIn(CloudSession& cloud, const Arguments& args);
int logOut(CloudSession& cloud, const Arguments& args);
int forgotPassword(CloudSession& cloud, const Arguments& args);
int resetPassword(CloudSession& cloud, const Arguments& args);
int changePassword(CloudSession& cloud, const Arguments& args);

// store_commands.cpp
int listStores(CloudSession& cloud, const Arguments& args);

// order_commands.cpp
/// The print options the command line gives (--copies, --media, …) set over `options`,
/// checked here before anything is sent (UsageError).
nlohmann::json printOptionsFrom(const Arguments& args,
                                nlohmann::json options = nlohmann::json::object());
int quotePrice(CloudSession& cloud, const Arguments& args);
int sendDocument(CloudSession& cloud, const Arguments& args);
int trustStoreKey(CloudSession& cloud, const Arguments& args);

// order_views.cpp
int showOrder(CloudSession& cloud, const Arguments& args);
int listOrders(CloudSession& cloud, const Arguments& args);
int cancelOrder(CloudSession& cloud, const Arguments& args);
int saveReceipt(CloudSession& cloud, const Arguments& args);
int payOrder(CloudSession& cloud, const Arguments& args);

// shop_commands.cpp
int shopQueue(CloudSession& cloud, const Arguments& args);
int shopShow(CloudSession& cloud, const Arguments& args);
int shopApprove(CloudSession& cloud, const Arguments& args);
int shopPaid(CloudSession& cloud, const Arguments& args);
int shopRelease(CloudSession& cloud, const Arguments& args);
int shopCancel(CloudSession& cloud, const Arguments& args);
int shopReprint(CloudSession& cloud, const Arguments& args);
int shopResolve(CloudSession& cloud, const Arguments& args);
int shopPrices(CloudSession& cloud, const Arguments& args);
int shopDefaults(CloudSession& cloud, const Arguments& args);
int shopSettings(CloudSession& cloud, const Arguments& args);
int shopEnrollCode(CloudSession& cloud, const Arguments& args);

// admin_commands.cpp
int createStore(CloudSession& cloud, const Arguments& args);
int createUser(CloudSession& cloud, const Arguments& args);
int listUsers(CloudSession& cloud, const Arguments& args);
int deactivateUser(CloudSession& cloud, const Arguments& args);
int assignShopkeeper(CloudSession& cloud, const Arguments& args);
int createEnrollmentCode(CloudSession& cloud, const Arguments& args);
int revokeAgent(CloudSession& cloud, const Arguments& args);

} // namespace printrelay::cli
