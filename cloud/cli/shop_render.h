#pragma once

// How `printrelay shop` shows a store's orders and settings to its shopkeeper, and how it reads
// what the shopkeeper types (prices, durations, pickup codes): words and tables within 80
// columns, never raw JSON (that is --json).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace printrelay::cli {

/// The store's orders as a table within 80 columns: ID (shortened), TIME (UTC), CUSTOMER (the
/// address, cut with "…"), PAGES, PRICE, STATE.
std::string shopQueueTable(const nlohmann::json& orders);

/// A state as the queue shows it, at most 16 characters: "held (pickup)", "held (pages)",
/// "awaiting payment", "outcome unknown".
std::string shopStateWords(const nlohmann::json& order);

/// One order for its shop: state, customer (name and address), document, options, price and
/// payment, printer, times, history, and the command that moves it on from its state.
std::string shopOrderDetails(const nlohmann::json& order, const std::string& storeName);

/// A price list for people: currency, tax, the side prices by colour and media, the extras and
/// the payment policy; the keys `applyPriceSettings` takes are named beside each.
std::string pricesText(const nlohmann::json& prices);

/// `prices` (the API's shape; null when the store has none yet) changed by `settings`:
/// "KEY=VALUE[,KEY=VALUE…]" with the keys currency, tax (percent), bw_page, color_page,
/// bw_page.MEDIA, color_page.MEDIA, duplex_sheet, per_copy, minimum (amounts in the currency's
/// major unit: 0.10) and payment (print_then_pay or pay_first); "none" as the value of a MEDIA
/// price, duplex_sheet, per_copy or minimum removes it. The result is the body of the PUT.
/// Throws UsageError naming the key for anything else.
nlohmann::json applyPriceSettings(nlohmann::json prices, const std::string& settings);

/// An amount typed by people ("0.10", "2", "-0.05" when `allowNegative`) in minor units of a
/// currency with `exponent` digits after the point; nullopt for anything else (more digits than
/// the currency has, letters, an empty string, more than 10^9 minor units).
std::optional<std::int64_t> parseMoney(const std::string& text, int exponent, bool allowNegative);

/// The store's print defaults for people: printer and options, and the printers reported.
std::string defaultsText(const nlohmann::json& defaults);

/// The store's order settings for people, with durations in words ("2 days").
std::string settingsText(const nlohmann::json& settings);

/// A duration typed by people: "90s", "30m", "2h", "7d" or a number of seconds; nullopt for
/// anything else (a negative or fractional number, an unknown unit, more than 10 years).
std::optional<std::int64_t> parseDuration(const std::string& text);

/// The six digits of a pickup code as typed at the counter ("123456", "123 456", "123-456");
/// nullopt for anything else.
std::optional<std::string> pickupCodeFrom(const std::string& typed);

} // namespace printrelay::cli
