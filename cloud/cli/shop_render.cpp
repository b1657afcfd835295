#include "cloud/cli/shop_render.h"

#include "cloud/cli/cli_args.h"
#include "cloud/cli/order_render.h"
#include "cloud/cli/output.h"
#include "common/util/text.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

namespace printrelay::cli {

using nlohmann::json;

namespace {

/// The largest amount a price list takes, in minor units (the API's limit).
constexpr std::int64_t kMaxMinor = 1'000'000'000;

std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string rightAligned(const std::string& s, std::size_t to) {
  const std::size_t w = width(s);
  return w >= to ? s : std::string(to - w, ' ') + s;
}

/// The pages the shop prints: the agent's count once it has one, else the count quoted.
std::optional<std::int64_t> pagesOf(const json& order) {
  const json pages = order.value("pages", json());
  if (!pages.is_object()) {
    return std::nullopt;
  }
  for (const char* key : {"agent", "quoted", "cloud", "client"}) {
    if (pages.value(key, json()).is_number_integer()) {
      return pages[key].get<std::int64_t>();
    }
  }
  return std::nullopt;
}

std::string priceOf(const json& order) {
  const json charge = order.value("charge", json());
  if (!charge.is_object()) {
    return "-";
  }
  return moneyText(integer(charge, "total_minor"), text(charge, "currency"),
                   static_cast<int>(integer(charge, "currency_exponent", 2)));
}

/// Who ordered: "Name <address>", the address alone, or the account id.
std::string customerWords(const json& order) {
  const std::string email = text(order, "customer_email");
  const std::string name = text(order, "customer_name");
  if (!email.empty()) {
    return name.empty() ? email : name + " <" + email + ">";
  }
  return name.empty() ? text(order, "customer_id") : name;
}

/// What the shop does next with an order in its state: why, and the command to type (each
/// within 80 columns as shown); empty when nothing is left to do.
std::pair<std::string, std::string> nextStep(const json& order) {
  const std::string state = text(order, "state");
  const std::string id = text(order, "id");
  const json charge = order.value("charge", json());
  const bool unpaid = charge.is_object() && text(charge, "payment_state") == "unpaid";
  if (state == "held" && text(order, "hold_reason") == "page_count") {
    return {"it has more pages than quoted; print it anyway (or shop cancel):",
            "printrelay shop approve " + id};
  }
  if (state == "held") {
    return {"ask the customer for the pickup code, then:", "printrelay shop release CODE"};
  }
  if (state == "awaiting_payment") {
    return {"when the customer pays here:", "printrelay shop paid " + id + " --method cash|card"};
  }
  if (state == "outcome_unknown") {
    return {"check the printer's output, then (or --not-printed):",
            "printrelay shop resolve " + id + " --printed"};
  }
  if (state == "printed" && unpaid) {
    return {"collect the payment, then:", "printrelay shop paid " + id + " --method cash|card"};
  }
  if (state == "printed" || state == "failed") {
    return {"to print it again:", "printrelay shop reprint " + id};
  }
  return {};
}

/// One line of a price list: the label, the amount and the key that sets it.
std::string priceLine(const std::string& label, const std::string& amount, const std::string& key) {
  return "  " + padded(label, 28) + padded(amount, 16) + key + "\n";
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) {
    return "";
  }
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

/// A percentage with at most two decimals ("19", "7.7") as basis points.
std::optional<std::int64_t> percentToBasisPoints(const std::string& typed) {
  std::string s = typed;
  if (!s.empty() && s.back() == '%') {
    s.pop_back();
  }
  const auto bp = parseMoney(s, 2, false);
  if (!bp || *bp > 10000) {
    return std::nullopt;
  }
  return bp;
}

std::string basisPointsText(std::int64_t bp) {
  std::string out = moneyText(bp, "", 2);
  while (out.find('.') != std::string::npos && (out.back() == '0' || out.back() == '.')) {
    out.pop_back();
  }
  return out + " %";
}

} // namespace

std::string shopStateWords(const json& order) {
  const std::string state = text(order, "state");
  if (state == "held") {
    return text(order, "hold_reason") == "page_count" ? "held (pages)" : "held (pickup)";
  }
  std::string words = state;
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

std::string shopQueueTable(const json& orders) {
  // 12 + 11 + 16 + 5 + 10 + 16 characters and five gaps of two: 80 columns.
  std::ostringstream out;
  const auto line = [&](const std::string& id, const std::string& time, const std::string& customer,
                        const std::string& pages, const std::string& price,
                        const std::string& state) {
    std::string row = padded(fitted(id, 12), 12) + "  " + padded(time, 11) + "  " +
                      padded(fitted(customer, 16), 16) + "  " + rightAligned(pages, 5) + "  " +
                      rightAligned(fitted(price, 10), 10) + "  " + fitted(state, 16);
    while (!row.empty() && row.back() == ' ') {
      row.pop_back();
    }
    out << row << "\n";
  };
  line("ID", "TIME (UTC)", "CUSTOMER", "PAGES", "PRICE", "STATE");
  for (const auto& order : orders) {
    const auto pages = pagesOf(order);
    const std::string created = formatTime(integer(order, "created_at"));
    std::string customer = text(order, "customer_email");
    if (customer.empty()) {
      customer = customerWords(order);
    }
    line(text(order, "id").substr(0, 12), created.substr(5, 11), customer,
         pages ? std::to_string(*pages) : "-", priceOf(order), shopStateWords(order));
  }
  return out.str();
}

std::string shopOrderDetails(const json& order, const std::string& storeName) {
  std::ostringstream out;
  const auto row = [&](const char* label, const std::string& value) {
    out << padded(label, 10) << fitted(value, 70) << "\n";
  };
  row("Order", text(order, "id"));
  row("Store", storeName.empty() ? text(order, "store_id") : storeName);
  row("State", stateWords(order));
  row("Customer", customerWords(order));
  if (const json doc = order.value("document", json()); doc.is_object()) {
    std::string line = text(doc, "name");
    if (const auto pages = pagesOf(order)) {
      line += " (" + std::to_string(*pages) + (*pages == 1 ? " page)" : " pages)");
    }
    row("Document", line);
  }
  row("Options", optionWords(order.value("options", json::object())));
  if (const json charge = order.value("charge", json()); charge.is_object()) {
    row("Price", chargeText(charge));
  } else {
    row("Price", "none fixed (the store had no price list when it was quoted)");
  }
  if (order.value("printer", json()).is_string()) {
    row("Printer", text(order, "printer"));
  }
  row("Created", formatTime(integer(order, "created_at")));
  if (order.value("expires_at", json()).is_number_integer()) {
    row("Expires", formatTime(integer(order, "expires_at")));
  }
  out << historyText(order.value("history", json::array()));
  if (const auto [why, command] = nextStep(order); !command.empty()) {
    out << "\nNext: " << why << "\n  " << command << "\n";
  }
  // Every line within 80 columns, a long next step included.
  std::istringstream lines(out.str());
  std::string fittedText;
  for (std::string line; std::getline(lines, line);) {
    fittedText += fitted(line, 80) + "\n";
  }
  return fittedText;
}

std::string pricesText(const json& prices) {
  const std::string currency = text(prices, "currency");
  const int exponent = static_cast<int>(integer(prices, "currency_exponent", 2));
  const auto money = [&](std::int64_t minor) { return moneyText(minor, currency, exponent); };
  std::ostringstream out;
  out << padded("Prices (net; tax is added on top)", 46) << "KEY for --set\n";
  out << priceLine("Currency", currency, "currency");
  out << priceLine("Tax", basisPointsText(integer(prices, "tax_rate_bp")), "tax");
  const json sides = prices.value("per_side_minor", json::object());
  for (const auto& [mode, label, key] : {std::tuple<const char*, const char*, const char*>{
                                             "monochrome", "Black and white side", "bw_page"},
                                         {"color", "Colour side", "color_page"}}) {
    const json media = sides.value(mode, json::object());
    if (!media.is_object()) {
      continue;
    }
    if (media.contains("default")) {
      out << priceLine(label, money(integer(media, "default")), key);
    }
    for (const auto& [name, amount] : media.items()) {
      if (name != "default" && amount.is_number_integer()) {
        out << priceLine(std::string("  on ") + fitted(name, 22), money(amount.get<std::int64_t>()),
                         std::string(key) + "." + name);
      }
    }
  }
  if (prices.contains("duplex_per_sheet_minor")) {
    out << priceLine("Two-sided sheet (+/-)", money(integer(prices, "duplex_per_sheet_minor")),
                     "duplex_sheet");
  }
  if (prices.contains("per_copy_minor")) {
    out << priceLine("Handling per copy", money(integer(prices, "per_copy_minor")), "per_copy");
  }
  if (prices.contains("minimum_order_minor")) {
    out << priceLine("Minimum order", money(integer(prices, "minimum_order_minor")), "minimum");
  }
  const std::string policy = text(prices, "payment_policy");
  out << priceLine("Payment", policy == "pay_first" ? "before printing" : "after printing",
                   "payment");
  if (prices.value("updated_at", json()).is_number_integer()) {
    out << "  last changed " << formatTime(integer(prices, "updated_at")) << "\n";
  }
  return out.str();
}

std::optional<std::int64_t> parseMoney(const std::string& typed, int exponent, bool allowNegative) {
  std::string s = trimmed(typed);
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  if (negative && !allowNegative) {
    return std::nullopt;
  }
  const auto dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : s.substr(dot + 1);
  if ((whole.empty() && fraction.empty()) || whole.size() > 10 ||
      fraction.size() > static_cast<std::size_t>(exponent) ||
      (dot != std::string::npos && fraction.empty() && exponent > 0 && whole.empty()) ||
      whole.find_first_not_of("0123456789") != std::string::npos ||
      fraction.find_first_not_of("0123456789") != std::string::npos ||
      (dot != std::string::npos && exponent == 0)) {
    return std::nullopt;
  }
  fraction.resize(static_cast<std::size_t>(exponent), '0');
  const std::string digits = (whole.empty() ? "0" : whole) + fraction;
  if (digits.size() > 12) {
    return std::nullopt;
  }
  const std::int64_t minor = std::stoll(digits);
  if (minor > kMaxMinor) {
    return std::nullopt;
  }
  return negative ? -minor : minor;
}

json applyPriceSettings(json prices, const std::string& settings) {
  if (!prices.is_object()) {
    prices = json::object();
  }
  prices.erase("store_id");
  prices.erase("updated_at");
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= settings.size()) {
    const auto comma = settings.find(',', start);
    const std::string item = trimmed(settings.substr(start, comma - start));
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("--set takes KEY=VALUE[,KEY=VALUE…], not '" + fitted(item, 40) +
                       "' (keys: currency, tax, bw_page, color_page, bw_page.MEDIA, "
                       "color_page.MEDIA, duplex_sheet, per_copy, minimum, payment)");
    }
    pairs.emplace_back(trimmed(item.substr(0, eq)), trimmed(item.substr(eq + 1)));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  // The currency first: it says how many digits the amounts have.
  for (const auto& [key, value] : pairs) {
    if (key == "currency") {
      if (value.size() != 3 ||
          value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
        throw UsageError("currency must be a three-letter ISO 4217 code in capitals, e.g. EUR");
      }
      if (text(prices, "currency") != value) {
        prices.erase("currency_exponent"); // the cloud knows the new currency's digits
      }
      prices["currency"] = value;
    }
  }
  if (text(prices, "currency").empty()) {
    throw UsageError("the store has no price list yet: start it with its currency, e.g. "
                     "--set currency=EUR,bw_page=0.10,color_page=0.50");
  }
  // The digits after the point: the stored list's, else those of ISO 4217 (sent along, so the
  // cloud refuses the list rather than misread an amount if it disagrees).
  static const std::map<std::string, int> kUnusualExponents{{"CLP", 0}, {"ISK", 0}, {"JPY", 0},
                                                            {"KRW", 0}, {"BHD", 3}, {"JOD", 3},
                                                            {"KWD", 3}, {"OMR", 3}, {"TND", 3}};
  int exponent = static_cast<int>(integer(prices, "currency_exponent", -1));
  if (exponent < 0) {
    const auto known = kUnusualExponents.find(text(prices, "currency"));
    exponent = known == kUnusualExponents.end() ? 2 : known->second;
    prices["currency_exponent"] = exponent;
  }
  const auto amount = [&](const std::string& key, const std::string& value, bool allowNegative) {
    const auto minor = parseMoney(value, exponent, allowNegative);
    if (!minor) {
      throw UsageError(key + " must be an amount in " + text(prices, "currency") +
                       " with at most " + std::to_string(exponent) + " decimals" +
                       (allowNegative ? " (negative for a discount)" : "") + ", not '" +
                       fitted(value, 20) + "'");
    }
    return *minor;
  };
  json& sides = prices["per_side_minor"];
  if (!sides.is_object()) {
    sides = json::object();
  }
  for (const auto& [key, value] : pairs) {
    if (key == "currency") {
      continue;
    }
    if (key == "tax") {
      const auto bp = percentToBasisPoints(value);
      if (!bp) {
        throw UsageError("tax must be a percentage from 0 to 100 with at most two decimals, "
                         "e.g. tax=19 or tax=7.7");
      }
      prices["tax_rate_bp"] = *bp;
    } else if (key == "payment") {
      if (value != "print_then_pay" && value != "pay_first") {
        throw UsageError("payment must be print_then_pay (pay at the counter after printing) or "
                         "pay_first (pay before the order prints)");
      }
      prices["payment_policy"] = value;
    } else if (key.starts_with("bw_page") || key.starts_with("color_page")) {
      const bool bw = key.starts_with("bw_page");
      const std::string base = bw ? "bw_page" : "color_page";
      json& modePrices = sides[bw ? "monochrome" : "color"];
      if (!modePrices.is_object()) {
        modePrices = json::object();
      }
      if (key == base) {
        modePrices["default"] = amount(key, value, false);
      } else if (key.size() > base.size() + 1 && key[base.size()] == '.') {
        const std::string media = key.substr(base.size() + 1);
        if (value == "none") {
          modePrices.erase(media);
        } else {
          modePrices[media] = amount(key, value, false);
        }
      } else {
        throw UsageError("unknown price key '" + fitted(key, 40) + "' (did you mean " + base +
                         " or " + base + ".MEDIA, e.g. " + base + ".A3?)");
      }
    } else if (key == "duplex_sheet" || key == "per_copy" || key == "minimum") {
      const std::string field = key == "duplex_sheet" ? "duplex_per_sheet_minor"
                                : key == "per_copy"   ? "per_copy_minor"
                                                      : "minimum_order_minor";
      if (value == "none") {
        prices.erase(field);
      } else {
        prices[field] = amount(key, value, key == "duplex_sheet");
      }
    } else {
      throw UsageError("unknown price key '" + fitted(key, 40) +
                       "' (keys: currency, tax, bw_page, color_page, bw_page.MEDIA, "
                       "color_page.MEDIA, duplex_sheet, per_copy, minimum, payment)");
    }
  }
  for (const char* mode : {"monochrome", "color"}) {
    if (!sides.contains(mode) || !sides[mode].contains("default")) {
      throw UsageError(std::string("a price list needs both side prices: set ") +
                       (std::string(mode) == "monochrome" ? "bw_page" : "color_page") +
                       "=AMOUNT too");
    }
  }
  return prices;
}

std::string defaultsText(const json& defaults) {
  std::ostringstream out;
  const json printers = defaults.value("reported_printers", json::array());
  out << "Printer   "
      << (defaults.value("printer", json()).is_string()
              ? text(defaults, "printer")
              : std::string("the agent's choice (no default printer)"))
      << "\n";
  const json options = defaults.value("options", json::object());
  out << "Options   "
      << (options.is_object() && !options.empty()
              ? fitted(optionWords(options), 70)
              : std::string("none: what the customer chooses, else the printer's own"))
      << "\n";
  std::string names;
  for (const auto& p : printers) {
    if (p.is_string()) {
      names += (names.empty() ? "" : ", ") + p.get<std::string>();
    }
  }
  out << "Reported  "
      << fitted(names.empty() ? "no printer yet (is the agent running?)" : names, 70) << "\n";
  if (defaults.value("updated_at", json()).is_number_integer()) {
    out << "Changed   " << formatTime(integer(defaults, "updated_at")) << "\n";
  }
  return out.str();
}

std::string settingsText(const json& settings) {
  std::ostringstream out;
  const auto row = [&](const std::string& label, const std::string& value,
                       const std::string& option) {
    out << padded(label, 34) << padded(value, 18) << option << "\n";
  };
  row("Hold orders for pickup by default", settings.value("hold_by_default", false) ? "yes" : "no",
      "--hold-by-default yes|no");
  row("Wait for the document", spokenDuration(integer(settings, "upload_window_seconds")),
      "--upload-window");
  row("Wait for the payment", spokenDuration(integer(settings, "payment_window_seconds")),
      "--payment-window");
  row("Wait for the customer's code", spokenDuration(integer(settings, "release_window_seconds")),
      "--release-window");
  row("Keep documents after printing", spokenDuration(integer(settings, "retention_seconds")),
      "--retention");
  if (settings.value("updated_at", json()).is_number_integer()) {
    out << "Last changed " << formatTime(integer(settings, "updated_at")) << "\n";
  }
  return out.str();
}

std::optional<std::int64_t> parseDuration(const std::string& typed) {
  const std::string s = trimmed(typed);
  if (s.empty() || s.size() > 12) {
    return std::nullopt;
  }
  std::int64_t unit = 1;
  std::string digits = s;
  switch (s.back()) {
  case 's':
    digits.pop_back();
    break;
  case 'm':
    unit = 60;
    digits.pop_back();
    break;
  case 'h':
    unit = 3600;
    digits.pop_back();
    break;
  case 'd':
    unit = 86400;
    digits.pop_back();
    break;
  default:
    break;
  }
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const std::int64_t seconds = std::stoll(digits) * unit;
  if (seconds > 10LL * 365 * 86400) {
    return std::nullopt;
  }
  return seconds;
}

std::optional<std::string> pickupCodeFrom(const std::string& typed) {
  std::string digits;
  for (const char c : trimmed(typed)) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c != ' ' && c != '-') {
      return std::nullopt;
    }
  }
  if (digits.size() != 6) {
    return std::nullopt;
  }
  return digits;
}

} // namespace printrelay::cli
