#include "cloud/orders/order_documents.h"

#include "common/document/document.h"
#include "common/util/error.h"
#include "common/util/log.h"
#include "common/util/text.h"

#include <algorithm>
#include <set>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxMessageReasons = 4;

/// What the store's printers offer together, keyed by the IPP option names: the union of
/// what each printer reports (a property no printer reports is left out).
json supportedByStore(const std::vector<ReportedPrinter>& printers) {
  std::set<std::string> media;
  std::set<std::string> sides;
  std::set<std::string> colorModes;
  std::set<int> numberUp;
  std::set<std::string> orientations;
  std::optional<int> copiesMin;
  std::optional<int> copiesMax;
  bool pageRanges = false;
  for (const auto& printer : printers) {
    if (!printer.abilities) {
      continue;
    }
    const auto& a = *printer.abilities;
    for (const auto& m : a.media) {
      media.insert(protocol::pwgMedia(m));
    }
    sides.insert(a.sides.begin(), a.sides.end());
    colorModes.insert(a.colorModes.begin(), a.colorModes.end());
    numberUp.insert(a.numberUp.begin(), a.numberUp.end());
    orientations.insert(a.orientations.begin(), a.orientations.end());
    copiesMin = std::min(copiesMin.value_or(a.copiesMin), a.copiesMin);
    copiesMax = std::max(copiesMax.value_or(a.copiesMax), a.copiesMax);
    pageRanges = pageRanges || a.pageRanges;
  }
  json out = json::object();
  const auto put = [&](const char* key, const auto& set) {
    if (!set.empty()) {
      out[key] = json(std::vector(set.begin(), set.end()));
    }
  };
  put("media", media);
  put("sides", sides);
  put("print-color-mode", colorModes);
  if (copiesMin) {
    out["copies"] = {{"min", *copiesMin}, {"max", *copiesMax}};
  }
  put("number-up", numberUp);
  put("orientation-requested", orientations);
  out["page-ranges"] = pageRanges;
  return out;
}

} // namespace

bool isCountableDocumentType(const std::string& mediaType) {
  return document::kindOfMediaType(mediaType) != document::Kind::Unknown;
}

void checkDocumentBytes(std::span<const std::uint8_t> head, const std::string& declaredType) {
  const document::Kind kind = document::sniff(head);
  if (kind == document::Kind::Unknown) {
    throw Error("unsupported_document",
                "the document is not a PDF, PNG, JPEG or plain-text (UTF-8) file, judged by "
                "its bytes whatever its name or Content-Type says");
  }
  const std::string found(document::mediaType(kind));
  if (found != declaredType) {
    throw Error("document_type_mismatch",
                "the document was sent as " + declaredType + " but its bytes are " + found);
  }
}

int countUploadedPages(std::span<const std::uint8_t> bytes, const std::string& mediaType) {
  int pages = 0;
  pages = document::countPages(document::kindOfMediaType(mediaType), bytes);
  if (pages > protocol::kMaxPageNumber) {
    // The wire carries page counts up to kMaxPageNumber (an offer's quoted_pages).
    throw Error("too_many_pages", "the document has " + std::to_string(pages) + " pages; at most " +
                                      std::to_string(protocol::kMaxPageNumber) +
                                      " are printed per order");
  }
  return pages;
}

void checkPageRanges(const protocol::PrintOptions& options, int pages) {
  protocol::selectedPageCount(options.pageRanges, pages);
}

std::optional<std::vector<ReportedPrinter>> reportedPrinters(StoreTransaction& tx,
                                                             const std::string& storeId) {
  const auto report = tx.storePrinters(storeId);
  if (!report) {
    return std::nullopt;
  }
  const json list = json::parse(report->first, nullptr, false);
  if (!list.is_array()) {
    log::warning("store " + storeId + ": the stored printer report is not a list; ignored");
    return std::nullopt;
  }
  std::vector<ReportedPrinter> out;
  for (const auto& item : list) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
      continue;
    }
    ReportedPrinter printer;
    printer.name = item["name"].get<std::string>();
    if (const auto it = item.find("abilities"); it != item.end() && !it->is_null()) {
      try {
        printer.abilities = it->get<protocol::PrinterAbilities>();
      } catch (const std::exception& e) {
        // Stored reports were checked on the way in; one that no longer parses refuses nothing.
        log::warning("store " + storeId + ": printer " + printer.name + ": abilities unreadable (" +
                     e.what() + "); treated as unknown");
      }
    }
    out.push_back(std::move(printer));
  }
  return out;
}

OptionsNotSupported::OptionsNotSupported(const std::string& message, json printers, json supported)
    : Error("options_not_supported", message), printers_(std::move(printers)),
      supported_(std::move(supported)) {}

json OptionsNotSupported::body() const {
  return json{{"error",
               {{"code", code()},
                {"message", what()},
                {"printers", printers_},
                {"supported", supported_}}}};
}

void checkOptionsAgainstStore(StoreTransaction& tx, const std::string& storeId,
                              const protocol::PrintOptions& options) {
  const auto printers = reportedPrinters(tx, storeId);
  if (!printers) {
    return; // never reported: nothing to check against (see the header)
  }
  if (printers->empty()) {
    throw Error("no_printers",
                "the store's agent reports no printers at the moment; try again later");
  }
  json why = json::array();
  std::vector<std::string> reasons;
  for (const auto& printer : *printers) {
    if (!printer.abilities) {
      return; // not described: it refuses nothing
    }
    const auto problems = protocol::unsupportedOptions(options, *printer.abilities);
    if (problems.empty()) {
      return;
    }
    why.push_back({{"name", printer.name}, {"problems", problems}});
    if (reasons.size() < kMaxMessageReasons) {
      reasons.push_back(printer.name + ": " + joined(problems, ", "));
    }
  }
  throw OptionsNotSupported("no printer of this store can print with these options (" +
                                joined(reasons, "; ") +
                                "); error.supported lists what the store offers",
                            std::move(why), supportedByStore(*printers));
}

protocol::PrintOptions optionsWithDefaults(const json& customerOptions, StoreTransaction& tx,
                                           const std::string& storeId) {
  json merged = json::object();
  if (const auto defaults = tx.findStorePrintDefaults(storeId); defaults) {
    merged = json::parse(defaults->optionsJson, nullptr, false);
    if (!merged.is_object()) {
      merged = json::object();
    }
  }
  if (customerOptions.is_object()) {
    for (const auto& [key, value] : customerOptions.items()) {
      if (!value.is_null()) {
        merged[key] = value;
      }
    }
  } else if (!customerOptions.is_null()) {
    throw Error("invalid_request", "field 'options' must be an object");
  }
  return merged.get<protocol::PrintOptions>();
}

void addDocumentFieldsToOffer(StoreTransaction& tx, const OrderRecord& order,
                              const protocol::PrintOptions& options, protocol::JobOffer& offer) {
  if (const auto pages = tx.findOrderPages(order.id);
      pages && pages->quotedPages && *pages->quotedPages >= 1 &&
      *pages->quotedPages <= protocol::kMaxPageNumber) {
    offer.quotedPages = pages->quotedPages;
  }
  const auto defaults = tx.findStorePrintDefaults(order.storeId);
  if (!defaults || defaults->printer.empty()) {
    return;
  }
  const auto printers = reportedPrinters(tx, order.storeId);
  if (!printers) {
    return;
  }
  for (const auto& printer : *printers) {
    if (printer.name == defaults->printer) {
      if (!printer.abilities || protocol::unsupportedOptions(options, *printer.abilities).empty()) {
        offer.printer = printer.name;
      }
      return;
    }
  }
}

void addPagesToOrderJson(const std::optional<OrderPagesRecord>& record, json& j) {
  const auto pages = record.value_or(OrderPagesRecord{});
  const auto value = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
  j["pages"] = {{"cloud", value(pages.cloudPages)},
                {"client", value(pages.clientPages)},
                {"agent", value(pages.agentPages)},
                {"quoted", value(pages.quotedPages)},
                {"source", pages.source.empty() ? json(nullptr) : json(pages.source)}};
}

CountVerdict recordAgentCount(StoreTransaction& tx, const OrderRecord& order, int pages,
                              const std::string& contentType) {
  OrderPagesRecord record = tx.findOrderPages(order.id).value_or(OrderPagesRecord{});
  record.orderId = order.id;
  record.agentPages = pages;
  record.agentContentType = contentType;
  CountVerdict verdict;
  const bool sameType = contentType.empty() || contentType == order.contentType;
  if (!sameType) {
    verdict.message = "the document's bytes are " + contentType + ", not " + order.contentType +
                      " as declared; the agent reports the job failed";
  } else if (record.quotedPages && pages > *record.quotedPages) {
    verdict.proceed = false;
    verdict.message = "the document has " + std::to_string(pages) +
                      " pages but the order was quoted for " + std::to_string(*record.quotedPages) +
                      "; it waits for the shop to approve the count (drop the job)";
  }
  tx.putOrderPages(record);
  return verdict;
}

} // namespace printrelay::cloud
