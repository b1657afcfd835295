// The order commands: send a document, follow an order, list the orders.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/document_upload.h"
#include "cloud/cli/output.h"
#include "common/crypto/envelope.h"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <thread>

namespace printrelay::cli {

using nlohmann::json;

namespace {

/// An order for people: its state, store, document, options, printer and history.
void printOrderHuman(const json& order) {
  std::cout << "order    " << fieldText(order, "id") << "\n"
            << "state    " << fieldText(order, "state") << "\n"
            << "store    " << fieldText(order, "store_id") << "\n";
  if (order.contains("document")) {
    const auto& d = order["document"];
    std::cout << "document " << fieldText(d, "name") << " (" << fieldText(d, "content_type") << ", "
              << fieldText(d, "size") << " bytes sealed)\n";
  }
  if (order.contains("options")) {
    std::cout << "options  " << order["options"].dump() << "\n";
  }
  if (!order.value("printer", json()).is_null()) {
    std::cout << "printer  " << fieldText(order, "printer") << " (spooler job "
              << fieldText(order, "spooler_job_id") << ")\n";
  }
  for (const auto& entry : order.value("history", json::array())) {
    std::cout << "  " << formatTime(entry.value("at", std::int64_t{0})) << "  " << std::left
              << std::setw(16) << fieldText(entry, "state")
              << (entry.contains("note") ? fieldText(entry, "note") : "") << "\n";
  }
}

/// The order as JSON with --json, else for people.
void printOrder(const Arguments& args, const json& order) {
  if (args.json) {
    printJson(order);
  } else {
    printOrderHuman(order);
  }
}

} // namespace

int sendDocument(CloudSession& cloud, const Arguments& args) {
  if (args.words.size() != 2) {
    throw UsageError("send needs exactly one FILE");
  }
  const std::filesystem::path file = args.words[1];
  if (!std::filesystem::is_regular_file(file)) {
    throw Error("file_unreadable", file.string() + " is not a readable file");
  }
  const std::string storeId = args.required("store");
  const std::string seal = args.option("seal").value_or("local");
  if (seal != "local" && seal != "cloud") {
    throw UsageError("--seal must be local or cloud");
  }
  json options = json::object();
  if (auto v = args.option("copies")) {
    options["copies"] = parseInteger(*v, "--copies", 1, 999);
  }
  if (auto v = args.option("media")) {
    options["media"] = *v;
  }
  if (auto v = args.option("sides")) {
    options["sides"] = *v;
  }
  if (auto v = args.option("color-mode")) {
    options["print-color-mode"] = *v;
  }
  options.get<protocol::PrintOptions>(); // refuse bad options before anything is sent

  if (cloud.token().empty()) {
    throw UsageError("log in first: printrelay login --email ADDRESS");
  }
  // The type and the page count from the bytes, before anything is sent.
  const LocalDocument local = examineDocument(file, args.option("content-type"));
  const std::string& contentType = local.contentType;
  const json order =
      cloud.post(kApi + "/orders", cloud.token(),
                 {{"store_id", storeId},
                  {"document_name", args.option("name").value_or(file.filename().string())},
                  {"content_type", contentType},
                  {"options", options},
                  {"pages", local.pages}},
                 "creating the order");
  const std::string orderId = order.value("id", "");
  const std::string uploadPath = kApi + "/orders/" + orderId + "/document";
  std::uint64_t sent = 0;
  std::string keyId;
  const auto upload = [&]() -> httplib::Result {
    if (seal == "cloud") {
      return uploadPlaintext(cloud, uploadPath, file, contentType, sent);
    }
    const json store = cloud.get(kApi + "/stores/" + storeId, "", "fetching the store's key");
    const auto key = store.find("public_key");
    if (key == store.end() || !key->is_string() || key->get<std::string>().empty()) {
      throw Error("store_not_ready", "the store has no public key yet (no enrolled agent)");
    }
    const Bytes publicKey = base64Decode(key->get<std::string>());
    keyId = envelope::keyIdFor(publicKey);
    if (store.value("key_id", "") != keyId) {
      throw Error("key_mismatch", "the store's key id does not match its public key");
    }
    return uploadSealed(cloud, uploadPath, publicKey, orderId, file, sent);
  };
  const httplib::Result result = upload();
  const json uploaded = CloudSession::expectJson(result, "uploading the document");

  if (args.json) {
    json out{{"order_id", orderId}, {"state", uploaded.value("state", "")},
             {"store_id", storeId}, {"sealed", seal},
             {"bytes_sent", sent},  {"order", uploaded}};
    printJson(out);
  } else {
    std::cout << "order " << orderId << " " << uploaded.value("state", "") << " (" << sent
              << " bytes sent, "
              << (seal == "local" ? "sealed here to key " + keyId : "sealed by the cloud") << ")\n";
  }
  return 0;
}

int showOrder(CloudSession& cloud, const Arguments& args) {
  if (args.words.size() != 2) {
    throw UsageError("status needs exactly one ORDER_ID");
  }
  if (cloud.token().empty()) {
    throw UsageError("status needs a session: printrelay login (or --token)");
  }
  const std::string path = kApi + "/orders/" + args.words[1];
  const auto wait = args.option("wait");
  const long long timeout =
      parseInteger(args.option("timeout").value_or("300"), "--timeout", 0, 7 * 86400);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  json order = cloud.get(path, cloud.token(), "fetching the order");
  if (wait) {
    static const std::vector<std::string> kFinal{"printed", "failed", "cancelled", "expired"};
    for (;;) {
      const std::string state = order.value("state", "");
      if (state == *wait) {
        break;
      }
      if (std::find(kFinal.begin(), kFinal.end(), state) != kFinal.end()) {
        printOrder(args, order);
        throw WaitError("order_" + state, "the order ended " + state + ", not " + *wait);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        printOrder(args, order);
        throw WaitError("wait_timeout",
                        "the order is still " + state + " after " + std::to_string(timeout) + " s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      order = cloud.get(path, cloud.token(), "fetching the order");
    }
  }
  printOrder(args, order);
  return 0;
}

int listOrders(CloudSession& cloud, const Arguments& args) {
  if (cloud.token().empty()) {
    throw UsageError("orders needs a session: printrelay login (or --token)");
  }
  // The list comes in pages: follow next_cursor (base64url, safe in a URL) to the end.
  json orders{{"orders", json::array()}};
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    const json reply =
        cloud.get(kApi + "/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor),
                  cloud.token(), "listing orders");
    for (const auto& o : reply.value("orders", json::array())) {
      orders["orders"].push_back(o);
    }
    const auto next = reply.find("next_cursor");
    if (next == reply.end() || !next->is_string()) {
      break;
    }
    cursor = next->get<std::string>();
  }
  if (args.json) {
    printJson(orders);
    return 0;
  }
  for (const auto& o : orders.value("orders", json::array())) {
    std::cout << std::left << std::setw(38) << fieldText(o, "id") << std::setw(18)
              << fieldText(o, "state") << fieldText(o["document"], "name") << "\n";
  }
  return 0;
}

} // namespace printrelay::cli
