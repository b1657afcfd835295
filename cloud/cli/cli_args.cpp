#include "cloud/cli/cli_args.h"

#include "common/util/text.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace printrelay::cli {

std::optional<std::string> Arguments::option(const std::string& name) const {
  const auto it = options.find(name);
  if (it == options.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Arguments::required(const std::string& name) const {
  auto value = option(name);
  if (!value || value->empty()) {
    throw UsageError("--" + name + " is required");
  }
  return *value;
}

namespace {

using S = OptionScope;

const std::vector<OptionSpec> kOptionTable{
    {"cloud", "URL", S::Global,
     "the cloud, https://host:port (env PRINTRELAY_CLOUD;\ndefault https://127.0.0.1:8443)"},
    {"ca-file", "FILE", S::Global,
     "PEM CA bundle to verify the cloud with (env PRINTRELAY_CA_FILE;\ndefault: the system's CAs)"},
    {"json", "", S::Global, "machine-readable output (errors too, on standard error)"},
    {"help", "", S::Global, "this text"},
    {"version", "", S::Global, "printrelay's version"},
    {"token", "TOKEN", S::Global,
     "an access token instead of the session; warns: use\nPRINTRELAY_TOKEN or "
     "PRINTRELAY_TOKEN_FILE"},
    {"admin-token", "TOKEN", S::Global,
     "the operator token for admin commands; warns: use\nPRINTRELAY_ADMIN_TOKEN or "
     "PRINTRELAY_ADMIN_TOKEN_FILE"},
    {"copies", "N", S::Print, "1 to 999"},
    {"sides", "S", S::Print, "one-sided, two-sided-long-edge or two-sided-short-edge"},
    {"color-mode", "C", S::Print, "monochrome, color or auto"},
    {"media", "M", S::Print, "a PWG media name, e.g. iso_a4_210x297mm, na_letter_8.5x11in"},
    {"pages", "RANGES", S::Print, "the pages to print, e.g. 1-3,5"},
    {"pages-per-sheet", "N", S::Print, "1, 2, 4, 6, 9 or 16"},
    {"orientation", "O", S::Print, "portrait, landscape, reverse-landscape or reverse-portrait"},
    {"fit-to-page", "", S::Print, "scale each page to the sheet"},
    {"store", "ID", S::Command, "the store (quote, send, shop commands)"},
    {"page-count", "N", S::Command, "quote: the number of pages, instead of a FILE"},
    {"hold", "", S::Command, "send: keep the order at the shop until the pickup code is given"},
    {"seal", "local|cloud", S::Command,
     "send: seal here to the shop's pinned key (local, the default)\nor let the cloud seal "
     "the plaintext sent over TLS (cloud)"},
    {"content-type", "TYPE", S::Command,
     "send: the document's type, instead of telling it by its "
     "bytes"},
    {"name", "NAME", S::Command,
     "send: the document's name; register, admin: a person's or "
     "store's name"},
    {"wait", "STATE", S::Command, "status: wait until the order reaches STATE"},
    {"timeout", "SECONDS", S::Command, "status --wait: give up after SECONDS (exit 3)"},
    {"state", "S[,S...]", S::Command, "orders, shop queue: only orders in these states"},
    {"limit", "N", S::Command, "orders, shop queue: at most N orders a page"},
    {"cursor", "C", S::Command, "orders: the page after the one that printed C"},
    {"all", "", S::Command, "orders: every page"},
    {"wide", "", S::Command, "orders: full ids"},
    {"reason", "TEXT", S::Command, "cancel, shop cancel, shop reprint: why"},
    {"output", "FILE", S::Command, "receipt: where to write the PDF"},
    {"force", "", S::Command, "receipt: replace FILE"},
    {"key", "KEY_ID", S::Command, "trust-store: the store's new key to accept"},
    {"email", "E", S::Command,
     "register, login, forgot-password, admin create-user: the "
     "address"},
    {"address", "A", S::Command, "admin create-store: the store's postal address"},
    {"lat", "X", S::Command, "stores, admin create-store: latitude in degrees"},
    {"lon", "Y", S::Command, "stores, admin create-store: longitude in degrees"},
    {"role", "ROLE", S::Command, "admin create-user: customer, shopkeeper or admin"},
    {"method", "cash|card", S::Command, "shop paid: how the customer paid"},
    {"set", "KEY=VALUE[,...]", S::Command, "shop prices: change prices (repeatable)"},
    {"from", "FILE", S::Command, "shop prices: put a whole price list (JSON; - reads stdin)"},
    {"printer", "NAME|none", S::Command, "shop defaults: the printer orders go to"},
    {"clear", "", S::Command, "shop defaults: start from no defaults"},
    {"hold-by-default", "yes|no", S::Command, "shop settings: hold every order for its code"},
    {"upload-window", "D", S::Command, "shop settings: how long an order waits for its document"},
    {"payment-window", "D", S::Command, "shop settings: how long it waits for its payment"},
    {"release-window", "D", S::Command, "shop settings: how long it waits for its pickup code"},
    {"retention", "D", S::Command, "shop settings: how long documents are kept after printing"},
    {"follow", "", S::Command, "shop queue: redraw the table as orders come and change"},
    {"printed", "", S::Command, "shop resolve: the order did print"},
    {"not-printed", "", S::Command, "shop resolve: the order did not print"},
};

const std::vector<EnvironmentSpec> kEnvironmentTable{
    {"PRINTRELAY_CLOUD", "the cloud's URL when --cloud is not given"},
    {"PRINTRELAY_CA_FILE", "the PEM CA bundle when --ca-file is not given"},
    {"PRINTRELAY_PASSWORD", "the password (register, login, password, reset-password,\n"
                            "admin create-user); else standard input, not echoed"},
    {"PRINTRELAY_NEW_PASSWORD", "the new password for the password command"},
    {"PRINTRELAY_TOKEN", "an access token instead of the stored session"},
    {"PRINTRELAY_TOKEN_FILE", "a file whose first line is the access token"},
    {"PRINTRELAY_ADMIN_TOKEN", "the operator token (admin commands)"},
    {"PRINTRELAY_ADMIN_TOKEN_FILE", "a file whose first line is the operator token"},
    {"PRINTRELAY_MAX_UPLOAD_BYTES",
     "the upload limit checked before an order is made when the\ncloud does not publish its "
     "own (default 209715200)"},
    {"XDG_CONFIG_HOME", "where printrelay keeps credentials.json and known_stores.json\n"
                        "(in printrelay/; default ~/.config)"},
};

} // namespace

const std::vector<OptionSpec>& optionTable() {
  return kOptionTable;
}

const std::vector<EnvironmentSpec>& environmentTable() {
  return kEnvironmentTable;
}

Arguments parseArguments(const std::vector<std::string>& words) {
  Arguments args;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      args.words.insert(args.words.end(), words.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        words.end());
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
    const auto spec = std::find_if(kOptionTable.begin(), kOptionTable.end(),
                                   [&name](const OptionSpec& o) { return o.name == name; });
    if (spec == kOptionTable.end()) {
      throw UsageError("unknown option --" + name);
    }
    if (spec->value.empty()) {
      if (value) {
        throw UsageError("--" + name + " takes no value");
      }
      args.options[name] = "";
      args.json = args.json || name == "json";
      continue;
    }
    if (!value) {
      if (i + 1 >= words.size()) {
        throw UsageError("--" + name + " needs a value");
      }
      value = words[++i];
    }
    // --set may be given more than once; its values add up ("a=1" and "b=2": "a=1,b=2").
    if (const auto given = args.options.find(name); name == "set" && given != args.options.end()) {
      given->second += "," + *value;
      continue;
    }
    args.options[name] = *value;
  }
  return args;
}

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::filesystem::path configDir() {
  const std::string xdg = envOr("XDG_CONFIG_HOME", "");
  const std::filesystem::path base = !xdg.empty()
                                         ? std::filesystem::path(xdg)
                                         : std::filesystem::path(envOr("HOME", ".")) / ".config";
  return base / "printrelay";
}

void writePrivateFile(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  ::chmod(file.parent_path().c_str(), 0700);
  const auto tmp = file.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error("io_failed", "cannot write " + tmp + ": " + std::strerror(errno));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error("io_failed", "cannot write " + file.string());
  }
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
  const auto value = wholeNumber(text);
  if (!value) {
    throw UsageError(what + " must be a number");
  }
  return *value;
}

std::string readPassword(const std::string& prompt, const char* variable) {
  if (const char* env = std::getenv(variable); env != nullptr && *env != '\0') {
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
    throw UsageError(std::string("no password given (set ") + variable +
                     " or type it on standard input)");
  }
  return password;
}

} // namespace printrelay::cli
