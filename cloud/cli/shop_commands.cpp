// The shopkeeper's commands (shop …): a store's queue, one order, the steps an order takes at the
// counter (approve, paid, release, cancel, reprint, resolve), the store's prices, print defaults
// and order settings, and enrollment codes for its PC. Each acts on one store: --store, else the
// shopkeeper's only one.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/order_render.h"
#include "cloud/cli/output.h"
#include "cloud/cli/shop_render.h"
#include "common/util/text.h"
#include "common/wire/order_state.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>
#include <tuple>
#include <unistd.h>

namespace printrelay::cli {

using nlohmann::json;

namespace {

/// How often `shop queue --follow` looks again.
constexpr std::chrono::seconds kFollowInterval{2};

/// The final states: an order in one waits for nothing.
bool isFinalState(const std::string& state) {
  return state == "printed" || state == "failed" || state == "cancelled" || state == "expired";
}

/// Every state the API knows, from the state machine's own table.
std::vector<std::string> allStates() {
  std::vector<std::string> names;
  for (int i = 0;; ++i) {
    const std::string_view name = toString(static_cast<OrderState>(i));
    if (name.empty()) {
      return names;
    }
    names.emplace_back(name);
  }
}

std::string joinedStates(const std::vector<std::string>& states) {
  std::string out;
  for (const auto& s : states) {
    out += (out.empty() ? "" : ",") + s;
  }
  return out;
}

/// The calling shopkeeper: their token, and what the cloud says they are (GET /me), read once.
class Shopkeeper {
public:
  explicit Shopkeeper(CloudSession& cloud) : cloud_(cloud) {
    token_ = cloud.token();
    operatorToken_ = token_.empty() && !cloud.adminToken().empty();
    if (operatorToken_) {
      token_ = cloud.adminToken();
    }
    if (token_.empty()) {
      throw UsageError("shop commands need a shopkeeper's session: printrelay login --email "
                       "ADDRESS (or PRINTRELAY_TOKEN / PRINTRELAY_TOKEN_FILE)");
    }
  }

  CloudSession& cloud() { return cloud_; }
  const std::string& token() const { return token_; }

  /// GET /me (nothing for the operator token, which has no account).
  const json& me() {
    if (!me_ && !operatorToken_) {
      me_ = cloud_.get(kApi + "/me", token_, "asking the cloud who you are");
    }
    if (!me_) {
      me_ = json::object();
    }
    return *me_;
  }

  /// The store the command is for: --store, else the shopkeeper's only store.
  const std::string& store(const Arguments& args) {
    if (!store_.empty()) {
      return store_;
    }
    if (auto given = args.option("store")) {
      if (given->empty()) {
        throw UsageError("--store needs a store id (printrelay stores lists them)");
      }
      return store_ = *given;
    }
    if (operatorToken_) {
      throw UsageError("with the operator token, say which store: --store ID (printrelay stores "
                       "lists them)");
    }
    requireShopRole();
    const json stores = me().value("store_ids", json::array());
    if (me().value("role", "") == "admin") {
      throw UsageError("an admin keeps every store: say which with --store ID (printrelay stores "
                       "lists them)");
    }
    if (stores.empty()) {
      throw Error("no_store", "no store is assigned to you (" + me().value("email", "") +
                                  ") yet; ask the operator to assign one (printrelay admin "
                                  "assign-shopkeeper STORE_ID " +
                                  me().value("id", "USER_ID") + ")");
    }
    if (stores.size() > 1) {
      throw UsageError("you keep " + std::to_string(stores.size()) +
                       " stores; say which with --store ID:\n" + storeList());
    }
    return store_ = stores[0].get<std::string>();
  }

  /// The name of store `id` (the public list), or the id when it has none.
  std::string storeName(const std::string& id) {
    const auto names = storeNames();
    const auto it = names.find(id);
    return it == names.end() || it->second.empty() ? id : it->second;
  }

  /// The shopkeeper's stores, one per line: "  st_… Copy Corner".
  std::string storeList() {
    std::string lines;
    for (const auto& id : me().value("store_ids", json::array())) {
      if (id.is_string()) {
        lines += "  " + id.get<std::string>() + "  " + storeName(id.get<std::string>()) + "\n";
      }
    }
    if (!lines.empty()) {
      lines.pop_back();
    }
    return lines;
  }

  /// Refuses an account that is no shopkeeper, saying what it can use instead.
  void requireShopRole() {
    const std::string role = me().value("role", "");
    if (role == "customer") {
      throw Error(
          "not_a_shopkeeper",
          "printrelay shop is for a store's shopkeepers; you are signed in as the customer " +
              me().value("email", "") +
              ". Your own orders: printrelay orders (log in with the shop's account for "
              "the shop commands)");
    }
  }

  /// `e`, from a request about `storeId` or `orderId`, said so a shopkeeper knows what to do;
  /// the code stays for scripts.
  [[noreturn]] void explain(const Error& e, const std::string& storeId,
                            const std::string& orderId) {
    const auto* request = dynamic_cast<const CloudRequestError*>(&e);
    const std::string reason = request ? request->reason() : "";
    const auto retry = request ? request->retryAfterSeconds() : std::nullopt;
    const auto rethrow = [&](const std::string& message) {
      throw CloudRequestError(e.code(), message, reason, retry);
    };
    const std::string& code = e.code();
    if (code == "unauthorized" || code == "invalid_token" || code == "token_expired" ||
        code == "token_revoked" || code == "account_deactivated") {
      rethrow(std::string(e.what()) +
              "; log in again with the shop's account: printrelay login --email ADDRESS");
    }
    if (code == "forbidden") {
      requireShopRole();
      std::string mine = operatorToken_ ? "" : storeList();
      rethrow("you do not keep store " + storeId + (mine.empty() ? "" : "; your stores:\n" + mine) +
              (mine.empty() ? "; " : "\n") + "give --store with one of yours");
    }
    if (code == "store_not_found") {
      rethrow("there is no store " + storeId + "; printrelay stores lists them" +
              (operatorToken_ ? "" : ", and yours are:\n" + storeList()));
    }
    if (code == "order_not_found") {
      rethrow("no order " + orderId +
              " in the stores you keep; check the id with printrelay shop queue --state all "
              "(another shop's orders are not shown)");
    }
    if (code == "prices_not_set") {
      rethrow(storeName(storeId) +
              " has no price list yet; start one: printrelay shop prices --set "
              "currency=EUR,bw_page=0.10,color_page=0.50");
    }
    if (code == "route_not_found" && orderId.size() > 0) {
      rethrow(std::string(e.what()) + "; this cloud is older than this command: update it");
    }
    if (!orderId.empty() &&
        (code == "illegal_transition" || code == "printing_started" ||
         code == "no_page_count_hold" || code == "held_for_page_count" ||
         code == "order_not_payable" || code == "no_charge" || code.starts_with("already_") ||
         code == "document_gone" || code == "document_missing")) {
      rethrow(std::string(e.what()) + " (printrelay shop show " + orderId +
              " shows where it stands)");
    }
    throw;
  }

private:
  const StoreNames& storeNames() {
    if (!names_) {
      names_.emplace();
      try {
        for (const auto& s :
             cloud_.get(kApi + "/stores", "", "listing stores").value("stores", json::array())) {
          (*names_)[s.value("id", "")] = s.value("name", "");
        }
      } catch (const Error&) {
        // the ids stand in for the names
      }
    }
    return *names_;
  }

  CloudSession& cloud_;
  std::string token_;
  bool operatorToken_ = false;
  std::optional<json> me_;
  std::optional<StoreNames> names_;
  std::string store_;
};

/// GET a store's path, errors explained.
json storeGet(Shopkeeper& shop, const std::string& storeId, const std::string& path,
              const std::string& what) {
  try {
    return shop.cloud().get(kApi + "/shop/stores/" + storeId + path, shop.token(), what);
  } catch (const Error& e) {
    shop.explain(e, storeId, "");
  }
}

/// POST (or PUT) to a store's path, errors explained.
json storeSend(Shopkeeper& shop, const std::string& method, const std::string& storeId,
               const std::string& path, const json& body, const std::string& what) {
  try {
    const std::string url = kApi + "/shop/stores/" + storeId + path;
    return method == "PUT" ? shop.cloud().put(url, shop.token(), body, what)
                           : shop.cloud().post(url, shop.token(), body, what);
  } catch (const Error& e) {
    shop.explain(e, storeId, "");
  }
}

/// The order id typed: a whole id, or the start of one (as `shop queue` shows it) when exactly
/// one order of the store starts with it. Anything that cannot be an order id is refused here.
std::string orderIdArgument(Shopkeeper& shop, const Arguments& args, const std::string& command) {
  if (args.words.size() != 3) {
    throw UsageError("shop " + command +
                     " needs exactly one ORDER (an id as printrelay shop "
                     "queue shows it)");
  }
  const std::string& typed = args.words[2];
  const bool wellFormed = typed.starts_with("ord_") && typed.size() > 4 && typed.size() <= 36 &&
                          typed.find_first_not_of("0123456789abcdef", 4) == std::string::npos;
  if (!wellFormed) {
    throw UsageError("'" + fitted(typed, 40) +
                     "' is not an order id: give one as printrelay shop queue shows it "
                     "(ord_ and hex digits, e.g. ord_3f2a9c01)");
  }
  if (typed.size() == 36) {
    return typed;
  }
  const std::string storeId = shop.store(args);
  std::vector<std::string> matches;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    const json reply =
        storeGet(shop, storeId, "/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor),
                 "finding the order");
    for (const auto& o : reply.value("orders", json::array())) {
      if (const std::string id = o.value("id", ""); id.starts_with(typed)) {
        matches.push_back(id);
      }
    }
    if (!reply.value("next_cursor", json()).is_string()) {
      break;
    }
    cursor = reply["next_cursor"].get<std::string>();
  }
  if (matches.empty()) {
    throw Error("order_not_found", "no order of " + shop.storeName(storeId) + " starts with " +
                                       typed +
                                       "; printrelay shop queue --state all lists its orders");
  }
  if (matches.size() > 1) {
    throw UsageError(typed + " could be any of " + std::to_string(matches.size()) +
                     " orders; give more of the id");
  }
  return matches.front();
}

/// POST to an order's path, errors explained.
json orderPost(Shopkeeper& shop, const std::string& orderId, const std::string& action,
               const json& body, const std::string& what) {
  try {
    return shop.cloud().post(kApi + "/shop/orders/" + orderId + "/" + action, shop.token(), body,
                             what);
  } catch (const Error& e) {
    shop.explain(e, "", orderId);
  }
}

/// The body with the optional --reason.
json reasonBody(const Arguments& args) {
  json body = json::object();
  if (auto reason = args.option("reason")) {
    body["reason"] = *reason;
  }
  return body;
}

/// The states `--state` names: a list, "open" (every state not final; the default) or "all"
/// (no filter: empty). Unknown names are refused here, with the list.
std::vector<std::string> queueStates(const Arguments& args) {
  const std::string wanted = args.option("state").value_or("open");
  const auto known = allStates();
  if (wanted == "all") {
    return {};
  }
  if (wanted == "open") {
    std::vector<std::string> open;
    for (const auto& s : known) {
      if (!isFinalState(s)) {
        open.push_back(s);
      }
    }
    return open;
  }
  std::vector<std::string> states;
  std::size_t start = 0;
  for (;;) {
    const auto comma = wanted.find(',', start);
    const std::string name = wanted.substr(start, comma - start);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw UsageError("--state: unknown state '" + fitted(name, 30) + "'; give open, all, or " +
                       "some of: " + joinedStates(known));
    }
    states.push_back(name);
    if (comma == std::string::npos) {
      return states;
    }
    start = comma + 1;
  }
}

/// The queue's heading: "Copy Corner: 3 open orders", "no orders in printed at Copy Corner".
std::string queueHeading(const std::string& storeName, const Arguments& args, std::size_t count,
                         bool more) {
  const std::string which = args.option("state").value_or("open");
  const std::string noun = count == 1 ? "order" : "orders";
  const std::string what = which == "open"  ? "open " + noun
                           : which == "all" ? noun
                                            : noun + " in " + which;
  if (count == 0) {
    return "no " + what + " at " + storeName + "\n";
  }
  return storeName + ": " + (more ? "the newest " : "") + std::to_string(count) + " " + what +
         (more ? " (--limit shows more)" : "") + "\n";
}

std::string nowText() {
  return formatTime(std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count());
}

/// Print options for the store's defaults from the command line, checked here.
json defaultOptionsFrom(const Arguments& args, json options) {
  if (args.option("pages")) {
    throw UsageError("--pages depends on each document and cannot be a shop default");
  }
  return printOptionsFrom(args, options.is_object() ? std::move(options) : json::object());
}

/// A duration option checked against its range, in seconds.
std::optional<std::int64_t> durationOption(const Arguments& args, const std::string& name,
                                           std::int64_t min, std::int64_t max) {
  const auto typed = args.option(name);
  if (!typed) {
    return std::nullopt;
  }
  const auto seconds = parseDuration(*typed);
  if (!seconds || *seconds < min || *seconds > max) {
    throw UsageError("--" + name + " must be a duration from " + spokenDuration(min) + " to " +
                     spokenDuration(max) + ", written like 90s, 30m, 2h or 7d (not '" +
                     fitted(*typed, 20) + "')");
  }
  return seconds;
}

std::string readAll(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(file);
  if (!in) {
    throw Error("file_unreadable", "cannot read " + file);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

int shopQueue(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  if (args.words.size() != 2) {
    throw UsageError("shop queue takes no words besides its options");
  }
  const auto states = queueStates(args);
  const long long limit = parseInteger(args.option("limit").value_or("50"), "--limit", 1, 100);
  const std::string storeId = shop.store(args);
  const std::string path = "/orders?limit=" + std::to_string(limit) +
                           (states.empty() ? "" : "&state=" + joinedStates(states));
  const std::string storeName = shop.storeName(storeId);
  const bool follow = args.option("follow").has_value();
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  std::string shown;
  for (;;) {
    json page;
    try {
      page = storeGet(shop, storeId, path, "reading the queue");
    } catch (const Error& e) {
      if (!follow || e.code() != "cloud_unreachable") {
        throw;
      }
      // A live view outlasts a moment without the cloud: say so and look again.
      std::cerr << errorText(e) << " (trying again in " << kFollowInterval.count() << " s)"
                << std::endl;
      std::this_thread::sleep_for(kFollowInterval);
      continue;
    }
    const json orders = page.value("orders", json::array());
    std::string view;
    if (args.json) {
      view = follow ? page.dump() + "\n" : page.dump(2) + "\n";
    } else {
      view = queueHeading(storeName, args, orders.size(),
                          page.value("next_cursor", json()).is_string());
      if (!orders.empty()) {
        view += shopQueueTable(orders);
      }
    }
    if (!follow) {
      std::cout << view;
      return 0;
    }
    if (terminal && !args.json) {
      // Redraw in place at every look, with its time.
      std::cout << "\033[H\033[2J" << view << "\n(as of " << nowText() << "; Ctrl-C to stop)"
                << std::endl;
    } else if (view != shown) {
      // Off a terminal, one view after another, each only when it changed.
      std::cout << (args.json || shown.empty() ? "" : "\n") << view << std::flush;
    }
    shown = view;
    std::this_thread::sleep_for(kFollowInterval);
  }
}

int shopShow(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string id = orderIdArgument(shop, args, "show");
  json order;
  try {
    order = cloud.get(kApi + "/shop/orders/" + id, shop.token(), "reading the order");
  } catch (const Error& e) {
    shop.explain(e, "", id);
  }
  if (args.json) {
    printJson(order);
  } else {
    std::cout << shopOrderDetails(order, shop.storeName(order.value("store_id", "")));
  }
  return 0;
}

int shopApprove(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string id = orderIdArgument(shop, args, "approve");
  const json order =
      orderPost(shop, id, "approve-pages", json::object(), "approving the page count");
  const json pages = order.value("pages", json::object());
  const json counted = pages.is_object() ? pages.value("agent", json()) : json();
  printResult(args, order,
              "order " + id + ": " +
                  (counted.is_number_integer() ? std::to_string(counted.get<int>()) + " pages "
                                               : std::string("page count ")) +
                  "approved; queued to print");
  return 0;
}

int shopPaid(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string method = args.option("method").value_or("");
  if (method != "cash" && method != "card") {
    throw UsageError("shop paid needs --method cash or --method card (how the customer paid)");
  }
  const std::string id = orderIdArgument(shop, args, "paid");
  const json order = orderPost(shop, id, "paid", {{"method", method}}, "recording the payment");
  const json charge = order.value("charge", json());
  printResult(args, order,
              "order " + id + ": paid " + (method == "cash" ? "in cash" : "by card") + "; now " +
                  stateWords(order) +
                  (charge.is_object() ? "\nprice: " + chargeText(charge) : std::string()));
  return 0;
}

int shopRelease(CloudSession& cloud, const Arguments& args) {
  // The code first, before anything is asked of the cloud; "123 456" may come as two words.
  std::string typed;
  for (std::size_t i = 2; i < args.words.size(); ++i) {
    typed += (typed.empty() ? "" : " ") + args.words[i];
  }
  if (typed.empty()) {
    throw UsageError("shop release needs the pickup CODE the customer gives (six digits)");
  }
  const auto code = pickupCodeFrom(typed);
  if (!code) {
    throw Error("invalid_pickup_code",
                "'" + fitted(typed, 20) +
                    "' is not a pickup code: it is six digits, e.g. 123 456 (the customer's "
                    "printrelay status shows it); nothing was sent");
  }
  Shopkeeper shop(cloud);
  const std::string storeId = shop.store(args);
  json order;
  try {
    order = storeSend(shop, "POST", storeId, "/release", {{"pickup_code", *code}},
                      "releasing the order");
  } catch (const Error& e) {
    if (e.code() != "pickup_code_not_found") {
      throw;
    }
    throw CloudRequestError(e.code(), "no order at " + shop.storeName(storeId) +
                                          " waits with pickup code " + spacedCode(*code) +
                                          "; check the code with the customer (their printrelay "
                                          "status shows it). Wrong codes are counted: after a "
                                          "few the store's releases pause for a while");
  }
  std::string who = order.value("customer_email", json()).is_string()
                        ? order["customer_email"].get<std::string>()
                        : order.value("customer_id", "");
  if (order.value("customer_name", json()).is_string()) {
    who = order["customer_name"].get<std::string>() + " <" + who + ">";
  }
  const json doc = order.value("document", json::object());
  const json charge = order.value("charge", json());
  printResult(
      args, order,
      "released: order " + order.value("id", "") + "\ncustomer: " + fitted(who, 70) +
          "\ndocument: " + fitted(doc.value("name", ""), 70) + "\nnow:      " + stateWords(order) +
          (charge.is_object() ? "\nprice:    " + fitted(chargeText(charge), 70) : std::string()));
  return 0;
}

int shopCancel(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string id = orderIdArgument(shop, args, "cancel");
  const json order = orderPost(shop, id, "cancel", reasonBody(args), "cancelling the order");
  const json charge = order.value("charge", json());
  printResult(args, order,
              "order " + id + " cancelled" +
                  (charge.is_object() && charge.value("payment_state", "") == "refunded"
                       ? "; the payment is refunded"
                       : std::string()));
  return 0;
}

int shopReprint(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string id = orderIdArgument(shop, args, "reprint");
  const json order = orderPost(shop, id, "reprint", reasonBody(args), "asking for a reprint");
  printResult(args, order, "order " + id + " is queued to print again");
  return 0;
}

// Written against POST /api/v1/shop/orders/{id}/resolve {"printed": bool}, which the
// outcome_unknown state brings (engineer `ack`, in parallel); its CLI test waits for that route.
int shopResolve(CloudSession& cloud, const Arguments& args) {
  const bool printed = args.option("printed").has_value();
  const bool notPrinted = args.option("not-printed").has_value();
  if (printed == notPrinted) {
    throw UsageError("shop resolve needs --printed (the pages came out) or --not-printed (they "
                     "did not: it can be printed again or cancelled)");
  }
  Shopkeeper shop(cloud);
  const std::string id = orderIdArgument(shop, args, "resolve");
  const json order =
      orderPost(shop, id, "resolve", {{"printed", printed}}, "recording whether it printed");
  printResult(args, order,
              "order " + id + ": recorded as " + (printed ? "printed" : "not printed") +
                  "\nnow: " + stateWords(order));
  return 0;
}

int shopPrices(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string storeId = shop.store(args);
  const auto settings = args.option("set");
  const auto from = args.option("from");
  if (settings && from) {
    throw UsageError("give --set or --from, not both");
  }
  json current;
  try {
    current = shop.cloud().get(kApi + "/shop/stores/" + storeId + "/prices", shop.token(),
                               "reading the prices");
  } catch (const Error& e) {
    if (e.code() != "prices_not_set") {
      shop.explain(e, storeId, "");
    }
    current = nullptr;
  }
  if (!settings && !from) {
    if (current.is_null()) {
      if (args.json) {
        printJson(nullptr);
        return 0;
      }
      std::cout << shop.storeName(storeId)
                << " has no price list yet: the shop prices each order when it prints.\n"
                   "Start one: printrelay shop prices --set "
                   "currency=EUR,bw_page=0.10,color_page=0.50\n";
      return 0;
    }
    printResult(args, current, shop.storeName(storeId) + "\n" + pricesText(current));
    return 0;
  }
  json body;
  if (from) {
    body = json::parse(readAll(*from), nullptr, false);
    if (!body.is_object()) {
      throw UsageError(*from + " is not a JSON object (the API's price list: "
                               "printrelay --json shop prices shows one)");
    }
    body.erase("store_id");
    body.erase("updated_at");
  } else {
    body = applyPriceSettings(current, *settings);
  }
  const json saved = storeSend(shop, "PUT", storeId, "/prices", body, "saving the prices");
  printResult(args, saved, "prices of " + shop.storeName(storeId) + " saved\n" + pricesText(saved));
  return 0;
}

int shopDefaults(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string storeId = shop.store(args);
  const json current = storeGet(shop, storeId, "/print-defaults", "reading the print defaults");
  const bool changing = args.option("clear") || args.option("printer") || args.option("copies") ||
                        args.option("sides") || args.option("color-mode") || args.option("media") ||
                        args.option("pages-per-sheet") || args.option("orientation") ||
                        args.option("fit-to-page") || args.option("pages");
  if (!changing) {
    printResult(args, current, shop.storeName(storeId) + "\n" + defaultsText(current));
    return 0;
  }
  const bool clear = args.option("clear").has_value();
  json body{
      {"options", defaultOptionsFrom(args, clear ? json::object()
                                                 : current.value("options", json::object()))}};
  std::string printer = clear || !current.value("printer", json()).is_string()
                            ? ""
                            : current["printer"].get<std::string>();
  if (auto given = args.option("printer")) {
    printer = *given == "none" ? "" : *given;
  }
  if (!printer.empty()) {
    body["printer"] = printer;
  }
  const json saved =
      storeSend(shop, "PUT", storeId, "/print-defaults", body, "saving the print defaults");
  printResult(args, saved,
              "print defaults of " + shop.storeName(storeId) + " saved\n" + defaultsText(saved));
  return 0;
}

int shopSettings(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  constexpr std::int64_t kMinute = 60;
  constexpr std::int64_t kHour = 3600;
  constexpr std::int64_t kDay = 86400;
  json body = json::object();
  if (auto hold = args.option("hold-by-default")) {
    if (*hold != "yes" && *hold != "no") {
      throw UsageError("--hold-by-default takes yes (orders wait for the customer's pickup code "
                       "unless they say otherwise) or no");
    }
    body["hold_by_default"] = *hold == "yes";
  }
  for (const auto& [option, field, min, max] :
       {std::tuple<const char*, const char*, std::int64_t, std::int64_t>{
            "upload-window", "upload_window_seconds", 5 * kMinute, 30 * kDay},
        {"payment-window", "payment_window_seconds", 5 * kMinute, 30 * kDay},
        {"release-window", "release_window_seconds", kHour, 90 * kDay},
        {"retention", "retention_seconds", 0, 30 * kDay}}) {
    if (const auto seconds = durationOption(args, option, min, max)) {
      body[field] = *seconds;
    }
  }
  const std::string storeId = shop.store(args);
  if (body.empty()) {
    const json current = storeGet(shop, storeId, "/settings", "reading the settings");
    printResult(args, current, shop.storeName(storeId) + "\n" + settingsText(current));
    return 0;
  }
  const json saved = storeSend(shop, "PUT", storeId, "/settings", body, "saving the settings");
  printResult(args, saved,
              "settings of " + shop.storeName(storeId) + " saved\n" + settingsText(saved));
  return 0;
}

int shopEnrollCode(CloudSession& cloud, const Arguments& args) {
  Shopkeeper shop(cloud);
  const std::string storeId = shop.store(args);
  const json result = storeSend(shop, "POST", storeId, "/enrollment-codes", json::object(),
                                "creating an enrollment code");
  const std::string code = result.value("code", "");
  printResult(args, result,
              "Enrollment code for " + shop.storeName(storeId) + " (once, until " +
                  formatTime(result.value("expires_at", std::int64_t{0})) + "):\n\n    " + code +
                  "\n\nOn the shop's PC, with the PrintRelay agent installed, run:\n"
                  "    sudo -u printrelay printrelay-agent enroll --code " +
                  code +
                  "\n    sudo systemctl restart printrelay-agent\n"
                  "(a PC enrolled before: add --force). Keep the code to yourself: the PC\n"
                  "enrolled with it receives this store's orders.");
  return 0;
}

} // namespace printrelay::cli
