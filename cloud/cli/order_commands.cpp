// The commands that make an order: quote a price, send a document, trust a store's new key.
#include "cloud/cli/command_handlers.h"
#include "cloud/cli/document_upload.h"
#include "cloud/cli/known_stores.h"
#include "cloud/cli/order_render.h"
#include "cloud/cli/output.h"
#include "cloud/cli/progress.h"
#include "common/crypto/envelope.h"

#include <iostream>

namespace printrelay::cli {

using nlohmann::json;

namespace {

/// The upload limit of a cloud that does not publish its own (its max_upload_bytes default,
/// 200 MiB).
constexpr long long kDefaultMaxUploadBytes = 200LL * 1024 * 1024;

/// The upload limit and where it comes from: PRINTRELAY_MAX_UPLOAD_BYTES when set, else the
/// max_upload_bytes the cloud publishes in GET /api/v1/health, else the default.
std::pair<long long, std::string> uploadLimit(CloudSession& cloud) {
  if (const std::string given = envOr("PRINTRELAY_MAX_UPLOAD_BYTES", ""); !given.empty()) {
    return {parseInteger(given, "PRINTRELAY_MAX_UPLOAD_BYTES", 1, 1LL << 50),
            "PRINTRELAY_MAX_UPLOAD_BYTES"};
  }
  const json health = cloud.get(kApi + "/health", "", "asking for the upload limit");
  if (const auto it = health.find("max_upload_bytes");
      it != health.end() && it->is_number_integer() && it->get<long long>() > 0) {
    return {it->get<long long>(), "the cloud's max_upload_bytes"};
  }
  return {kDefaultMaxUploadBytes, "the default limit"};
}

/// The store's quote for `pages` pages with `options`, or null when it published no prices.
json quoteFor(CloudSession& cloud, const std::string& storeId, int pages, const json& options) {
  try {
    return cloud.post(kApi + "/quotes", "",
                      {{"store_id", storeId}, {"pages", pages}, {"options", options}},
                      "asking for a price");
  } catch (const Error& e) {
    if (e.code() == "prices_not_set") {
      return nullptr;
    }
    throw;
  }
}

/// The store's public key, checked against its key id and the key pinned for it here.
Bytes storeKey(CloudSession& cloud, const std::string& storeId, std::string& keyId) {
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
  if (KnownStores(cloud.endpoint().baseUrl).checkOrPin(storeId, keyId)) {
    std::cerr << "printrelay: first order to store " << storeId << ": its key "
              << KnownStores::fingerprint(keyId) << " is now pinned in "
              << KnownStores::knownStoresFile().string() << "\n";
  }
  return publicKey;
}

/// `bytes` for a reader: whole MiB from 10 MiB on ("200 MiB"), bytes below ("2000 bytes").
std::string sizeWords(long long bytes) {
  constexpr long long kMiB = 1024 * 1024;
  if (bytes >= 10 * kMiB) {
    return std::to_string(bytes / kMiB) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

/// Refuses a file the cloud would refuse for its size, before an order is made.
void checkUploadSize(CloudSession& cloud, const std::filesystem::path& file, bool sealedHere) {
  const auto [limit, source] = uploadLimit(cloud);
  const std::uint64_t size = std::filesystem::file_size(file);
  const std::uint64_t upload = sealedHere ? sealedSizeBound(size) : size;
  if (upload > static_cast<std::uint64_t>(limit)) {
    throw Error("payload_too_large",
                file.string() + " is " + sizeWords(static_cast<long long>(size)) +
                    "; the cloud takes at most " + sizeWords(limit) + " per document (" + source +
                    "). Nothing was sent; split the document or ask the shop");
  }
}

/// Cancels an order whose document could not be sent, so none is left waiting; best effort.
void cancelUnsent(CloudSession& cloud, const std::string& orderId) {
  try {
    cloud.post(kApi + "/orders/" + orderId + "/cancel", cloud.token(),
               {{"reason", "the document could not be sent"}}, "cancelling the unsent order");
  } catch (const Error&) {
    // it expires by itself after the store's upload window
  }
}

} // namespace

json printOptionsFrom(const Arguments& args, json options) {
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
  if (auto v = args.option("pages")) {
    options["page-ranges"] = *v;
  }
  if (auto v = args.option("pages-per-sheet")) {
    options["number-up"] = parseInteger(*v, "--pages-per-sheet", 1, 16);
  }
  if (auto v = args.option("orientation")) {
    options["orientation-requested"] = *v;
  }
  if (args.option("fit-to-page")) {
    options["fit-to-page"] = true;
  }
  try {
    options.get<protocol::PrintOptions>();
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  return options;
}

int quotePrice(CloudSession& cloud, const Arguments& args) {
  const std::string storeId = args.required("store");
  const json options = printOptionsFrom(args);
  int pages = 0;
  if (args.words.size() == 2) {
    pages = examineDocument(args.words[1], args.option("content-type")).pages;
  } else if (args.words.size() == 1 && args.option("page-count")) {
    pages = static_cast<int>(parseInteger(*args.option("page-count"), "--page-count", 1, 100000));
  } else {
    throw UsageError("quote needs a FILE or --page-count N");
  }
  const json quote = quoteFor(cloud, storeId, pages, options);
  if (quote.is_null()) {
    throw Error("prices_not_set", "the store has published no prices yet; the shop prices the "
                                  "order when it is printed");
  }
  printResult(args, quote,
              std::to_string(pages) + (pages == 1 ? " page, " : " pages, ") + optionWords(options) +
                  ": " + quoteText(quote));
  return 0;
}

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
  const json options = printOptionsFrom(args);
  if (cloud.token().empty()) {
    throw UsageError("log in first: printrelay login --email ADDRESS");
  }
  checkUploadSize(cloud, file, seal == "local");
  // The type and the page count from the bytes, the price and the store's key: all before an
  // order is made.
  const LocalDocument local = examineDocument(file, args.option("content-type"));
  const json quote = quoteFor(cloud, storeId, local.pages, options);
  if (!args.json) {
    std::cout << "price    "
              << (quote.is_null() ? "set by the shop when it prints (no price list published)"
                                  : quoteText(quote))
              << "\n";
  }
  std::string keyId;
  const Bytes publicKey = seal == "local" ? storeKey(cloud, storeId, keyId) : Bytes{};
  json request{{"store_id", storeId},
               {"document_name", args.option("name").value_or(file.filename().string())},
               {"content_type", local.contentType},
               {"options", options},
               {"pages", local.pages}};
  if (args.option("hold")) {
    request["hold"] = true;
  }
  const json order = cloud.post(kApi + "/orders", cloud.token(), request, "creating the order");
  const std::string orderId = order.value("id", "");
  const std::string uploadPath = kApi + "/orders/" + orderId + "/document";
  std::uint64_t sent = 0;
  ProgressBar bar(std::filesystem::file_size(file), !args.json && ProgressBar::onTerminal());
  const Progress progress = [&bar](std::uint64_t done) { bar.update(done); };
  json uploaded;
  try {
    const httplib::Result result =
        seal == "cloud"
            ? uploadPlaintext(cloud, uploadPath, file, local.contentType, sent, progress)
            : uploadSealed(cloud, uploadPath, publicKey, orderId, file, sent, progress);
    bar.finish();
    uploaded = CloudSession::expectJson(result, "uploading the document", cloud.endpoint());
  } catch (const Error&) {
    bar.finish();
    cancelUnsent(cloud, orderId);
    throw;
  }
  if (args.json) {
    json out{{"order_id", orderId}, {"state", uploaded.value("state", "")},
             {"store_id", storeId}, {"sealed", seal},
             {"bytes_sent", sent},  {"quote", quote},
             {"order", uploaded}};
    if (uploaded.value("pickup_code", json()).is_string()) {
      out["pickup_code"] = uploaded["pickup_code"];
    }
    printJson(out);
    return 0;
  }
  std::cout << "order    " << orderId << "\n"
            << "state    " << stateWords(uploaded) << "\n"
            << "options  " << optionWords(uploaded.value("options", options)) << "\n"
            << "sent     " << sent << " bytes, "
            << (seal == "local" ? "sealed here to key " + KnownStores::fingerprint(keyId)
                                : std::string("sealed by the cloud"))
            << "\n";
  if (uploaded.value("state", "") == "held" && uploaded.value("pickup_code", json()).is_string()) {
    std::cout << "\n  PICKUP CODE:  " << spacedCode(uploaded["pickup_code"].get<std::string>())
              << "\n  Give this code at the counter to have the order printed.\n";
  }
  return 0;
}

int trustStoreKey(CloudSession& cloud, const Arguments& args) {
  if (args.words.size() != 2) {
    throw UsageError("trust-store needs exactly one STORE_ID");
  }
  const std::string storeId = args.words[1];
  const std::string wanted = args.required("key");
  const json store = cloud.get(kApi + "/stores/" + storeId, "", "fetching the store's key");
  const std::string offered = store.value("key_id", "");
  if (offered.empty() || offered != wanted) {
    throw Error("store_key_changed",
                "the store now offers key " +
                    (offered.empty() ? std::string("none") : KnownStores::fingerprint(offered)) +
                    ", not " + KnownStores::fingerprint(wanted) + "; nothing was pinned");
  }
  KnownStores(cloud.endpoint().baseUrl).pin(storeId, offered);
  printResult(args, {{"store_id", storeId}, {"key_id", offered}},
              "store " + storeId + ": key " + KnownStores::fingerprint(offered) + " pinned");
  return 0;
}

} // namespace printrelay::cli
