#include "cloud/cli/commands.h"

#include "cloud/cli/command_handlers.h"
#include "cloud/cli/output.h"
#include "common/util/version.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace printrelay::cli {
namespace {

using nlohmann::json;

constexpr std::string_view kUsageHead = R"(usage: printrelay [OPTIONS] COMMAND [ARGS]

Commands:
)";

constexpr std::string_view kUsageTail = R"(
--token and --admin-token still work but warn: any local user can read a command line.
Store keys are pinned in $XDG_CONFIG_HOME/printrelay/known_stores.json.

Shop commands act on --store ID, else on the shopkeeper's only store. ORDER is an
order id as `shop queue` shows it (its first characters do when they fit one order).

Exit status: 0 done, 1 the cloud or the network refused (the error code is printed, and with
--json the reason, e.g. tls_verification_failed, connection_refused, wrong_scheme),
2 bad usage (a malformed pickup code too: nothing was sent), 3 --wait ended without
reaching STATE (timeout or another final state).
)";

/// The column where an option's or environment variable's help starts in --help.
constexpr std::size_t kOptionColumn = 23;
constexpr std::size_t kEnvironmentColumn = 30;

/// The column where a command's help starts in --help, and the indent of a usage line's
/// continuation.
constexpr std::size_t kHelpColumn = 41;
constexpr std::size_t kUsageContinuation = 7;

const std::vector<Command> kCommandTable{
    {"register", CommandGroup::Account, "register --email E [--name N]",
     "create a customer account (password: see below);\n"
     "a link to confirm the address is mailed",
     registerAccount},
    {"verify", CommandGroup::Account, "verify TOKEN|LINK",
     "confirm the address with the mailed token or link", verifyAddress},
    {"login", CommandGroup::Account, "login --email E",
     "log in; keeps the tokens in\n"
     "$XDG_CONFIG_HOME/printrelay/credentials.json (mode\n"
     "0600, default ~/.config/printrelay) and refreshes them",
     logIn},
    {"logout", CommandGroup::Account, "logout", "end the session and forget the tokens", logOut},
    {"forgot-password", CommandGroup::Account, "forgot-password --email E",
     "mail a password reset token", forgotPassword},
    {"reset-password", CommandGroup::Account, "reset-password TOKEN",
     "set a new password with the mailed token", resetPassword},
    {"password", CommandGroup::Account, "password",
     "change your password (current one:\n"
     "PRINTRELAY_PASSWORD, new one:\n"
     "PRINTRELAY_NEW_PASSWORD, else standard\n"
     "input); every session ends",
     changePassword},
    {"stores", CommandGroup::Stores, "stores [--lat X --lon Y]",
     "list the print shops (nearest first with --lat/--lon)", listStores},
    {"quote", CommandGroup::Orders, "quote --store ID (FILE | --page-count N) [PRINT OPTIONS]",
     "what printing FILE (or N pages) costs\nat the store", quotePrice},
    {"send", CommandGroup::Orders,
     "send --store ID FILE [PRINT OPTIONS] [--hold] [--seal local|cloud]\n"
     "[--content-type TYPE] [--name NAME]",
     "order a print of FILE (PDF, PNG, JPEG\n"
     "or plain text, told by its bytes); the\n"
     "price is shown first; --hold keeps it\n"
     "at the shop until you give the pickup\n"
     "code there; --seal local (default)\n"
     "seals it here to the shop's key (pinned\n"
     "on first use), --seal cloud sends the\n"
     "plaintext over TLS for the cloud to\n"
     "seal on arrival",
     sendDocument},
    {"status", CommandGroup::Orders, "status ORDER_ID [--wait STATE] [--timeout SECONDS]",
     "show an order (the pickup code when it\n"
     "is held); --wait prints each state\n"
     "until it reaches STATE",
     showOrder},
    {"orders", CommandGroup::Orders,
     "orders [--state S[,S…]] [--limit N] [--cursor C] [--all] [--wide]",
     "list your orders, newest first, a page\nat a time", listOrders},
    {"cancel", CommandGroup::Orders, "cancel ORDER_ID [--reason TEXT]",
     "cancel an order before it prints (a\npayment is refunded)", cancelOrder},
    {"receipt", CommandGroup::Orders, "receipt ORDER_ID [--output FILE] [--force]",
     "save the order's receipt (PDF; default\nreceipt-ORDER_ID.pdf, replaced only\nwith --force)",
     saveReceipt},
    {"pay", CommandGroup::Orders, "pay ORDER_ID",
     "what is due and how to pay it (at the\nshop: this cloud takes no online\npayment yet)",
     payOrder},
    {"trust-store", CommandGroup::Orders, "trust-store STORE_ID --key KEY_ID",
     "accept a store's new key (after send\nrefused a changed one)", trustStoreKey},
    {"shop queue", CommandGroup::Shop,
     "shop queue [--store ID] [--state S[,S…]|open|all] [--limit N] [--follow]",
     "your store's orders (open ones unless\n"
     "--state says), a table within 80\n"
     "columns; --follow redraws it as orders\n"
     "come and change (every 2 s)",
     shopQueue},
    {"shop show", CommandGroup::Shop, "shop show ORDER [--store ID]",
     "one order: customer, document, price\nand payment, history, what to do next", shopShow},
    {"shop approve", CommandGroup::Shop, "shop approve ORDER [--store ID]",
     "print an order held because it has\nmore pages than quoted", shopApprove},
    {"shop paid", CommandGroup::Shop, "shop paid ORDER --method cash|card [--store ID]",
     "record that the customer paid here", shopPaid},
    {"shop release", CommandGroup::Shop, "shop release CODE [--store ID]",
     "print the held order whose pickup code\nthe customer gives (six digits)", shopRelease},
    {"shop cancel", CommandGroup::Shop, "shop cancel ORDER [--reason TEXT] [--store ID]",
     "cancel an order before it prints (a\npayment is refunded)", shopCancel},
    {"shop reprint", CommandGroup::Shop, "shop reprint ORDER [--reason TEXT] [--store ID]",
     "print a printed or failed order again", shopReprint},
    {"shop resolve", CommandGroup::Shop, "shop resolve ORDER --printed|--not-printed [--store ID]",
     "say whether an order whose outcome is\nunknown (the agent lost track) printed", shopResolve},
    {"shop prices", CommandGroup::Shop,
     "shop prices [--store ID] [--set KEY=VALUE[,…]] [--from FILE]",
     "show the price list; --set changes\n"
     "prices (amounts in the currency, e.g.\n"
     "bw_page=0.10; keys: currency, tax (%),\n"
     "bw_page, color_page, bw_page.MEDIA,\n"
     "color_page.MEDIA, duplex_sheet,\n"
     "per_copy, minimum (none removes),\n"
     "payment=print_then_pay|pay_first);\n"
     "--from FILE puts a whole list (the\n"
     "API's JSON; - reads standard input)",
     shopPrices},
    {"shop defaults", CommandGroup::Shop,
     "shop defaults [--store ID] [--printer NAME|none] [--copies N] [--sides S]\n"
     "[--color-mode C] [--media M] [--pages-per-sheet N] [--orientation O]\n"
     "[--fit-to-page] [--clear]",
     "show or set the print options orders\n"
     "get when the customer chose none, and\n"
     "the printer; --clear starts from none",
     shopDefaults},
    {"shop settings", CommandGroup::Shop,
     "shop settings [--store ID] [--hold-by-default yes|no] [--upload-window D]\n"
     "[--payment-window D] [--release-window D] [--retention D]",
     "show or set how long orders wait (D:\n"
     "90s, 30m, 2h, 7d): for the document and\n"
     "the payment 5m to 30d, for the pickup\n"
     "code 1h to 90d; documents are kept 0\n"
     "to 30d after printing",
     shopSettings},
    {"shop enroll-code", CommandGroup::Shop, "shop enroll-code [--store ID]",
     "a one-time code to enroll the shop's\nPC, and how to use it", shopEnrollCode},
    {"admin create-store", CommandGroup::Admin,
     "admin create-store --name N --address A --lat X --lon Y", "", createStore},
    {"admin create-user", CommandGroup::Admin,
     "admin create-user --email E --role customer|shopkeeper|admin [--name N] [--store ID]",
     "a verified account (password: see below)", createUser},
    {"admin users", CommandGroup::Admin, "admin users", "list the accounts", listUsers},
    {"admin deactivate-user", CommandGroup::Admin, "admin deactivate-user USER_ID", "",
     deactivateUser},
    {"admin assign-shopkeeper", CommandGroup::Admin, "admin assign-shopkeeper STORE_ID USER_ID", "",
     assignShopkeeper},
    {"admin enrollment-code", CommandGroup::Admin, "admin enrollment-code STORE_ID",
     "a one-time code to enroll a shop's agent", createEnrollmentCode},
    {"admin revoke-agent", CommandGroup::Admin, "admin revoke-agent AGENT_ID", "", revokeAgent},
};

/// `text` split at each '\n'.
std::vector<std::string_view> linesOf(std::string_view text) {
  std::vector<std::string_view> lines;
  while (true) {
    const auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) {
      return lines;
    }
    text.remove_prefix(end + 1);
  }
}

/// A command's lines in --help: its usage, then its help from kHelpColumn on (beside the last
/// usage line when that leaves room, else below it).
std::string usageEntry(const Command& command) {
  std::string out;
  std::string line;
  for (const auto usage : linesOf(command.usage)) {
    if (!line.empty()) {
      out += line + "\n";
      line = std::string(kUsageContinuation, ' ');
    } else {
      line = "  ";
    }
    line += usage;
  }
  if (command.help.empty()) {
    return out + line + "\n";
  }
  for (const auto help : linesOf(command.help)) {
    if (line.size() >= kHelpColumn) {
      out += line + "\n";
      line.clear();
    }
    line.resize(kHelpColumn, ' ');
    line += help;
  }
  return out + line + "\n";
}

/// `term` and its help from `column` on (below the term when it is too long), lines split by
/// '\n'.
std::string helpEntry(std::string term, std::string_view help, std::size_t column) {
  std::string out;
  std::string line = "  " + term;
  for (const auto text : linesOf(help)) {
    if (line.size() + 1 > column) {
      out += line + "\n";
      line.clear();
    }
    line.resize(column, ' ');
    line += text;
  }
  return out + line + "\n";
}

/// The options of `scope` as --help lists them.
std::string optionEntries(OptionScope scope) {
  std::string out;
  for (const auto& option : optionTable()) {
    if (option.scope == scope && option.name != "token" && option.name != "admin-token") {
      std::string term = "--" + std::string(option.name);
      if (!option.value.empty()) {
        term += " " + std::string(option.value);
      }
      out += helpEntry(term, option.help, kOptionColumn);
    }
  }
  return out;
}

/// The subcommands of `group` ("admin", "shop"), comma-separated, in table order.
std::string subcommandsOf(const std::string& group) {
  std::string names;
  for (const auto& command : kCommandTable) {
    if (command.name.starts_with(group + " ")) {
      names += (names.empty() ? "" : ", ") + std::string(command.name.substr(group.size() + 1));
    }
  }
  return names;
}

/// The command the words name: a command of its own ("send"), or a group and its subcommand
/// ("shop queue"; "admin users", which needs the operator's token). Throws UsageError.
const Command& commandFor(const std::vector<std::string>& words, const CloudSession& cloud) {
  if (const Command* command = findCommand(words[0])) {
    return *command;
  }
  const std::string& group = words[0];
  if (words.size() < 2) {
    throw UsageError(group + " needs a subcommand: " + subcommandsOf(group));
  }
  if (group == "admin" && cloud.adminToken().empty()) {
    throw UsageError("admin commands need the operator token: PRINTRELAY_ADMIN_TOKEN or "
                     "PRINTRELAY_ADMIN_TOKEN_FILE");
  }
  const Command* command = findCommand(group + " " + words[1]);
  if (command == nullptr) {
    throw UsageError("unknown " + group + " subcommand '" + words[1] + "' (" +
                     subcommandsOf(group) + ")");
  }
  return *command;
}

/// Whether `word` starts a command: a command's name, or the first word of one ("admin").
bool isCommandWord(const std::string& word) {
  if (word.find(' ') != std::string::npos) {
    return false;
  }
  for (const auto& command : kCommandTable) {
    if (command.name == word || command.name.starts_with(word + " ")) {
      return true;
    }
  }
  return false;
}

int run(const std::vector<std::string>& words, bool& jsonOutput) {
  const Arguments args = parseArguments(words);
  jsonOutput = args.json;
  if (args.option("help")) {
    std::cout << usageText();
    return 0;
  }
  if (args.option("version")) {
    std::cout << "printrelay " << version() << "\n";
    return 0;
  }
  if (args.words.empty()) {
    throw UsageError("no command given");
  }
  if (!isCommandWord(args.words[0])) {
    throw UsageError("unknown command '" + args.words[0] + "'");
  }
  CloudSession cloud(args);
  return commandFor(args.words, cloud).handler(cloud, args);
}

void reportError(const Error& error, bool jsonOutput) {
  if (jsonOutput) {
    std::cerr << errorJson(error).dump() << "\n";
  } else {
    std::cerr << errorText(error) << "\n";
  }
}

} // namespace

const std::vector<Command>& commandTable() {
  return kCommandTable;
}

const Command* findCommand(std::string_view name) {
  for (const auto& command : kCommandTable) {
    if (command.name == name) {
      return &command;
    }
  }
  return nullptr;
}

std::string usageText() {
  std::string out(kUsageHead);
  for (const auto& command : kCommandTable) {
    out += usageEntry(command);
  }
  out += "\nPrint options (quote and send):\n" + optionEntries(OptionScope::Print);
  out += "\nOptions (anywhere on the line):\n" + optionEntries(OptionScope::Global);
  out += "\nEnvironment (secrets come from here or a file, never from the command line):\n";
  for (const auto& variable : environmentTable()) {
    out += helpEntry(std::string(variable.name), variable.help, kEnvironmentColumn);
  }
  return out + std::string(kUsageTail);
}

int runCli(const std::vector<std::string>& words) {
  bool jsonOutput = false;
  try {
    return run(words, jsonOutput);
  } catch (const UsageError& e) {
    reportError(e, jsonOutput);
    std::cerr << "run 'printrelay --help' for usage\n";
    return 2;
  } catch (const WaitError& e) {
    reportError(e, jsonOutput);
    return 3;
  } catch (const Error& e) {
    reportError(e, jsonOutput);
    return e.code() == "invalid_request" || e.code() == "unsupported_option" ||
                   e.code() == "invalid_pickup_code"
               ? 2
               : 1;
  } catch (const std::exception& e) {
    reportError(Error("error", e.what()), jsonOutput);
    return 1;
  }
}

} // namespace printrelay::cli
