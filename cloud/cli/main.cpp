// printrelay: the customer's command line for the PrintRelay cloud. It speaks only the public
// HTTP API (through common/), seals documents locally by default, and always verifies the
// cloud's certificate.
#include "common/crypto/envelope.h"
#include "common/document/document.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/text.h"
#include "common/util/version.h"
#include "common/wire/http_client.h"
#include "common/wire/protocol.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <optional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <termios.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace printrelay;
using nlohmann::json;

constexpr const char* kUsage = R"(usage: printrelay [OPTIONS] COMMAND [ARGS]

Commands:
  register --email E [--name N]          create a customer account (password: see below);
                                         a link to confirm the address is mailed
  verify TOKEN|LINK                      confirm the address with the mailed token or link
  login --email E                        log in; keeps the tokens in
                                         $XDG_CONFIG_HOME/printrelay/credentials.json (mode
                                         0600, default ~/.config/printrelay) and refreshes them
  logout                                 end the session and forget the tokens
  forgot-password --email E              mail a password reset token
  reset-password TOKEN                   set a new password with the mailed token
  stores [--lat X --lon Y]               list the print shops (nearest first with --lat/--lon)
  send --store ID FILE [--copies N] [--media M] [--sides S] [--color-mode C]
       [--seal local|cloud] [--content-type TYPE] [--name NAME]
                                         order a print of FILE (PDF, PNG, JPEG or plain
                                         text, told by its bytes; its pages are counted here);
                                         --seal local (default) seals it here to the shop's
                                         key, --seal cloud sends the plaintext over TLS for
                                         the cloud to seal on arrival
  status ORDER_ID [--wait STATE] [--timeout SECONDS]
                                         show an order; --wait polls until it reaches STATE
  orders                                 list your orders
  admin create-store --name N --address A --lat X --lon Y
  admin create-user --email E --role customer|shopkeeper|admin [--name N] [--store ID]
                                         a verified account (password: see below)
  admin users                            list the accounts
  admin deactivate-user USER_ID
  admin assign-shopkeeper STORE_ID USER_ID
  admin enrollment-code STORE_ID         a one-time code to enroll a shop's agent
  admin revoke-agent AGENT_ID

Options (anywhere on the line):
  --cloud URL          the cloud, https://host:port (env PRINTRELAY_CLOUD;
                       default https://127.0.0.1:8443)
  --ca-file FILE       PEM CA bundle to verify the cloud with (env PRINTRELAY_CA_FILE;
                       default: the system's CAs)
  --token TOKEN        an access token to use instead of the logged-in session
                       (env PRINTRELAY_TOKEN)
  --admin-token TOKEN  operator token for admin commands (env PRINTRELAY_ADMIN_TOKEN)
  --json               machine-readable output
  --help, --version

Passwords are read from PRINTRELAY_PASSWORD, else from standard input (not echoed on a
terminal); never from the command line.

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
      "cloud", "ca-file",    "token",        "admin-token", "store",   "copies", "media",
      "sides", "color-mode", "seal",         "wait",        "timeout", "name",   "address",
      "lat",   "lon",        "content-type", "email",       "role"};
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
    if (token_.empty()) {
      const json stored = loadCredentials().value(endpoint_.baseUrl, json::object());
      token_ = stored.value("access_token", "");
      refreshToken_ = stored.value("refresh_token", "");
    }
  }

  const std::string& baseUrl() const { return endpoint_.baseUrl; }

  /// The user's access token, refreshed first when it is about to expire and a refresh token
  /// is stored.
  const std::string& token() {
    if (!refreshToken_.empty() && expiresWithin(token_, 60)) {
      refreshSession();
    }
    return token_;
  }

  /// Exchanges the stored refresh token for a new pair and stores it.
  void refreshSession() {
    auto result = client_->Post(kRefreshPath, headers(""),
                                json{{"refresh_token", refreshToken_}}.dump(), "application/json");
    const json pair = expectJson(result, "refreshing the session (log in again)");
    saveSession(pair);
  }

  /// Stores a token response for this cloud.
  void saveSession(const json& tokens) {
    token_ = tokens.value("access_token", "");
    refreshToken_ = tokens.value("refresh_token", "");
    json all = loadCredentials();
    all[endpoint_.baseUrl] = {{"access_token", token_}, {"refresh_token", refreshToken_}};
    storeCredentials(all);
  }

  /// Forgets this cloud's stored session.
  void forgetSession() {
    json all = loadCredentials();
    all.erase(endpoint_.baseUrl);
    storeCredentials(all);
    token_.clear();
    refreshToken_.clear();
  }

  static std::filesystem::path credentialsFile() {
    const std::string xdg = envOr("XDG_CONFIG_HOME", "");
    const std::filesystem::path base = !xdg.empty()
                                           ? std::filesystem::path(xdg)
                                           : std::filesystem::path(envOr("HOME", ".")) / ".config";
    return base / "printrelay" / "credentials.json";
  }
  void setToken(std::string token) { token_ = std::move(token); }
  const std::string& adminToken() const { return adminToken_; }
  httplib::Client& client() { return *client_; }

  /// GET path; returns the JSON body of a 2xx answer, throws Error otherwise.
  json get(const std::string& path, const std::string& token, const std::string& what) {
    auto result = client_->Get(path, headers(token));
    if (shouldRefresh(result, token)) {
      refreshSession();
      result = client_->Get(path, headers(token_));
    }
    return expectJson(result, what);
  }

  /// POST path with a JSON body.
  json post(const std::string& path, const std::string& token, const json& body,
            const std::string& what) {
    auto result = client_->Post(path, headers(token), body.dump(), "application/json");
    if (shouldRefresh(result, token)) {
      refreshSession();
      result = client_->Post(path, headers(token_), body.dump(), "application/json");
    }
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
    h.emplace("User-Agent", "printrelay/" + std::string(version()));
    return h;
  }

private:
  static constexpr const char* kRefreshPath = "/api/v1/auth/refresh";

  /// A 401 token_expired for the stored session's access token, with a refresh token at hand.
  bool shouldRefresh(const httplib::Result& result, const std::string& usedToken) const {
    if (!result || result->status != 401 || refreshToken_.empty() || usedToken != token_ ||
        usedToken.empty()) {
      return false;
    }
    const json body = json::parse(result->body, nullptr, false);
    return body.is_object() && body.contains("error") && body["error"].is_object() &&
           body["error"].value("code", "") == "token_expired";
  }

  /// Whether the JWT's exp is less than `seconds` away (true for anything unreadable).
  static bool expiresWithin(const std::string& jwt, std::int64_t seconds) {
    const auto dot1 = jwt.find('.');
    const auto dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
    if (dot2 == std::string::npos) {
      return true;
    }
    std::string part = jwt.substr(dot1 + 1, dot2 - dot1 - 1);
    std::replace(part.begin(), part.end(), '-', '+');
    std::replace(part.begin(), part.end(), '_', '/');
    while (part.size() % 4 != 0) {
      part += '=';
    }
    try {
      const Bytes bytes = base64Decode(part);
      const json claims = json::parse(bytes.begin(), bytes.end());
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      return claims.value("exp", std::int64_t{0}) - now < seconds;
    } catch (const std::exception&) {
      return true;
    }
  }

  static json loadCredentials() {
    std::ifstream in(credentialsFile());
    if (!in) {
      return json::object();
    }
    json all = json::parse(in, nullptr, false);
    return all.is_object() ? all : json::object();
  }

  static void storeCredentials(const json& all) {
    const auto file = credentialsFile();
    std::filesystem::create_directories(file.parent_path());
    ::chmod(file.parent_path().c_str(), 0700);
    const auto tmp = file.string() + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw Error("io_failed", "cannot write " + tmp + ": " + std::strerror(errno));
    }
    const std::string text = all.dump(2) + "\n";
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
      ::unlink(tmp.c_str());
      throw Error("io_failed", "cannot write " + file.string());
    }
  }

  CloudEndpoint endpoint_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  std::string refreshToken_;
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

/// A password from PRINTRELAY_PASSWORD, else one line of standard input (echo off on a tty).
std::string readPassword(const std::string& prompt) {
  if (const char* env = std::getenv("PRINTRELAY_PASSWORD"); env != nullptr && *env != '\0') {
    return env;
  }
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  std::getline(std::cin, password);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!password.empty() && password.back() == '\r') {
    password.pop_back();
  }
  if (password.empty()) {
    throw UsageError("no password given (set PRINTRELAY_PASSWORD or type it on standard input)");
  }
  return password;
}

void printResult(const Arguments& args, const json& result, const std::string& human) {
  if (args.json) {
    printJson(result);
  } else {
    std::cout << human << "\n";
  }
}

int cmdRegister(Cloud& cloud, const Arguments& args) {
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

int cmdVerify(Cloud& cloud, const Arguments& args) {
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
  printResult(args, result, "e-mail address " + text(result, "email") + " confirmed");
  return 0;
}

int cmdLogin(Cloud& cloud, const Arguments& args) {
  const std::string email = args.required("email");
  const json result =
      cloud.post(kApi + "/auth/login", "",
                 {{"email", email}, {"password", readPassword("password: ")}}, "logging in");
  cloud.saveSession(result);
  const json user = result.value("user", json::object());
  json out{{"user", user},
           {"expires_in", result.value("expires_in", 0)},
           {"credentials_file", Cloud::credentialsFile().string()}};
  std::string human = "logged in as " + email + " (" + text(user, "role") + ")";
  if (!user.value("email_verified", false)) {
    human += "\nconfirm your e-mail address before ordering (see the mail we sent)";
  }
  printResult(args, out, human);
  return 0;
}

int cmdLogout(Cloud& cloud, const Arguments& args) {
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

int cmdForgotPassword(Cloud& cloud, const Arguments& args) {
  const json result = cloud.post(kApi + "/accounts/password-reset", "",
                                 {{"email", args.required("email")}}, "asking for a reset");
  printResult(args, result, "if the address has an account, a reset token is on its way");
  return 0;
}

int cmdResetPassword(Cloud& cloud, const Arguments& args) {
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

/// What the document is and how many pages it has, told from its bytes (the cloud and the
/// shop's agent judge it the same way): the media type to declare and the page count the order
/// is quoted on. `declared` (--content-type) must agree with the bytes.
struct LocalDocument {
  std::string contentType;
  int pages = 0;
};

LocalDocument examineDocument(const std::filesystem::path& file,
                              const std::optional<std::string>& declared) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error("file_unreadable", "cannot read " + file.string());
  }
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  LocalDocument out;
  try {
    const document::Kind kind = document::sniff(bytes);
    if (kind == document::Kind::Unknown) {
      throw Error("unsupported_document", file.string() +
                                              " is not a PDF, PNG, JPEG or plain-text (UTF-8) "
                                              "file (judged by its bytes, not its name)");
    }
    out.contentType = std::string(document::mediaType(kind));
    if (declared) {
      if (mediaTypeOf(*declared) != out.contentType) {
        throw Error("document_type_mismatch",
                    file.string() + " is " + out.contentType + ", not " + *declared);
      }
    }
    out.pages = document::countPages(kind, bytes);
  } catch (...) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    throw;
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
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
  const json uploaded = Cloud::expectJson(result, "uploading the document");

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
    std::cout << std::left << std::setw(38) << text(o, "id") << std::setw(18) << text(o, "state")
              << text(o["document"], "name") << "\n";
  }
  return 0;
}

int cmdAdmin(Cloud& cloud, const Arguments& args) {
  if (args.words.size() < 2) {
    throw UsageError("admin needs a subcommand: create-store, enrollment-code, revoke-agent, "
                     "create-user, users, deactivate-user, assign-shopkeeper");
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
  } else if (sub == "create-user") {
    json body{{"email", args.required("email")},
              {"role", args.required("role")},
              {"password", readPassword("password for the new account: ")}};
    if (auto name = args.option("name")) {
      body["name"] = *name;
    }
    if (auto store = args.option("store")) {
      body["store_ids"] = json::array({*store});
    }
    result = cloud.post(kApi + "/admin/users", cloud.adminToken(), body, "creating the user");
    if (!args.json) {
      std::cout << text(result, "role") << " " << text(result, "id") << " created ("
                << text(result, "email") << ")\n";
    }
  } else if (sub == "users") {
    result = cloud.get(kApi + "/admin/users", cloud.adminToken(), "listing users");
    if (!args.json) {
      for (const auto& u : result.value("users", json::array())) {
        std::cout << std::left << std::setw(38) << text(u, "id") << std::setw(12) << text(u, "role")
                  << std::setw(6) << (u.value("deactivated", false) ? "off" : "on")
                  << text(u, "email") << "\n";
      }
    }
  } else if (sub == "deactivate-user") {
    if (args.words.size() != 3) {
      throw UsageError("admin deactivate-user needs USER_ID");
    }
    result = cloud.post(kApi + "/admin/users/" + args.words[2] + "/deactivate", cloud.adminToken(),
                        json::object(), "deactivating the user");
    if (!args.json) {
      std::cout << "user " << text(result, "id") << " deactivated\n";
    }
  } else if (sub == "assign-shopkeeper") {
    if (args.words.size() != 4) {
      throw UsageError("admin assign-shopkeeper needs STORE_ID USER_ID");
    }
    auto r = cloud.client().Put(kApi + "/admin/stores/" + args.words[2] + "/shopkeepers/" +
                                    args.words[3],
                                Cloud::headers(cloud.adminToken()), "{}", "application/json");
    result = Cloud::expectJson(r, "assigning the shopkeeper");
    if (!args.json) {
      std::cout << "user " << text(result, "user_id") << " now keeps "
                << result.value("store_ids", json::array()).dump() << "\n";
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
    std::cout << "printrelay " << version() << "\n";
    return 0;
  }
  if (args.words.empty()) {
    throw UsageError("no command given");
  }
  const std::string& command = args.words[0];
  static const std::vector<std::string> kCommands{
      "register", "verify", "login",  "logout", "forgot-password", "reset-password", "stores",
      "send",     "status", "orders", "admin"};
  if (std::find(kCommands.begin(), kCommands.end(), command) == kCommands.end()) {
    throw UsageError("unknown command '" + command + "'");
  }
  Cloud cloud(args);
  if (command == "register") {
    return cmdRegister(cloud, args);
  }
  if (command == "verify") {
    return cmdVerify(cloud, args);
  }
  if (command == "login") {
    return cmdLogin(cloud, args);
  }
  if (command == "logout") {
    return cmdLogout(cloud, args);
  }
  if (command == "forgot-password") {
    return cmdForgotPassword(cloud, args);
  }
  if (command == "reset-password") {
    return cmdResetPassword(cloud, args);
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
