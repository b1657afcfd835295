#include "cloud/routes/render.h"

#include "cloud/orders/lifecycle.h"
#include "cloud/orders/payments.h"
#include "cloud/orders/pricing.h"
#include "common/util/error.h"

namespace printrelay::cloud::render {

using nlohmann::json;

namespace {

/// Stored options (a JSON object); {} when the text does not parse.
json storedOptions(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json::object() : parsed;
}

json nullIfEmpty(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

} // namespace

json outcomeEvidenceJson(const OrderView& view) {
  if (view.order.state != OrderState::OutcomeUnknown) {
    return nullptr;
  }
  // The agent's report, as it sent it (validated then): what it knew before the spooler forgot.
  const json report = json::parse(view.outcomeReportJson, nullptr, false);
  const auto field = [&report](const char* name) {
    return report.is_object() && report.contains(name) ? report[name] : json(nullptr);
  };
  return {{"reported_at", view.enteredStateAt ? json(*view.enteredStateAt) : json(nullptr)},
          {"spooler_job_id", field("spooler_job_id")},
          {"printer", field("printer")},
          {"last_spooler_state", field("spooler_state")},
          {"last_seen_at", field("spooler_seen_at")},
          {"bytes_sent", field("bytes_sent")},
          {"message", field("message")}};
}

json orderJson(const OrderView& view, bool withHistory) {
  const OrderRecord& order = view.order;
  json j{{"id", order.id},
         {"store_id", order.storeId},
         {"state", toString(order.state)},
         {"options", storedOptions(order.optionsJson)},
         {"document",
          {{"name", order.documentName},
           {"content_type", order.contentType},
           {"size", order.documentSize ? json(*order.documentSize) : json(nullptr)},
           {"key_id", nullIfEmpty(order.keyId)}}},
         {"created_at", order.createdAt},
         {"updated_at", order.updatedAt}};
  const auto& job = view.job;
  j["job_id"] = job ? json(job->id) : json(nullptr);
  j["spooler_job_id"] = job && job->spoolerJobId ? json(*job->spoolerJobId) : json(nullptr);
  j["printer"] = job ? nullIfEmpty(job->printer) : json(nullptr);
  addPagesToOrderJson(view.pages, j);
  j["charge"] = chargeJson(view.charge);
  addLifecycleJson(view, j);
  j["outcome_unknown"] = outcomeEvidenceJson(view);
  if (withHistory) {
    json history = json::array();
    for (const auto& change : view.history) {
      json entry{{"state", toString(change.state)}, {"at", change.at}};
      if (!change.note.empty()) {
        entry["note"] = change.note;
      }
      history.push_back(std::move(entry));
    }
    j["history"] = std::move(history);
  }
  return j;
}

json storeJson(const StoreRecord& store, bool online) {
  return {{"id", store.id},
          {"name", store.name},
          {"address", store.address},
          {"latitude", store.latitude},
          {"longitude", store.longitude},
          {"online", online},
          {"accepting_orders", !store.keyId.empty()},
          {"key_id", nullIfEmpty(store.keyId)},
          {"created_at", store.createdAt}};
}

json storeDetailJson(const StoreRecord& store, bool online, std::optional<std::int64_t> lastSeenAt,
                     const PrintersReport& printers) {
  json j = storeJson(store, online);
  j["public_key"] = nullIfEmpty(store.publicKey);
  j["last_seen_at"] = lastSeenAt ? json(*lastSeenAt) : json(nullptr);
  j["printers"] = printersJson(printers);
  j["printers_reported_at"] = printers ? json(printers->second) : json(nullptr);
  return j;
}

json printersJson(const PrintersReport& printers) {
  if (!printers) {
    return json::array();
  }
  const json parsed = json::parse(printers->first, nullptr, false);
  return parsed.is_discarded() ? json::array() : parsed;
}

json storePricesJson(const std::optional<StorePricesRecord>& prices) {
  if (!prices) {
    return nullptr;
  }
  json j = json::parse(prices->priceListJson, nullptr, false);
  if (j.is_discarded()) {
    throw Error("store_corrupt", "store " + prices->storeId + " holds an unreadable price list");
  }
  j = priceListJson(priceListFromJson(j));
  j["payment_policy"] = prices->paymentPolicy;
  j["updated_at"] = prices->updatedAt;
  return j;
}

json userJson(const UserRecord& user, const std::vector<std::string>& storeIds) {
  json j{{"id", user.id},
         {"email", user.email},
         {"role", user.role},
         {"name", user.name},
         {"email_verified", user.emailVerifiedAt.has_value()},
         {"deactivated", user.deactivatedAt.has_value()},
         {"created_at", user.createdAt}};
  if (user.role == "shopkeeper") {
    j["store_ids"] = storeIds;
  }
  return j;
}

json printDefaultsJson(const std::string& storeId,
                       const std::optional<StorePrintDefaultsRecord>& defaults,
                       const std::optional<std::vector<ReportedPrinter>>& printers) {
  json options = defaults ? storedOptions(defaults->optionsJson) : json::object();
  if (!options.is_object()) {
    options = json::object();
  }
  json names = json::array();
  for (const auto& printer : printers.value_or(std::vector<ReportedPrinter>{})) {
    names.push_back(printer.name);
  }
  return json{{"store_id", storeId},
              {"printer", defaults ? nullIfEmpty(defaults->printer) : json(nullptr)},
              {"options", std::move(options)},
              {"updated_at", defaults ? json(defaults->updatedAt) : json(nullptr)},
              {"reported_printers", std::move(names)}};
}

} // namespace printrelay::cloud::render
