// The shopkeeper's print defaults, the agent's page count ("counted") and
// the shop's approval of a count above the quote (order_documents.h has the rules).
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/storage/ids.h"
#include "common/util/log.h"

namespace printrelay::cloud {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxPrinterName = 127;

json printDefaultsJson(const std::string& storeId,
                       const std::optional<StorePrintDefaultsRecord>& defaults,
                       const std::optional<std::vector<ReportedPrinter>>& printers) {
  json options = json::object();
  if (defaults) {
    options = json::parse(defaults->optionsJson, nullptr, false);
    if (!options.is_object()) {
      options = json::object();
    }
  }
  json names = json::array();
  for (const auto& printer : printers.value_or(std::vector<ReportedPrinter>{})) {
    names.push_back(printer.name);
  }
  return json{
      {"store_id", storeId},
      {"printer", defaults && !defaults->printer.empty() ? json(defaults->printer) : json(nullptr)},
      {"options", std::move(options)},
      {"updated_at", defaults ? json(defaults->updatedAt) : json(nullptr)},
      {"reported_printers", std::move(names)}};
}

} // namespace

void Api::getPrintDefaults(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  auto tx = store_.beginRead();
  requireManagedStore(*tx, ctx, storeId);
  const json reply = printDefaultsJson(storeId, tx->findStorePrintDefaults(storeId),
                                       reportedPrinters(*tx, storeId));
  tx->commit();
  replyJson(ctx.response, 200, reply);
}

void Api::setPrintDefaults(RequestContext& ctx) {
  const std::string storeId = ctx.pathParam(0);
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"printer", "options"});
  const std::string printer = optionalString(body, "printer", kMaxPrinterName);
  json options = json::object();
  if (const auto it = body.find("options"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      throw ApiError(400, "invalid_request", "field 'options' must be an object");
    }
    for (const auto& [key, value] : it->items()) {
      if (!value.is_null()) {
        options[key] = value;
      }
    }
    if (options.contains("page-ranges")) {
      throw ApiError(400, "invalid_request",
                     "page-ranges depend on each document and cannot be a shop default");
    }
    options.get<protocol::PrintOptions>(); // unknown options and bad values: 400
  }

  auto tx = store_.begin();
  requireManagedStore(*tx, ctx, storeId);
  const auto printers = reportedPrinters(*tx, storeId);
  if (!printer.empty()) {
    const auto& list = printers.value_or(std::vector<ReportedPrinter>{});
    if (std::none_of(list.begin(), list.end(),
                     [&](const ReportedPrinter& p) { return p.name == printer; })) {
      std::string names;
      for (const auto& p : list) {
        names += (names.empty() ? "" : ", ") + p.name;
      }
      throw ApiError(422, "unknown_printer",
                     "the store's agent has not reported a printer named '" + printer +
                         "' (it reported: " + (names.empty() ? "none" : names) + ")");
    }
  }
  StorePrintDefaultsRecord record;
  record.storeId = storeId;
  record.printer = printer;
  record.optionsJson = dumpJson(options);
  record.updatedAt = now();
  tx->putStorePrintDefaults(record);
  const json reply = printDefaultsJson(storeId, record, printers);
  tx->commit();
  log::info("store " + storeId + ": print defaults set by " + ctx.principal.subject +
            " (printer '" + printer + "', options " + record.optionsJson + ")");
  replyJson(ctx.response, 200, reply);
}

json Api::countedEvent(OrderService& orders, StoreTransaction& tx, OrderRecord& order,
                       JobRecord& job, const protocol::JobEvent& event, const std::string& payload,
                       std::int64_t at) {
  if (order.state != OrderState::Dispatched && order.state != OrderState::Printing) {
    throw ApiError(409, "illegal_transition",
                   "a count is reported before printing; the order is " +
                       std::string(toString(order.state)));
  }
  const int pages = event.pages.value_or(0);
  if (pages < 1) {
    throw ApiError(400, "invalid_request", "field 'pages' must be at least 1 with state counted");
  }
  const CountVerdict verdict = recordAgentCount(tx, order, pages, event.contentType);
  std::string note = "agent counted " + std::to_string(pages) + " page(s)";
  if (!event.contentType.empty()) {
    note += " of " + event.contentType;
  }
  if (!verdict.proceed) {
    note += ": " + verdict.message;
  }
  job.lastEventSeq = event.seq;
  job.updatedAt = at;
  tx.updateJob(job);
  orders.pagesCounted(order, verdict.proceed, note);
  job = *tx.findJob(job.id);

  json reply{{"job_id", job.id},
             {"order_id", order.id},
             {"seq", event.seq},
             {"state", toString(order.state)},
             {"order_state", toString(order.state)},
             {"proceed", verdict.proceed},
             {"lease_expires_at", job.leaseId.empty() ? json(nullptr) : json(job.leaseExpiresAt)}};
  if (!verdict.message.empty()) {
    reply["message"] = verdict.message;
  }
  tx.insertJobEvent({job.id, event.seq, payload, dumpJson(reply), at});
  log::job(log::Level::Info, job.id,
           note + (verdict.proceed ? "; proceed" : "; order " + order.id + " held"));
  return reply;
}

void Api::approvePages(RequestContext& ctx) {
  const std::string orderId = ctx.pathParam(0);
  // Nothing to send: the count approved is the agent's, never one from the request.
  rejectUnknownFields(parseJsonObject(ctx.body.readAll(kMaxJsonBody)), {});
  auto tx = store_.begin();
  OrderRecord order = managedOrder(*tx, ctx, orderId);
  OrderService orders = orderService(*tx);
  orders.approvePages(order, ctx.principal.subject);
  const json reply = orderJson(*tx, order, true);
  orders.commit();
  log::info("order " + order.id + ": page count approved by " + ctx.principal.subject +
            "; queued again");
  replyJson(ctx.response, 200, reply);
}

} // namespace printrelay::cloud
