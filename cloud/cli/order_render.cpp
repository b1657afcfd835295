#include "cloud/cli/order_render.h"

#include "cloud/cli/output.h"
#include "common/util/text.h"

#include <map>
#include <regex>
#include <sstream>

namespace printrelay::cli {

using nlohmann::json;

std::int64_t integer(const json& object, const char* key, std::int64_t fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

std::string padded(const std::string& s, std::size_t to) {
  const std::size_t w = width(s);
  return w >= to ? s : s + std::string(to - w, ' ');
}

namespace {

/// The width of a standard terminal, which order details and tables keep to.
constexpr std::size_t kLineWidth = 80;

/// A PWG media name's size for people: iso_a4_210x297mm → A4, na_letter_8.5x11in → Letter.
std::string mediaWords(const std::string& media) {
  const auto first = media.find('_');
  const auto last = media.rfind('_');
  if (first == std::string::npos || last == first) {
    return media;
  }
  std::string name = media.substr(first + 1, last - first - 1);
  if (name.empty()) {
    return media;
  }
  const bool isoLike = name.size() <= 3 && (name[0] == 'a' || name[0] == 'b' || name[0] == 'c') &&
                       name.find_first_not_of("0123456789", 1) == std::string::npos;
  if (isoLike) {
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    return name;
  }
  name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  std::replace(name.begin(), name.end(), '-', ' ');
  return name;
}

/// An option's value or a media type in words; a value not listed reads as it is.
std::string valueWords(const std::string& value) {
  static const std::map<std::string, std::string> kWords{
      {"two-sided-long-edge", "two-sided (long edge)"},
      {"two-sided-short-edge", "two-sided (short edge)"},
      {"monochrome", "black and white"},
      {"color", "colour"},
      {"auto", "colour where the page has it"},
      {"application/pdf", "PDF"},
      {"text/plain", "text"},
      {"image/png", "PNG"},
      {"image/jpeg", "JPEG"}};
  const auto it = kWords.find(value);
  return it == kWords.end() ? value : it->second;
}

std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

} // namespace

std::string chargeText(const json& charge) {
  const std::string currency = text(charge, "currency");
  const int exponent = static_cast<int>(charge.value("currency_exponent", 2));
  const auto money = [&](std::int64_t minor) { return moneyText(minor, currency, exponent); };
  std::string out = money(integer(charge, "total_minor"));
  const std::string payment = text(charge, "payment_state");
  const std::int64_t due = integer(charge, "balance_due_minor");
  if (payment == "paid") {
    out += ", paid" + (charge.value("payment_method", json()).is_string()
                           ? " (" + charge["payment_method"].get<std::string>() + ")"
                           : std::string());
    if (due > 0) {
      out += ", " + money(due) + " still due";
    } else if (due < 0) {
      out += ", " + money(-due) + " to be paid back";
    }
  } else if (payment == "refunded") {
    const json refund = charge.value("refund", json());
    out += ", refunded" +
           (refund.is_object() ? " " + money(integer(refund, "amount_minor")) : std::string());
  } else {
    out += ", not paid yet: " + money(due) + " due";
  }
  return out;
}

std::string optionWords(const json& options) {
  std::vector<std::string> words;
  const std::int64_t copies = options.is_object() ? options.value("copies", 1) : 1;
  words.push_back(copies == 1 ? "1 copy" : std::to_string(copies) + " copies");
  if (!options.is_object()) {
    return joined(words);
  }
  words.push_back(valueWords(options.value("sides", "one-sided")));
  words.push_back(valueWords(options.value("print-color-mode", "monochrome")));
  if (const std::string media = text(options, "media"); !media.empty()) {
    words.push_back(mediaWords(media));
  }
  if (const std::string ranges = text(options, "page-ranges"); !ranges.empty()) {
    words.push_back("pages " + ranges);
  }
  if (const std::int64_t up = options.value("number-up", 1); up > 1) {
    words.push_back(std::to_string(up) + " pages per sheet");
  }
  if (const std::string orientation = text(options, "orientation-requested");
      !orientation.empty()) {
    words.push_back(orientation);
  }
  if (options.value("fit-to-page", false)) {
    words.push_back("fit to page");
  }
  return joined(words);
}

std::string moneyText(std::int64_t minor, const std::string& currency, int exponent) {
  const bool negative = minor < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (exponent > 0) {
    const auto places = static_cast<std::size_t>(exponent);
    if (digits.size() <= places) {
      digits.insert(0, places + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - places, ".");
  }
  return (currency.empty() ? "" : currency + " ") + (negative ? "-" : "") + digits;
}

std::string quoteText(const json& quote) {
  const std::string currency = text(quote, "currency");
  const int exponent = static_cast<int>(quote.value("currency_exponent", 2));
  const std::int64_t copies = integer(quote, "copies");
  const std::int64_t sides = integer(quote, "sides_per_copy");
  const std::int64_t sheets = integer(quote, "sheets_per_copy");
  std::string out = moneyText(integer(quote, "total_minor"), currency, exponent) + " (" +
                    std::to_string(sides) + (sides == 1 ? " side" : " sides") + " on " +
                    std::to_string(sheets) + (sheets == 1 ? " sheet" : " sheets");
  if (copies > 1) {
    out += " × " + std::to_string(copies) + " copies";
  }
  if (const std::int64_t tax = integer(quote, "tax_minor"); tax != 0) {
    out += ", of which tax " + moneyText(tax, currency, exponent);
  }
  return out + ")";
}

std::string publicNote(const std::string& note) {
  static const std::regex kLease(R"(\s*\(lease until [^)]*\))");
  static const std::regex kAgent(R"((by )?agent ag_[0-9a-f]+)");
  static const std::regex kIds(R"(\s*\b(lease|job|ses)_[0-9a-f]{8,})");
  // The shop's staff act as the shop: "by the shop (usr_…)", "… by usr_…".
  static const std::regex kStaffInParens(R"(\s*\(usr_[0-9a-f]{8,}\))");
  static const std::regex kByStaff(R"(\bby usr_[0-9a-f]{8,})");
  std::string out = std::regex_replace(note, kLease, "");
  out = std::regex_replace(out, kAgent, "$1the shop");
  out = std::regex_replace(out, kStaffInParens, "");
  out = std::regex_replace(out, kByStaff, "by the shop");
  return std::regex_replace(out, kIds, "");
}

std::string stateWords(const json& order) {
  const std::string state = text(order, "state");
  if (state == "held") {
    return text(order, "hold_reason") == "page_count"
               ? "held: the shop counted more pages than quoted and must approve"
               : "held for pickup";
  }
  std::string words = state;
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

std::string spacedCode(const std::string& code) {
  return code.size() == 6 ? code.substr(0, 3) + " " + code.substr(3) : code;
}

std::string orderDetails(const json& order, const StoreNames& stores) {
  std::ostringstream out;
  const auto row = [&](const char* label, const std::string& value) {
    out << padded(label, 10) << value << "\n";
  };
  row("Order", text(order, "id"));
  row("State", stateWords(order));
  const std::string storeId = text(order, "store_id");
  const auto store = stores.find(storeId);
  row("Store", store != stores.end() ? store->second : storeId);
  if (const json doc = order.value("document", json()); doc.is_object()) {
    std::string line = text(doc, "name") + " (" + valueWords(text(doc, "content_type"));
    const json pages = order.value("pages", json());
    if (pages.is_object() && pages.value("quoted", json()).is_number_integer()) {
      const auto n = pages["quoted"].get<std::int64_t>();
      line += ", " + std::to_string(n) + (n == 1 ? " page" : " pages");
    }
    row("Document", line + ")");
  }
  row("Options", optionWords(order.value("options", json::object())));
  if (const json charge = order.value("charge", json()); charge.is_object()) {
    row("Price", chargeText(charge));
  } else {
    row("Price", "not fixed yet (the shop prices the order once the document is in)");
  }
  if (!order.value("printer", json()).is_null()) {
    row("Printer", fieldText(order, "printer"));
  }
  row("Created", formatTime(integer(order, "created_at")));
  if (order.value("expires_at", json()).is_number_integer()) {
    row("Expires", formatTime(integer(order, "expires_at")));
  }
  const std::string code = text(order, "pickup_code");
  if (!code.empty() && text(order, "state") == "held") {
    out << "\n  PICKUP CODE:  " << spacedCode(code)
        << "\n  Give this code at the counter to have the order printed.\n\n";
  } else if (!code.empty()) {
    row("Pickup", spacedCode(code));
  }
  out << historyText(order.value("history", json::array()));
  return out.str();
}

std::string historyText(const json& history) {
  if (!history.is_array() || history.empty()) {
    return {};
  }
  std::string out = "History\n";
  std::size_t stateWidth = 0;
  for (const auto& entry : history) {
    stateWidth = std::max(stateWidth, width(text(entry, "state")));
  }
  for (const auto& entry : history) {
    const std::string note = publicNote(text(entry, "note"));
    std::string line =
        "  " + formatTime(integer(entry, "at")) + "  " + padded(text(entry, "state"), stateWidth);
    const bool beside = !note.empty() && width(line) + 2 + width(note) <= kLineWidth;
    if (beside) {
      line += "  " + note;
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    if (!note.empty() && !beside) {
      // A note that does not fit beside its state goes on a line of its own below it.
      line += "\n      " + fitted(note, kLineWidth - 6);
    }
    out += line + "\n";
  }
  return out;
}

std::string fitted(const std::string& s, std::size_t maxWidth) {
  if (width(s) <= maxWidth) {
    return s;
  }
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (starts && ++n > maxWidth - 1) {
      break;
    }
    out += s[i];
  }
  return out + "…";
}

std::string ordersTable(const json& orders, const StoreNames& stores, bool wide) {
  const std::size_t idWidth = wide ? 36 : 12;
  const std::size_t storeWidth = wide ? 30 : 16;
  std::ostringstream out;
  const auto line = [&](const std::string& id, const std::string& created, const std::string& store,
                        const std::string& state, const std::string& price) {
    std::string row = padded(fitted(id, idWidth), idWidth) + "  " + padded(created, 16) + "  " +
                      padded(fitted(store, storeWidth), storeWidth) + "  " +
                      padded(fitted(state, 16), 16) + "  " + price;
    while (!row.empty() && row.back() == ' ') {
      row.pop_back();
    }
    out << row << "\n";
  };
  line("ID", "CREATED (UTC)", "STORE", "STATE", "PRICE");
  for (const auto& order : orders) {
    const std::string id = text(order, "id");
    const std::string storeId = text(order, "store_id");
    const auto store = stores.find(storeId);
    std::string price = "-";
    if (const json charge = order.value("charge", json()); charge.is_object()) {
      price = moneyText(integer(charge, "total_minor"), text(charge, "currency"),
                        static_cast<int>(charge.value("currency_exponent", 2)));
    }
    std::string state = text(order, "state");
    if (state == "held" && text(order, "hold_reason") != "page_count") {
      state = "held (pickup)";
    }
    line(wide ? id : id.substr(0, idWidth), formatTime(integer(order, "created_at")).substr(0, 16),
         store != stores.end() ? store->second : storeId, state, price);
  }
  return out.str();
}

} // namespace printrelay::cli
