// libFuzzer target: the order JSON a customer or a shopkeeper sends: the body of POST /orders
// and POST /quotes read as the handlers read it (cloud/routes/json_body), the print options and
// their page ranges (common/wire/protocol), and the store's price list with the quote it gives
// (cloud/orders/pricing, cloud/orders/order_documents).
#include "cloud/orders/order_documents.h"
#include "cloud/orders/pricing.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "common/util/error.h"
#include "common/util/text.h"
#include "common/wire/protocol.h"
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

using namespace printrelay;
using namespace printrelay::cloud;
using nlohmann::json;

namespace {

bool isOneOf(const std::string& code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

/// The options as POST /orders reads them; nullopt when refused (invalid_request or
/// unsupported_option). Accepted options survive to_json and back.
std::optional<protocol::PrintOptions> readOptions(const json& body) {
  const auto it = body.find("options");
  if (it == body.end() || it->is_null()) {
    return protocol::PrintOptions{};
  }
  try {
    const auto options = it->get<protocol::PrintOptions>();
    const json again = options;
    PRINTRELAY_FUZZ_CHECK(json(again.get<protocol::PrintOptions>()) == again);
    PRINTRELAY_FUZZ_CHECK(options.pageRanges.size() <= protocol::kMaxPageRanges);
    return options;
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(isOneOf(e.code(), {"invalid_request", "unsupported_option"}));
    return std::nullopt;
  }
}

/// "1-3,5" read, written and read again gives the same ranges: ascending, inside 1..max.
void checkPageRangeText(std::string_view text) {
  try {
    const auto ranges = protocol::parsePageRanges(text);
    PRINTRELAY_FUZZ_CHECK(ranges.size() <= protocol::kMaxPageRanges);
    int previous = 0;
    for (const auto& r : ranges) {
      PRINTRELAY_FUZZ_CHECK(r.first > previous && r.first <= r.last &&
                            r.last <= protocol::kMaxPageNumber);
      previous = r.last;
    }
    PRINTRELAY_FUZZ_CHECK(protocol::parsePageRanges(protocol::formatPageRanges(ranges)) == ranges);
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(e.code() == "invalid_request");
  }
}

/// A quote of accepted options: its lines add up, nothing negative, nothing past the cap.
void checkQuote(const PriceList& list, const protocol::PrintOptions& options, int pages) {
  try {
    const Quote quote = priceQuote(list, options, pages);
    PRINTRELAY_FUZZ_CHECK(quote.subtotalMinor >= 0 && quote.taxMinor >= 0);
    PRINTRELAY_FUZZ_CHECK(quote.totalMinor == quote.subtotalMinor + quote.taxMinor);
    PRINTRELAY_FUZZ_CHECK(quote.totalMinor <= kMaxTotalMinor);
    std::int64_t sum = 0;
    for (const auto& line : quote.lines) {
      sum += line.amountMinor;
    }
    PRINTRELAY_FUZZ_CHECK(sum == quote.subtotalMinor);
    PRINTRELAY_FUZZ_CHECK(quote.selectedPages >= 1 && quote.selectedPages <= pages);
    PRINTRELAY_FUZZ_CHECK(quote.copies == options.copies);
    PRINTRELAY_FUZZ_CHECK(quoteJson(quote).is_object());
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(isOneOf(e.code(), {"page_range_out_of_document", "quote_too_large"}));
  }
}

/// The price list a shopkeeper PUTs: accepted lists survive priceListJson and back.
std::optional<PriceList> readPriceList(const json& j) {
  try {
    const PriceList list = priceListFromJson(j);
    PRINTRELAY_FUZZ_CHECK(priceListFromJson(priceListJson(list)) == list);
    PRINTRELAY_FUZZ_CHECK(currencyExponent(list.currency).has_value());
    PRINTRELAY_FUZZ_CHECK(list.taxRateBp >= 0 && list.taxRateBp <= kMaxTaxRateBp);
    return list;
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(e.code() == "invalid_request");
    return std::nullopt;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  json body;
  try {
    body = parseJsonObject(text);
  } catch (const ApiError& e) {
    PRINTRELAY_FUZZ_CHECK(e.status() == 400);
    checkPageRangeText(text);
    return 0;
  }

  // POST /orders, as Api::createOrder reads it before it looks at the store.
  try {
    rejectUnknownFields(body,
                        {"store_id", "document_name", "content_type", "options", "pages", "hold"});
    const std::string storeId = requiredString(body, "store_id", 64);
    const std::string name = requiredString(body, "document_name", 255);
    const std::string type = mediaTypeOf(requiredString(body, "content_type", 128));
    PRINTRELAY_FUZZ_CHECK(!storeId.empty() && !name.empty());
    isCountableDocumentType(type);
  } catch (const ApiError& e) {
    PRINTRELAY_FUZZ_CHECK(e.status() == 400 && e.code() == "invalid_request");
  }
  const auto options = readOptions(body);
  if (const auto it = body.find("options"); it != body.end() && it->is_object()) {
    if (const auto ranges = it->find("page-ranges"); ranges != it->end() && ranges->is_string()) {
      checkPageRangeText(ranges->get_ref<const std::string&>());
    }
  }
  std::optional<int> pages;
  try {
    pages = static_cast<int>(requiredInteger(body, "pages", 1, protocol::kMaxPageNumber));
  } catch (const ApiError& e) {
    PRINTRELAY_FUZZ_CHECK(e.status() == 400 && e.code() == "invalid_request");
  }
  if (options && pages) {
    try {
      checkPageRanges(*options, *pages);
      const int selected = protocol::selectedPageCount(options->pageRanges, *pages);
      PRINTRELAY_FUZZ_CHECK(selected >= 1 && selected <= *pages);
      const int sides = protocol::printedSides(*options, *pages);
      PRINTRELAY_FUZZ_CHECK(sides >= 1 && sides <= selected);
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(e.code() == "page_range_out_of_document");
    }
  }

  // PUT /shop/stores/{id}/prices: the body itself, or under "prices".
  std::optional<PriceList> list = readPriceList(body);
  if (const auto it = body.find("prices"); it != body.end()) {
    if (auto nested = readPriceList(*it)) {
      list = nested;
    }
  }
  if (options && pages) {
    PriceList fallback;
    fallback.monochromeDefault = 10;
    fallback.colorDefault = 50;
    fallback.duplexPerSheetMinor = -5;
    fallback.perCopyMinor = 100;
    fallback.minimumOrderMinor = 200;
    fallback.taxRateBp = 1900;
    checkQuote(list ? *list : fallback, *options, *pages);
  }
  return 0;
}
