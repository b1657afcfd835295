#pragma once

// How printrelay shows orders, prices and print options to people: words, not raw JSON, and
// tables that fit 80 columns.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace printrelay::cli {

/// Store ids to store names, for tables and order details.
using StoreNames = std::map<std::string, std::string>;

/// Print options in words: "2 copies, two-sided (long edge), colour, A4, pages 1-3,
/// 2 pages per sheet, landscape". Options left at their defaults are not named; no options at
/// all read "1 copy, one-sided, black and white".
std::string optionWords(const nlohmann::json& options);

/// The whole number at `key` of `object`; `fallback` when it is absent or not one.
std::int64_t integer(const nlohmann::json& object, const char* key, std::int64_t fallback = 0);
/// The number of characters (UTF-8 code points) of `s`, as a terminal's columns.
std::size_t width(const std::string& s);
/// `s` padded with spaces to `to` characters.
std::string padded(const std::string& s, std::size_t to);

/// An amount in minor units for people: "EUR 1.43", "JPY 120".
std::string moneyText(std::int64_t minor, const std::string& currency, int exponent);

/// A quote in one line: "EUR 1.43 (6 sides on 3 sheets × 2 copies, of which tax EUR 0.23)".
std::string quoteText(const nlohmann::json& quote);

/// An order's charge in one line: "EUR 1.43, not paid yet: EUR 1.43 due", "EUR 1.43, paid
/// (cash)", "EUR 1.43, refunded EUR 1.43".
std::string chargeText(const nlohmann::json& charge);

/// A history note without the cloud's internal ids: "leased to agent ag_1f…" reads
/// "leased to the shop".
std::string publicNote(const std::string& note);

/// A state for people: "held for pickup", "awaiting payment", "printed".
std::string stateWords(const nlohmann::json& order);

/// The pickup code, spaced for reading aloud: "123 456".
std::string spacedCode(const std::string& code);

/// One order in full for people: state, store (by name), document, options, price and what is
/// due, the pickup code set apart when the order waits for it, and the history in aligned
/// columns.
std::string orderDetails(const nlohmann::json& order, const StoreNames& stores);

/// The orders as a table with a header (ID, CREATED, STORE, STATE, PRICE) within 80 columns:
/// ids shortened unless `wide`, long store names cut with "…".
std::string ordersTable(const nlohmann::json& orders, const StoreNames& stores, bool wide);

/// `text` cut to `width` characters (UTF-8 aware), ending in "…" when it was longer.
std::string fitted(const std::string& text, std::size_t width);

/// An order's history as "History" and one line per change (time, state, the note in public
/// words beside it, or below it when it does not fit 80 columns); empty without history.
std::string historyText(const nlohmann::json& history);

} // namespace printrelay::cli
