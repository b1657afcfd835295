// The commands that follow orders: status (and --wait), the list, cancel, the receipt.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/order_render.h"
#include "cloud/cli/output.h"

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace printrelay::cli {

using nlohmann::json;

namespace {

/// Every store's name by id (one request; the list is public).
StoreNames storeNames(CloudSession& cloud) {
  StoreNames names;
  try {
    const json stores = cloud.get(kApi + "/stores", "", "listing stores");
    for (const auto& s : stores.value("stores", json::array())) {
      names[s.value("id", "")] = s.value("name", "");
    }
  } catch (const Error&) {
    // the ids stand in for the names
  }
  return names;
}

void requireSession(CloudSession& cloud, const char* command) {
  if (cloud.token().empty()) {
    throw UsageError(std::string(command) + " needs a session: printrelay login (or " +
                     "PRINTRELAY_TOKEN)");
  }
}

/// `e`, a 403 forbidden on a customer's route, said for a shopkeeper or an admin (whose
/// accounts have no orders of their own) with the command that serves them; otherwise `e`.
[[noreturn]] void rethrowForRole(CloudSession& cloud, const Error& e, const std::string& instead) {
  if (e.code() == "forbidden") {
    std::string role;
    try {
      role =
          cloud.get(kApi + "/me", cloud.token(), "asking the cloud who you are").value("role", "");
    } catch (const Error&) {
      // the cloud's own answer stands
    }
    if (role == "shopkeeper" || role == "admin") {
      const auto* request = dynamic_cast<const CloudRequestError*>(&e);
      throw CloudRequestError(e.code(),
                              "you are signed in as " +
                                  std::string(role == "admin" ? "an " : "a ") + role +
                                  ", whose account has no orders of its own; use " + instead,
                              request ? request->reason() : "");
    }
  }
  throw;
}

/// The order id the user typed: a whole id as it is, or the start of one (as `orders` shows
/// it) when exactly one of the user's recent orders starts with it.
std::string resolveOrderId(CloudSession& cloud, const std::string& typed) {
  if (typed.size() >= 36 || typed.rfind("ord_", 0) != 0) {
    return typed;
  }
  std::vector<std::string> matches;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    json reply;
    try {
      reply = cloud.get(kApi + "/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor),
                        cloud.token(), "finding the order");
    } catch (const Error& e) {
      rethrowForRole(cloud, e, "the shop commands, e.g. printrelay shop show " + typed);
    }
    for (const auto& o : reply.value("orders", json::array())) {
      if (const std::string id = o.value("id", ""); id.rfind(typed, 0) == 0) {
        matches.push_back(id);
      }
    }
    if (!reply.value("next_cursor", json()).is_string()) {
      break;
    }
    cursor = reply["next_cursor"].get<std::string>();
  }
  if (matches.size() > 1) {
    throw UsageError(typed + " could be any of " + std::to_string(matches.size()) +
                     " orders; give more of the id");
  }
  return matches.empty() ? typed : matches.front();
}

std::string orderIdArgument(CloudSession& cloud, const Arguments& args, const char* command) {
  if (args.words.size() != 2) {
    throw UsageError(std::string(command) + " needs exactly one ORDER_ID");
  }
  requireSession(cloud, command);
  return resolveOrderId(cloud, args.words[1]);
}

void printOrder(const Arguments& args, const json& order, const StoreNames& stores) {
  if (args.json) {
    printJson(order);
  } else {
    std::cout << orderDetails(order, stores);
  }
}

bool isFinal(const std::string& state) {
  static const std::vector<std::string> kFinal{"printed", "failed", "cancelled", "expired"};
  return std::find(kFinal.begin(), kFinal.end(), state) != kFinal.end();
}

} // namespace

int showOrder(CloudSession& cloud, const Arguments& args) {
  const std::string path = kApi + "/orders/" + orderIdArgument(cloud, args, "status");
  const auto wait = args.option("wait");
  const long long timeout =
      parseInteger(args.option("timeout").value_or("300"), "--timeout", 0, 7 * 86400);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  json order;
  try {
    order = cloud.get(path, cloud.token(), "fetching the order");
  } catch (const Error& e) {
    rethrowForRole(cloud, e, "printrelay shop show " + args.words[1]);
  }
  const StoreNames stores = storeNames(cloud);
  if (wait) {
    std::string shown;
    for (;;) {
      const std::string state = order.value("state", "");
      if (state != shown && !args.json) {
        std::cout << formatTime(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count())
                         .substr(11)
                  << "  " << stateWords(order) << std::endl;
        shown = state;
      }
      if (state == *wait) {
        break;
      }
      if (isFinal(state)) {
        printOrder(args, order, stores);
        throw WaitError("order_" + state, "the order ended " + state + ", not " + *wait);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        printOrder(args, order, stores);
        throw WaitError("wait_timeout",
                        "the order is still " + state + " after " + std::to_string(timeout) + " s");
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
      order = cloud.get(path, cloud.token(), "fetching the order");
    }
    if (!args.json) {
      std::cout << "\n";
    }
  }
  printOrder(args, order, stores);
  return 0;
}

int listOrders(CloudSession& cloud, const Arguments& args) {
  requireSession(cloud, "orders");
  const long long limit = parseInteger(args.option("limit").value_or("20"), "--limit", 1, 100);
  std::string query = "?limit=" + std::to_string(limit);
  if (auto states = args.option("state")) {
    query += "&state=" + *states;
  }
  std::string cursor = args.option("cursor").value_or("");
  const bool all = args.option("all").has_value();
  json orders = json::array();
  json next = nullptr;
  for (int page = 0; page < 1000; ++page) {
    json reply;
    try {
      reply = cloud.get(kApi + "/orders" + query + (cursor.empty() ? "" : "&cursor=" + cursor),
                        cloud.token(), "listing orders");
    } catch (const Error& e) {
      rethrowForRole(cloud, e, "printrelay shop queue (your store's orders)");
    }
    for (const auto& o : reply.value("orders", json::array())) {
      orders.push_back(o);
    }
    next = reply.value("next_cursor", json());
    if (!all || !next.is_string()) {
      break;
    }
    cursor = next.get<std::string>();
  }
  if (args.json) {
    printJson({{"orders", orders}, {"next_cursor", all ? json() : next}});
    return 0;
  }
  if (orders.empty()) {
    std::cout << "no orders" << (args.option("state") ? " in that state" : "") << "\n";
    return 0;
  }
  std::cout << ordersTable(orders, storeNames(cloud), args.option("wide").has_value());
  if (!all && next.is_string()) {
    std::cout << "more: printrelay orders --cursor " << next.get<std::string>()
              << (args.option("state") ? " --state " + *args.option("state") : "") << "\n";
  }
  return 0;
}

int cancelOrder(CloudSession& cloud, const Arguments& args) {
  const std::string id = orderIdArgument(cloud, args, "cancel");
  json body = json::object();
  if (auto reason = args.option("reason")) {
    body["reason"] = *reason;
  }
  const json order =
      cloud.post(kApi + "/orders/" + id + "/cancel", cloud.token(), body, "cancelling the order");
  std::string human = "order " + id + " cancelled";
  const json charge = order.value("charge", json());
  if (charge.is_object() && charge.value("payment_state", "") == "refunded") {
    human += "; the payment is refunded";
  }
  printResult(args, order, human);
  return 0;
}

int payOrder(CloudSession& cloud, const Arguments& args) {
  const std::string id = orderIdArgument(cloud, args, "pay");
  const json order = cloud.get(kApi + "/orders/" + id, cloud.token(), "fetching the order");
  const std::string state = order.value("state", "");
  const json charge = order.value("charge", json());
  json result{{"order_id", id}, {"state", state}, {"online_payment", false}};
  std::string human;
  if (isFinal(state) && state != "printed") {
    result["amount_due_minor"] = 0;
    human = "order " + id + " is " + stateWords(order) + ": there is nothing to pay";
  } else if (!charge.is_object()) {
    result["amount_due_minor"] = nullptr;
    human = "order " + id +
            " has no price yet: the shop prices it when it prints; pay at the "
            "shop then (printrelay status " +
            id + " shows the amount)";
  } else {
    const std::int64_t due = charge.value("balance_due_minor", std::int64_t{0});
    const std::string currency = charge.value("currency", "");
    const std::string amount = moneyText(due, currency, charge.value("currency_exponent", 2));
    result["amount_due_minor"] = due;
    result["currency"] = currency;
    if (due <= 0) {
      human = "order " + id + " is paid; nothing is due";
    } else {
      const std::string storeId = order.value("store_id", "");
      json store = json::object();
      try {
        store = cloud.get(kApi + "/stores/" + storeId, "", "fetching the store");
      } catch (const Error&) {
        // the store's id stands in for its name
      }
      const std::string shop =
          store.value("name", storeId) + (store.value("address", "").empty()
                                              ? std::string()
                                              : ", " + store.value("address", std::string()));
      human = "order " + id + ": " + amount + " due" +
              (state == "awaiting_payment" ? " (it prints once the shop has the payment)" : "") +
              ".\nPay at the shop's counter: " + shop + "; give the order id " + id +
              ".\nThis cloud takes no payment online; the shop marks the order paid.";
      result["pay_at"] = shop;
    }
  }
  printResult(args, result, human);
  return 0;
}

int saveReceipt(CloudSession& cloud, const Arguments& args) {
  const std::string id = orderIdArgument(cloud, args, "receipt");
  const std::filesystem::path file = args.option("output").value_or("receipt-" + id + ".pdf");
  const bool force = args.option("force").has_value();
  if (!force && std::filesystem::exists(file)) {
    throw Error("file_exists", file.string() + " exists; give --force to replace it, or "
                                               "--output FILE");
  }
  auto result =
      cloud.client().Get(kApi + "/orders/" + id + "/receipt", CloudSession::headers(cloud.token()));
  if (!result || result->status != 200) {
    throwForResult(result, "fetching the receipt", cloud.endpoint());
  }
  const int fd =
      ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
  if (fd < 0) {
    throw Error("io_failed", "cannot write " + file.string());
  }
  const std::string& pdf = result->body;
  const bool ok = ::write(fd, pdf.data(), pdf.size()) == static_cast<ssize_t>(pdf.size());
  ::close(fd);
  if (!ok) {
    throw Error("io_failed", "cannot write " + file.string());
  }
  printResult(args, {{"order_id", id}, {"file", file.string()}, {"bytes", pdf.size()}},
              "receipt of order " + id + " written to " + file.string());
  return 0;
}

} // namespace printrelay::cli
