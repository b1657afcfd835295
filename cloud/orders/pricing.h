#pragma once

#include "common/wire/protocol.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::cloud {

// Prices and quotes. Money is always an integer count of the currency's minor unit (cents for
// EUR, yen for JPY); nothing here uses floating point. Prices are NET: tax is added on top of
// the subtotal (tax-exclusive), rounded half up to the minor unit. Everything is pure: the
// same price list, options and page count always give the same quote.

/// The minor-unit exponent of an ISO 4217 currency this build knows (2 for EUR, 0 for JPY, 3
/// for KWD); nullopt for a code it does not know.
std::optional<int> currencyExponent(std::string_view code);

/// The largest unit price, fee or minimum a price list may hold (10^9 minor units).
inline constexpr std::int64_t kMaxPriceMinor = 1'000'000'000;
/// The largest total a quote may reach (10^13 minor units); beyond it the quote is refused
/// (Error{"quote_too_large"}), never wrapped around.
inline constexpr std::int64_t kMaxTotalMinor = 10'000'000'000'000;
/// Tax rates are basis points: 1900 is 19 %.
inline constexpr int kMaxTaxRateBp = 10000;
/// A price list names at most this many media per color mode.
inline constexpr std::size_t kMaxPricedMedia = 64;

/// One store's price list.
struct PriceList {
  std::string currency = "EUR"; ///< ISO 4217, upper case, one of currencyExponent's
  int taxRateBp = 0;            ///< 0..10000, added on top of the subtotal
  /// Price of one printed side by media (PWG name), for monochrome and for color. Media not
  /// listed cost the mode's default.
  std::map<std::string, std::int64_t> monochromeByMedia;
  std::int64_t monochromeDefault = 0;
  std::map<std::string, std::int64_t> colorByMedia;
  std::int64_t colorDefault = 0;
  /// Added per two-sided sheet: positive is a surcharge, negative a discount (at most the
  /// cheapest side price, so a sheet never costs less than nothing).
  std::int64_t duplexPerSheetMinor = 0;
  std::int64_t perCopyMinor = 0;      ///< handling fee per copy
  std::int64_t minimumOrderMinor = 0; ///< a subtotal below it is raised to it

  bool operator==(const PriceList&) const = default;
};

/// The price list as the API shows and stores it:
/// {"currency","tax_rate_bp","tax_included":false,"per_side_minor":{"monochrome":{"default":N,
///  "<media>":N…},"color":{…}},"duplex_per_sheet_minor","per_copy_minor","minimum_order_minor"}
nlohmann::json priceListJson(const PriceList& list);
/// Parses and checks a price list strictly (the inverse of priceListJson; "tax_included" may be
/// absent or false). Throws Error{"invalid_request"} naming the field for anything else:
/// unknown fields, non-integers (0.1, 10.0, "10"), negative or absurd prices, an unknown
/// currency, a media name that is not a PWG name, a color mode other than monochrome/color.
/// Media short names (A4, letter, …) are stored as their PWG names.
PriceList priceListFromJson(const nlohmann::json& j);

/// One line of a quote.
struct QuoteLine {
  std::string label;
  std::int64_t quantity = 0;
  std::int64_t unitMinor = 0;
  std::int64_t amountMinor = 0;
  bool operator==(const QuoteLine&) const = default;
};

/// What an order costs.
struct Quote {
  std::vector<QuoteLine> lines;
  std::int64_t subtotalMinor = 0;
  std::int64_t taxMinor = 0;
  std::int64_t totalMinor = 0;
  std::string currency;
  int currencyExponent = 2;
  int taxRateBp = 0;
  int documentPages = 0; ///< pages of the document
  int selectedPages = 0; ///< pages page-ranges selects
  int sidesPerCopy = 0;  ///< printed sides of one copy (after number-up)
  int sheetsPerCopy = 0; ///< sheets of one copy (two-sided: half the sides, rounded up)
  int copies = 1;
};

/// Prices `options` for a document of `documentPages` pages:
///   sides   = printedSides(options, pages) (page-ranges, then number-up)
///   line 1  sides × copies × side price (by color mode and media; "auto" is priced as color)
///   line 2  two-sided: ceil(sides / 2) × copies × duplex adjustment (when not 0)
///   line 3  copies × handling fee (when not 0)
///   line 4  the minimum-order top-up (when the subtotal is below the minimum)
///   tax     round_half_up(subtotal × rate / 10000); total = subtotal + tax
/// Throws Error{"invalid_request"} for pages outside 1..kMaxPageNumber,
/// Error{"page_range_out_of_document"} (from selectedPageCount) and Error{"quote_too_large"}
/// when any amount would pass kMaxTotalMinor.
Quote priceQuote(const PriceList& list, const protocol::PrintOptions& options, int documentPages);

/// The breakdown as the API shows it: {"lines":[{"label","quantity","unit_minor",
/// "amount_minor"}],"subtotal_minor","tax_minor","total_minor","currency","currency_exponent",
/// "tax_rate_bp","tax_included":false,"document_pages","selected_pages","sides_per_copy",
/// "sheets_per_copy","copies"}
nlohmann::json quoteJson(const Quote& quote);

/// Tax on a non-negative net amount, rounded half up: (net × bp + 5000) / 10000. Throws
/// Error{"quote_too_large"} past kMaxTotalMinor.
std::int64_t taxHalfUp(std::int64_t netMinor, int rateBp);

/// "12.34", "-0.05", "1234" (exponent 0), for people (receipts, mail).
std::string formatMinor(std::int64_t minor, int exponent);

} // namespace printrelay::cloud
