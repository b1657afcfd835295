#include "cloud/orders/pricing.h"

#include "common/util/error.h"

#include <algorithm>
#include <array>
#include <limits>
#include <regex>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

// ISO 4217 codes with their minor-unit exponent. A small table on purpose: a shop's currency is
// chosen once, and a code missing here is one line to add.
constexpr std::array<std::pair<std::string_view, int>, 36> kCurrencies{{
    {"AUD", 2}, {"BGN", 2}, {"BHD", 3}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2},
    {"CZK", 2}, {"DKK", 2}, {"EUR", 2}, {"GBP", 2}, {"HKD", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2},
    {"INR", 2}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"MXN", 2}, {"NOK", 2},
    {"NZD", 2}, {"OMR", 3}, {"PLN", 2}, {"RON", 2}, {"SEK", 2}, {"SGD", 2}, {"THB", 2}, {"TND", 3},
    {"TRY", 2}, {"UAH", 2}, {"USD", 2}, {"ZAR", 2},
}};

[[noreturn]] void invalid(const std::string& field, const std::string& why) {
  throw Error("invalid_request", "price list: '" + field + "' " + why);
}

[[noreturn]] void tooLarge() {
  throw Error("quote_too_large", "the quote would exceed " + std::to_string(kMaxTotalMinor) +
                                     " minor units; order fewer pages or copies");
}

/// a × b, refused past kMaxTotalMinor in magnitude (and never overflowing int64).
std::int64_t mul(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out) || out > kMaxTotalMinor || out < -kMaxTotalMinor) {
    tooLarge();
  }
  return out;
}

std::int64_t add(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out) || out > kMaxTotalMinor || out < -kMaxTotalMinor) {
    tooLarge();
  }
  return out;
}

/// An integer field: a JSON integer (never a float such as 0.1 or 10.0, never a string) in
/// [min, max]; `fallback` when absent and not required.
std::int64_t integerField(const json& object, const std::string& field, const std::string& path,
                          std::int64_t min, std::int64_t max, bool required,
                          std::int64_t fallback = 0) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    if (required) {
      invalid(path, "is required");
    }
    return fallback;
  }
  if (!it->is_number_integer()) {
    invalid(path, "must be a whole number of minor units (an integer, not " +
                      std::string(it->is_number_float() ? "a decimal number" : it->type_name()) +
                      ")");
  }
  std::int64_t value = 0;
  if (it->is_number_unsigned()) {
    const auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      invalid(path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    value = static_cast<std::int64_t>(u);
  } else {
    value = it->get<std::int64_t>();
  }
  if (value < min || value > max) {
    invalid(path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

bool isPwgMediaName(const std::string& name) {
  // PWG 5101.1 self-describing names: class_size-name_WIDTHxHEIGHTunit.
  static const std::regex kPwg(
      R"(^[a-z]+_[a-z0-9][a-z0-9.\-]*_[0-9]+(\.[0-9]+)?x[0-9]+(\.[0-9]+)?(mm|in)$)");
  return name.size() <= 64 && std::regex_match(name, kPwg);
}

void readMode(const json& perSide, const char* mode, std::map<std::string, std::int64_t>& byMedia,
              std::int64_t& fallback) {
  const std::string path = std::string("per_side_minor.") + mode;
  const auto it = perSide.find(mode);
  if (it == perSide.end() || it->is_null()) {
    invalid(path, "is required (an object of prices by media with a \"default\")");
  }
  if (!it->is_object()) {
    invalid(path, "must be an object of prices by media with a \"default\"");
  }
  if (it->size() > kMaxPricedMedia + 1) {
    invalid(path, "may price at most " + std::to_string(kMaxPricedMedia) + " media");
  }
  fallback = integerField(*it, "default", path + ".default", 0, kMaxPriceMinor, true);
  for (const auto& [key, value] : it->items()) {
    if (key == "default") {
      continue;
    }
    const std::string media = protocol::pwgMedia(key);
    if (!isPwgMediaName(media)) {
      invalid(path + "." + key.substr(0, 64),
              "is not a PWG media name (such as iso_a4_210x297mm or na_letter_8.5x11in)");
    }
    if (byMedia.count(media) != 0) {
      invalid(path + "." + key, "prices " + media + " twice");
    }
    byMedia[media] =
        integerField(json{{"v", value}}, "v", path + "." + key, 0, kMaxPriceMinor, true);
  }
}

std::int64_t sidePrice(const PriceList& list, const protocol::PrintOptions& options,
                       std::string& mode, std::string& media) {
  mode = options.colorMode == "monochrome" ? "monochrome" : "color";
  media = protocol::pwgMedia(options.media);
  const auto& byMedia = mode == "monochrome" ? list.monochromeByMedia : list.colorByMedia;
  if (const auto it = byMedia.find(media); it != byMedia.end()) {
    return it->second;
  }
  return mode == "monochrome" ? list.monochromeDefault : list.colorDefault;
}

} // namespace

std::optional<int> currencyExponent(std::string_view code) {
  for (const auto& [name, exponent] : kCurrencies) {
    if (name == code) {
      return exponent;
    }
  }
  return std::nullopt;
}

json priceListJson(const PriceList& list) {
  json mono{{"default", list.monochromeDefault}};
  for (const auto& [media, price] : list.monochromeByMedia) {
    mono[media] = price;
  }
  json color{{"default", list.colorDefault}};
  for (const auto& [media, price] : list.colorByMedia) {
    color[media] = price;
  }
  return json{{"currency", list.currency},
              {"currency_exponent", currencyExponent(list.currency).value_or(2)},
              {"tax_rate_bp", list.taxRateBp},
              {"tax_included", false},
              {"per_side_minor", {{"monochrome", mono}, {"color", color}}},
              {"duplex_per_sheet_minor", list.duplexPerSheetMinor},
              {"per_copy_minor", list.perCopyMinor},
              {"minimum_order_minor", list.minimumOrderMinor}};
}

PriceList priceListFromJson(const json& j) {
  if (!j.is_object()) {
    invalid("prices", "must be an object");
  }
  static constexpr std::array<std::string_view, 8> kFields{
      "currency",       "currency_exponent",      "tax_rate_bp",    "tax_included",
      "per_side_minor", "duplex_per_sheet_minor", "per_copy_minor", "minimum_order_minor"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) {
      invalid(key.substr(0, 64), "is not a price list field");
    }
  }
  PriceList list;
  const auto currency = j.find("currency");
  if (currency == j.end() || !currency->is_string()) {
    invalid("currency", "is required: an ISO 4217 code such as EUR");
  }
  list.currency = currency->get<std::string>();
  const auto exponent = currencyExponent(list.currency);
  if (list.currency.size() != 3 || !exponent) {
    invalid("currency", "must be an ISO 4217 code in upper case that this server knows (EUR, "
                        "USD, GBP, CHF, JPY, …), not '" +
                            list.currency.substr(0, 16) + "'");
  }
  // Shown by GET for convenience; when sent back it must agree with the currency.
  if (j.contains("currency_exponent") &&
      integerField(j, "currency_exponent", "currency_exponent", 0, 3, true) != *exponent) {
    invalid("currency_exponent", "is " + std::to_string(*exponent) + " for " + list.currency);
  }
  if (const auto it = j.find("tax_included"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean() || it->get<bool>()) {
      invalid("tax_included", "must be false: prices are net and tax is added on top");
    }
  }
  list.taxRateBp =
      static_cast<int>(integerField(j, "tax_rate_bp", "tax_rate_bp", 0, kMaxTaxRateBp, false, 0));
  const auto perSide = j.find("per_side_minor");
  if (perSide == j.end() || !perSide->is_object()) {
    invalid("per_side_minor", "is required: {\"monochrome\": {\"default\": …}, \"color\": {…}}");
  }
  for (const auto& [mode, value] : perSide->items()) {
    if (mode != "monochrome" && mode != "color") {
      invalid("per_side_minor." + mode.substr(0, 32), "is not a color mode (monochrome, color)");
    }
  }
  readMode(*perSide, "monochrome", list.monochromeByMedia, list.monochromeDefault);
  readMode(*perSide, "color", list.colorByMedia, list.colorDefault);
  list.perCopyMinor = integerField(j, "per_copy_minor", "per_copy_minor", 0, kMaxPriceMinor, false);
  list.minimumOrderMinor =
      integerField(j, "minimum_order_minor", "minimum_order_minor", 0, kMaxPriceMinor, false);
  list.duplexPerSheetMinor = integerField(j, "duplex_per_sheet_minor", "duplex_per_sheet_minor",
                                          -kMaxPriceMinor, kMaxPriceMinor, false);
  if (list.duplexPerSheetMinor < 0) {
    // The last sheet of an odd side count carries one side: the discount may not pass the
    // cheapest side, or a sheet would cost less than nothing.
    std::int64_t cheapest = std::min(list.monochromeDefault, list.colorDefault);
    for (const auto& [media, price] : list.monochromeByMedia) {
      cheapest = std::min(cheapest, price);
    }
    for (const auto& [media, price] : list.colorByMedia) {
      cheapest = std::min(cheapest, price);
    }
    if (-list.duplexPerSheetMinor > cheapest) {
      invalid("duplex_per_sheet_minor", "as a discount may be at most the cheapest side price (" +
                                            std::to_string(cheapest) + ")");
    }
  }
  return list;
}

std::int64_t taxHalfUp(std::int64_t netMinor, int rateBp) {
  if (netMinor < 0 || rateBp < 0 || rateBp > kMaxTaxRateBp) {
    throw Error("invalid_request", "tax needs a non-negative amount and a rate of 0..10000 bp");
  }
  if (netMinor > kMaxTotalMinor) {
    tooLarge();
  }
  // net ≤ 10^13 and bp ≤ 10^4: the product (≤ 10^17) stays far below 2^63, and the tax is at
  // most the net amount.
  return (netMinor * rateBp + 5000) / 10000;
}

Quote priceQuote(const PriceList& list, const protocol::PrintOptions& options, int documentPages) {
  if (documentPages < 1 || documentPages > protocol::kMaxPageNumber) {
    throw Error("invalid_request",
                "pages must be between 1 and " + std::to_string(protocol::kMaxPageNumber));
  }
  const auto exponent = currencyExponent(list.currency);
  if (!exponent) {
    throw Error("invalid_request", "price list: unknown currency '" + list.currency + "'");
  }
  Quote q;
  q.currency = list.currency;
  q.currencyExponent = *exponent;
  q.taxRateBp = list.taxRateBp;
  q.documentPages = documentPages;
  q.selectedPages = protocol::selectedPageCount(options.pageRanges, documentPages);
  q.sidesPerCopy = protocol::printedSides(options, documentPages);
  q.copies = std::max(options.copies, 1);
  const bool twoSided = options.sides != "one-sided";
  q.sheetsPerCopy = twoSided ? (q.sidesPerCopy + 1) / 2 : q.sidesPerCopy;

  std::string mode;
  std::string media;
  const std::int64_t perSide = sidePrice(list, options, mode, media);
  const std::int64_t sides = mul(q.sidesPerCopy, q.copies);
  q.lines.push_back(
      {"Printed sides (" + mode + ", " + media + ")", sides, perSide, mul(sides, perSide)});
  if (twoSided && list.duplexPerSheetMinor != 0) {
    const std::int64_t sheets = mul(q.sheetsPerCopy, q.copies);
    q.lines.push_back({list.duplexPerSheetMinor > 0 ? "Two-sided sheets (surcharge)"
                                                    : "Two-sided sheets (discount)",
                       sheets, list.duplexPerSheetMinor, mul(sheets, list.duplexPerSheetMinor)});
  }
  if (list.perCopyMinor != 0) {
    q.lines.push_back(
        {"Handling per copy", q.copies, list.perCopyMinor, mul(q.copies, list.perCopyMinor)});
  }
  std::int64_t subtotal = 0;
  for (const auto& line : q.lines) {
    subtotal = add(subtotal, line.amountMinor);
  }
  if (subtotal < 0) {
    throw Error("invalid_request", "price list: the duplex discount exceeds the side price");
  }
  if (subtotal < list.minimumOrderMinor) {
    const std::int64_t topUp = list.minimumOrderMinor - subtotal;
    q.lines.push_back({"Minimum order top-up", 1, topUp, topUp});
    subtotal = list.minimumOrderMinor;
  }
  q.subtotalMinor = subtotal;
  q.taxMinor = taxHalfUp(subtotal, list.taxRateBp);
  q.totalMinor = add(subtotal, q.taxMinor);
  return q;
}

json quoteJson(const Quote& q) {
  json lines = json::array();
  for (const auto& line : q.lines) {
    lines.push_back({{"label", line.label},
                     {"quantity", line.quantity},
                     {"unit_minor", line.unitMinor},
                     {"amount_minor", line.amountMinor}});
  }
  return json{{"lines", std::move(lines)},
              {"subtotal_minor", q.subtotalMinor},
              {"tax_minor", q.taxMinor},
              {"total_minor", q.totalMinor},
              {"currency", q.currency},
              {"currency_exponent", q.currencyExponent},
              {"tax_rate_bp", q.taxRateBp},
              {"tax_included", false},
              {"document_pages", q.documentPages},
              {"selected_pages", q.selectedPages},
              {"sides_per_copy", q.sidesPerCopy},
              {"sheets_per_copy", q.sheetsPerCopy},
              {"copies", q.copies}};
}

std::string formatMinor(std::int64_t minor, int exponent) {
  const bool negative = minor < 0;
  // Through unsigned, so the most negative value has a magnitude too.
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(minor) + 1 : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  const auto places = static_cast<std::size_t>(std::max(exponent, 0));
  if (places > 0) {
    if (digits.size() <= places) {
      digits.insert(0, places + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - places, ".");
  }
  return negative ? "-" + digits : digits;
}

} // namespace printrelay::cloud
