// printrelay: the customer's command line for the PrintRelay cloud. It speaks only the public
// HTTP API (through common/), seals documents locally by default, and always verifies the
// cloud's certificate.
#include "common/encoding.h"
#include "common/envelope.h"
#include "common/error.h"
#include "common/http_client.h"
#include "common/protocol.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifndef PRINTRELAY_VERSION
#define PRINTRELAY_VERSION "0.0.0"
#endif

namespace {

using namespace printrelay;
using nlohmann::json;

constexpr const char* kUsage = R"(usage: printrelay [OPTIONS] COMMAND [ARGS]

Commands:
  guest                                  create a guest customer and print its token
  stores [--lat X --lon Y]               list the print shops (nearest first with --lat/--lon)
  send --store ID FILE [--copies N] [--media M] [--sides S] [--color-mode C]
       [--seal local|cloud] [--content-type TYPE] [--name NAME]
                                         order a print of FILE; --seal local (default) seals
                                         it here to the shop's key, --seal cloud sends the
                                         plaintext over TLS for the cloud to seal on arrival
  status ORDER_ID [--wait STATE] [--timeout SECONDS]
                                         show an order; --wait polls until it reaches STATE
  orders                                 list your orders
  admin create-store --name N --address A --lat X --lon Y
  admin enrollment-code STORE_ID         a one-time code to enroll a shop's agent
  admin revoke-agent AGENT_ID

Options (anywhere on the line):
  --cloud URL          the cloud, https://host:port (env PRINTRELAY_CLOUD;
                       default https://127.0.0.1:8443)
  --ca-file FILE       PEM CA bundle to verify the cloud with (env PRINTRELAY_CA_FILE;
                       default: the system's CAs)
  --token TOKEN        customer token (env PRINTRELAY_TOKEN)
  --admin-token TOKEN  operator token for admin commands (env PRINTRELAY_ADMIN_TOKEN)
  --json               machine-readable output
  --help, --version

Exit status: 0 done, 1 the cloud or the network refused (the error code is printed),
2 bad usage, 3 --wait ended without reaching STATE (timeout or another final state).
)";

/// A usage error: exit status 2.
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error("usage", message) {}
};

/// A --wait that did not end in the wanted state: exit status 3.
class WaitError : public Error {
public:
  WaitError(std::string code, const std::string& message) : Error(std::move(code), message) {}
};

/// The command line, split into options (by name) and positional words.
struct Arguments {
  std::map<std::string, std::string> options;
  std::vector<std::string> words;
  bool json = false;

  std::optional<std::string> option(const std::string& name) const {
    const auto it = options.find(name);
    if (it == options.end()) {
      return std::nullopt;
    }
    return it->second;
  }
  std::string required(const std::string& name) const {
    auto value = option(name);
    if (!value || value->empty()) {
      throw UsageError("--" + name + " is required");
    }
    return *value;
  }
};

Arguments parseArguments(int argc, char** argv) {
  static const std::vector<std::string> kValued{
      "cloud", "ca-file", "token",      "admin-token", "store",       "copies",
      "media", "sides",   "color-mode", "seal",        "wait",        "timeout",
      "name",  "address", "lat",        "lon",         "content-type"};
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") {
      for (++i; i < argc; ++i) {
        args.words.emplace_back(argv[i]);
      }
      break;
    }
    if (word.rfind("--", 0) != 0 || word.size() == 2) {
      args.words.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "json" || name == "help" || name == "version") {
      if (value) {
        throw UsageError("--" + name + " takes no value");
      }
      args.options[name] = "";
      args.json = args.json || name == "json";
      continue;
    }
    if (std::find(kValued.begin(), kValued.end(), name) == kValued.end()) {
      throw UsageError("unknown option --" + name);
    }
    if (!value) {
      if (i + 1 >= argc) {
        throw UsageError("--" + name + " needs a value");
      }
      value = argv[++i];
    }
    args.options[name] = *value;
  }
  return args;
}

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

long long parseInteger(const std::string& text, const std::string& what, long long min,
                       long long max) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < min || value > max) {
    throw UsageError(what + " must be a whole number between " + std::to_string(min) + " and " +
                     std::to_string(max));
  }
  return value;
}

double parseNumber(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    throw UsageError(what + " must be a number");
  }
  return value;
}

/// The cloud connection and the credentials the command line gave.
class Cloud {
public:
  explicit Cloud(const Arguments& args) {
    endpoint_.baseUrl =
        args.option("cloud").value_or(envOr("PRINTRELAY_CLOUD", "https://127.0.0.1:8443"));
    while (!endpoint_.baseUrl.empty() && endpoint_.baseUrl.back() == '/') {
      endpoint_.baseUrl.pop_back();
    }
    endpoint_.caFile = args.option("ca-file").value_or(envOr("PRINTRELAY_CA_FILE", ""));
    endpoint_.readTimeout = std::chrono::seconds(120);
    validateBaseUrl(endpoint_.baseUrl, false);
    client_ = makeClient(endpoint_);
    token_ = args.option("token").value_or(envOr("PRINTRELAY_TOKEN", ""));
    adminToken_ = args.option("admin-token").value_or(envOr("PRINTRELAY_ADMIN_TOKEN", ""));
  }

  const std::string& token() const { return token_; }
  void setToken(std::string token) { token_ = std::move(token); }
  const std::string& adminToken() const { return adminToken_; }
  httplib::Client& client() { return *client_; }

  /// GET path; returns the JSON body of a 2xx answer, throws Error otherwise.
  json get(const std::string& path, const std::string& token, const std::string& what) {
    auto result = client_->Get(path, headers(token));
    return expectJson(result, what);
  }

  /// POST path with a JSON body.
  json post(const std::string& path, const std::string& token, const json& body,
            const std::string& what) {
    auto result = client_->Post(path, headers(token), body.dump(), "application/json");
    return expectJson(result, what);
  }

  static json expectJson(const httplib::Result& result, const std::string& what) {
    if (!result || result->status < 200 || result->status >= 300) {
      throwForResult(result, what);
    }
    json body = json::parse(result->body, nullptr, false);
    if (body.is_discarded()) {
      throw Error("bad_response", what + ": the cloud's answer is not JSON");
    }
    return body;
  }

  static httplib::Headers headers(const std::string& token) {
    httplib::Headers h = token.empty() ? httplib::Headers{} : bearer(token);
    h.emplace("User-Agent", "printrelay/" PRINTRELAY_VERSION);
    return h;
  }

private:
  CloudEndpoint endpoint_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  std::string adminToken_;
};

const std::string kApi(protocol::kApiPrefix);

void printJson(const json& value) {
  std::cout << value.dump(2) << "\n";
}

std::string formatTime(std::int64_t unixSeconds) {
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%SZ");
  return out.str();
}

std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return "-";
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int cmdGuest(Cloud& cloud, const Arguments& args) {
  const json guest = cloud.post(kApi + "/customers/guest", "", json::object(), "creating a guest");
  if (args.json) {
    printJson(guest);
  } else {
    std::cout << "customer " << text(guest, "customer_id") << "\n"
              << "token    " << text(guest, "token") << "\n"
              << "(export PRINTRELAY_TOKEN=<token> to use it)\n";
  }
  return 0;
}

int cmdStores(Cloud& cloud, const Arguments& args) {
  std::string path = kApi + "/stores";
  const auto lat = args.option("lat");
  const auto lon = args.option("lon");
  if (lat.has_value() != lon.has_value()) {
    throw UsageError("give both --lat and --lon, or neither");
  }
  if (lat) {
    path += "?lat=" + std::to_string(parseNumber(*lat, "--lat")) +
            "&lon=" + std::to_string(parseNumber(*lon, "--lon"));
  }
  const json stores = cloud.get(path, "", "listing stores");
  if (args.json) {
    printJson(stores);
    return 0;
  }
  std::cout << std::left << std::setw(38) << "ID" << std::setw(8) << "ONLINE" << std::setw(10)
            << "KM"
            << "NAME / ADDRESS\n";
  for (const auto& s : stores.value("stores", json::array())) {
    std::cout << std::setw(38) << text(s, "id") << std::setw(8)
              << (s.value("online", false) ? "yes" : "no") << std::setw(10)
              << text(s, "distance_km") << text(s, "name") << " / " << text(s, "address") << "\n";
  }
  return 0;
}

std::string guessContentType(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".pdf") {
    return "application/pdf";
  }
  if (ext == ".txt" || ext == ".text") {
    return "text/plain";
  }
  if (ext == ".png") {
    return "image/png";
  }
  if (ext == ".jpg" || ext == ".jpeg") {
    return "image/jpeg";
  }
  if (ext == ".ps") {
    return "application/postscript";
  }
  throw UsageError("cannot tell the type of " + file.string() +
                   "; give --content-type (application/pdf, text/plain, image/png, image/jpeg "
                   "or application/postscript)");
}

/// Streams `file` through a Sealer into the request body, one chunk at a time.
httplib::Result uploadSealed(Cloud& cloud, const std::string& path, const Bytes& publicKey,
                             const std::string& orderId, const std::filesystem::path& file,
                             std::uint64_t& sentBytes) {
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  if (!*in) {
    throw Error("file_unreadable", "cannot read " + file.string());
  }
  httplib::DataSink* current = nullptr;
  bool sinkFailed = false;
  auto sealer = std::make_shared<envelope::Sealer>(
      publicKey, orderId, [&](std::span<const std::uint8_t> bytes) {
        if (current == nullptr ||
            !current->write(reinterpret_cast<const char*>(bytes.data()), bytes.size())) {
          sinkFailed = true;
          return false;
        }
        sentBytes += bytes.size();
        return true;
      });
  bool finished = false;
  auto result = cloud.client().Put(
      path, Cloud::headers(cloud.token()),
      [&](std::size_t, httplib::DataSink& sink) {
        current = &sink;
        if (finished) {
          sink.done();
          return true;
        }
        std::vector<char> buffer(envelope::kDefaultChunkSize);
        in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<std::size_t>(in->gcount());
        try {
          if (got > 0) {
            sealer->write({reinterpret_cast<const std::uint8_t*>(buffer.data()), got});
          }
          if (in->eof()) {
            sealer->finish();
            finished = true;
            sink.done();
          } else if (!*in) {
            return false;
          }
        } catch (const Error&) {
          return false;
        }
        return !sinkFailed;
      },
      std::string(envelope::kMediaType));
  return result;
}

/// Streams the plaintext file as the request body (the cloud seals it as it arrives).
httplib::Result uploadPlaintext(Cloud& cloud, const std::string& path,
                                const std::filesystem::path& file, const std::string& contentType,
                                std::uint64_t& sentBytes) {
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  if (!*in) {
    throw Error("file_unreadable", "cannot read " + file.string());
  }
  const auto size = static_cast<std::size_t>(std::filesystem::file_size(file));
  return cloud.client().Put(
      path, Cloud::headers(cloud.token()), size,
      [in, &sentBytes](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        std::vector<char> buffer(std::min<std::size_t>(length, 64 * 1024));
        in->seekg(static_cast<std::streamoff>(offset));
        in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<std::size_t>(in->gcount());
        if (got == 0) {
          return false;
        }
        sentBytes += got;
        return sink.write(buffer.data(), got);
      },
      contentType);
}

int cmdSend(Cloud& cloud, const Arguments& args) {
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
  const std::string contentType = args.option("content-type").value_or(guessContentType(file));
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

  json guest;
  if (cloud.token().empty()) {
    guest = cloud.post(kApi + "/customers/guest", "", json::object(), "creating a guest");
    cloud.setToken(guest.value("token", ""));
  }
  const json order =
      cloud.post(kApi + "/orders", cloud.token(),
                 {{"store_id", storeId},
                  {"document_name", args.option("name").value_or(file.filename().string())},
                  {"content_type", contentType},
                  {"options", options}},
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
  const json uploaded = Cloud::expectJson(result, "uploading the document");

  if (args.json) {
    json out{{"order_id", orderId}, {"state", uploaded.value("state", "")},
             {"store_id", storeId}, {"sealed", seal},
             {"bytes_sent", sent},  {"order", uploaded}};
    if (!guest.is_null()) {
      out["customer_id"] = guest.value("customer_id", "");
      out["token"] = guest.value("token", "");
    }
    printJson(out);
  } else {
    if (!guest.is_null()) {
      std::cout << "created a guest customer; your token (keep it to follow the order):\n  "
                << guest.value("token", "") << "\n";
    }
    std::cout << "order " << orderId << " " << uploaded.value("state", "") << " (" << sent
              << " bytes sent, "
              << (seal == "local" ? "sealed here to key " + keyId : "sealed by the cloud") << ")\n";
  }
  return 0;
}

void printOrderHuman(const json& order) {
  std::cout << "order    " << text(order, "id") << "\n"
            << "state    " << text(order, "state") << "\n"
            << "store    " << text(order, "store_id") << "\n";
  if (order.contains("document")) {
    const auto& d = order["document"];
    std::cout << "document " << text(d, "name") << " (" << text(d, "content_type") << ", "
              << text(d, "size") << " bytes sealed)\n";
  }
  if (order.contains("options")) {
    std::cout << "options  " << order["options"].dump() << "\n";
  }
  if (!order.value("printer", json()).is_null()) {
    std::cout << "printer  " << text(order, "printer") << " (spooler job "
              << text(order, "spooler_job_id") << ")\n";
  }
  for (const auto& entry : order.value("history", json::array())) {
    std::cout << "  " << formatTime(entry.value("at", std::int64_t{0})) << "  " << std::left
              << std::setw(16) << text(entry, "state")
              << (entry.contains("note") ? text(entry, "note") : "") << "\n";
  }
}

int cmdStatus(Cloud& cloud, const Arguments& args) {
  if (args.words.size() != 2) {
    throw UsageError("status needs exactly one ORDER_ID");
  }
  if (cloud.token().empty()) {
    throw UsageError("status needs --token (or PRINTRELAY_TOKEN)");
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
        if (args.json) {
          printJson(order);
        } else {
          printOrderHuman(order);
        }
        throw WaitError("order_" + state, "the order ended " + state + ", not " + *wait);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        if (args.json) {
          printJson(order);
        } else {
          printOrderHuman(order);
        }
        throw WaitError("wait_timeout",
                        "the order is still " + state + " after " + std::to_string(timeout) + " s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      order = cloud.get(path, cloud.token(), "fetching the order");
    }
  }
  if (args.json) {
    printJson(order);
  } else {
    printOrderHuman(order);
  }
  return 0;
}

int cmdOrders(Cloud& cloud, const Arguments& args) {
  if (cloud.token().empty()) {
    throw UsageError("orders needs --token (or PRINTRELAY_TOKEN)");
  }
  const json orders = cloud.get(kApi + "/orders", cloud.token(), "listing orders");
  if (args.json) {
    printJson(orders);
    return 0;
  }
  for (const auto& o : orders.value("orders", json::array())) {
    std::cout << std::left << std::setw(38) << text(o, "id") << std::setw(18) << text(o, "state")
              << text(o["document"], "name") << "\n";
  }
  return 0;
}

int cmdAdmin(Cloud& cloud, const Arguments& args) {
  if (args.words.size() < 2) {
    throw UsageError("admin needs a subcommand: create-store, enrollment-code, revoke-agent");
  }
  if (cloud.adminToken().empty()) {
    throw UsageError("admin commands need --admin-token (or PRINTRELAY_ADMIN_TOKEN)");
  }
  const std::string& sub = args.words[1];
  json result;
  if (sub == "create-store") {
    result = cloud.post(kApi + "/admin/stores", cloud.adminToken(),
                        {{"name", args.required("name")},
                         {"address", args.option("address").value_or("")},
                         {"latitude", parseNumber(args.required("lat"), "--lat")},
                         {"longitude", parseNumber(args.required("lon"), "--lon")}},
                        "creating the store");
    if (!args.json) {
      std::cout << "store " << text(result, "id") << " created (" << text(result, "name") << ")\n";
    }
  } else if (sub == "enrollment-code") {
    if (args.words.size() != 3) {
      throw UsageError("admin enrollment-code needs STORE_ID");
    }
    result = cloud.post(kApi + "/shop/stores/" + args.words[2] + "/enrollment-codes",
                        cloud.adminToken(), json::object(), "creating an enrollment code");
    if (!args.json) {
      std::cout << "enrollment code " << text(result, "code") << " (valid until "
                << formatTime(result.value("expires_at", std::int64_t{0})) << ")\n";
    }
  } else if (sub == "revoke-agent") {
    if (args.words.size() != 3) {
      throw UsageError("admin revoke-agent needs AGENT_ID");
    }
    result = cloud.post(kApi + "/admin/agents/" + args.words[2] + "/revoke", cloud.adminToken(),
                        json::object(), "revoking the agent");
    if (!args.json) {
      std::cout << "agent " << text(result, "agent_id") << " revoked\n";
    }
  } else {
    throw UsageError("unknown admin subcommand '" + sub + "'");
  }
  if (args.json) {
    printJson(result);
  }
  return 0;
}

int run(int argc, char** argv, bool& jsonOutput) {
  const Arguments args = parseArguments(argc, argv);
  jsonOutput = args.json;
  if (args.option("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (args.option("version")) {
    std::cout << "printrelay " PRINTRELAY_VERSION "\n";
    return 0;
  }
  if (args.words.empty()) {
    throw UsageError("no command given");
  }
  const std::string& command = args.words[0];
  static const std::vector<std::string> kCommands{"guest",  "stores", "send",
                                                  "status", "orders", "admin"};
  if (std::find(kCommands.begin(), kCommands.end(), command) == kCommands.end()) {
    throw UsageError("unknown command '" + command + "'");
  }
  Cloud cloud(args);
  if (command == "guest") {
    return cmdGuest(cloud, args);
  }
  if (command == "stores") {
    return cmdStores(cloud, args);
  }
  if (command == "send") {
    return cmdSend(cloud, args);
  }
  if (command == "status") {
    return cmdStatus(cloud, args);
  }
  if (command == "orders") {
    return cmdOrders(cloud, args);
  }
  return cmdAdmin(cloud, args);
}

void reportError(const std::string& code, const std::string& message, bool jsonOutput) {
  if (jsonOutput) {
    std::cerr << json{{"error", {{"code", code}, {"message", message}}}}.dump() << "\n";
  } else {
    std::cerr << "printrelay: error: " << code << ": " << message << "\n";
  }
}

} // namespace

int main(int argc, char** argv) {
  bool jsonOutput = false;
  try {
    return run(argc, argv, jsonOutput);
  } catch (const UsageError& e) {
    reportError(e.code(), e.what(), jsonOutput);
    std::cerr << "run 'printrelay --help' for usage\n";
    return 2;
  } catch (const WaitError& e) {
    reportError(e.code(), e.what(), jsonOutput);
    return 3;
  } catch (const Error& e) {
    reportError(e.code(), e.what(), jsonOutput);
    return e.code() == "invalid_request" || e.code() == "unsupported_option" ? 2 : 1;
  } catch (const std::exception& e) {
    reportError("error", e.what(), jsonOutput);
    return 1;
  }
}
