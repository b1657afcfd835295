#include "cloud/orders/lifecycle.h"

#include "cloud/orders/payments.h"
#include "cloud/routes/api_error.h"
#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/log.h"
#include "common/util/text.h"

#include <array>
#include <cstdio>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// Orders looked at per store and state in one sweep (the next sweep takes the rest).
constexpr int kSweepBatch = 200;
/// Attempts at drawing a pickup code no open order of the store holds.
constexpr int kPickupCodeAttempts = 64;

/// When the order entered its current state: its newest history entry for that state.
std::int64_t enteredStateAt(StoreTransaction& tx, const OrderRecord& order) {
  const auto history = tx.orderHistory(order.id);
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->state == order.state) {
      return it->at;
    }
  }
  return order.updatedAt;
}

/// How long an order may stay in a waiting state; nullopt for the states that do not expire.
std::optional<std::int64_t> waitingWindow(const StoreLifecycleRecord& settings, OrderState state) {
  switch (state) {
  case OrderState::AwaitingUpload:
    return settings.uploadWindowSeconds;
  case OrderState::AwaitingPayment:
    return settings.paymentWindowSeconds;
  case OrderState::Held:
    return settings.releaseWindowSeconds;
  default:
    return std::nullopt;
  }
}

std::string expiryNote(OrderState state, std::int64_t window) {
  switch (state) {
  case OrderState::AwaitingUpload:
    return "expired: no document was uploaded within " + spokenDuration(window);
  case OrderState::AwaitingPayment:
    return "expired: not paid within " + spokenDuration(window);
  default:
    return "expired: not released within " + spokenDuration(window);
  }
}

/// Six uniformly drawn decimal digits from the CSPRNG (rejection sampling, no modulo bias).
std::string drawPickupCode() {
  constexpr std::uint32_t kLimit = 4'294'000'000u; // the largest multiple of 10^6 below 2^32
  for (;;) {
    const Bytes b = randomBytes(4);
    const std::uint32_t v = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                            (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
    if (v < kLimit) {
      char out[16];
      std::snprintf(out, sizeof out, "%06u", static_cast<unsigned>(v % 1'000'000u));
      return out;
    }
  }
}

/// A pickup code no order of the store reserves (see ordersWithPickupCode).
std::string newPickupCode(StoreTransaction& tx, const std::string& storeId) {
  for (int attempt = 0; attempt < kPickupCodeAttempts; ++attempt) {
    std::string code = drawPickupCode();
    if (tx.ordersWithPickupCode(storeId, code).empty()) {
      return code;
    }
  }
  throw ApiError(503, "pickup_codes_exhausted",
                 "this store has too many orders waiting for pickup; try again later");
}

/// Ends the lease the order's current job holds, if any.
void endLease(StoreTransaction& tx, const OrderRecord& order, std::int64_t now) {
  if (auto job = tx.findJobByOrder(order.id); job && !job->leaseId.empty()) {
    log::job(log::Level::Info, job->id,
             "lease " + job->leaseId + " ended: order is now " +
                 std::string(toString(order.state)));
    job->leaseId.clear();
    job->leaseExpiresAt = 0;
    job->updatedAt = now;
    tx.updateJob(*job);
  }
}

/// Writes the order in `state` with a history entry.
void moveTo(StoreTransaction& tx, OrderRecord& order, OrderState state, std::int64_t now,
            std::string_view note) {
  checkTransition(order.state, state);
  order.state = state;
  order.updatedAt = now;
  tx.updateOrder(order);
  tx.appendOrderHistory({order.id, state, now, std::string(note)});
}

void clearHoldReason(StoreTransaction& tx, const OrderRecord& order) {
  if (auto lc = tx.findOrderLifecycle(order.id); lc && !lc->holdReason.empty()) {
    lc->holdReason.clear();
    tx.putOrderLifecycle(*lc);
  }
}

/// Expires one waiting order if it is still in the state (and at the version) it was found in.
bool expireIfUnchanged(Store& store, const OrderRecord& found, std::int64_t window,
                       std::int64_t now) {
  auto tx = store.begin();
  auto order = tx->findOrder(found.id);
  if (!order || order->state != found.state || order->updatedAt != found.updatedAt) {
    return false; // something happened to it since: the next sweep looks again
  }
  const OrderState from = order->state;
  moveTo(*tx, *order, OrderState::Expired, now, expiryNote(from, window));
  endLease(*tx, *order, now);
  clearHoldReason(*tx, *order);
  // An awaiting_payment order was not paid, but a held one may have been.
  refundIfPaid(*tx, *order, "the order expired in " + std::string(toString(from)), now);
  tx->commit();
  log::info("order " + order->id + " expired after " + spokenDuration(window) + " in " +
            std::string(toString(from)));
  return true;
}

} // namespace

StoreLifecycleRecord storeLifecycle(StoreTransaction& tx, const std::string& storeId) {
  if (auto settings = tx.findStoreLifecycle(storeId); settings) {
    return *settings;
  }
  StoreLifecycleRecord defaults;
  defaults.storeId = storeId;
  return defaults;
}

OrderLifecycleRecord orderLifecycle(StoreTransaction& tx, const OrderRecord& order) {
  if (auto lc = tx.findOrderLifecycle(order.id); lc) {
    return *lc;
  }
  OrderLifecycleRecord blank;
  blank.orderId = order.id;
  blank.storeId = order.storeId;
  return blank;
}

void recordHoldChoice(StoreTransaction& tx, const OrderRecord& order, std::optional<bool> hold) {
  OrderLifecycleRecord lc = orderLifecycle(tx, order);
  lc.wantsHold = hold.value_or(storeLifecycle(tx, order.storeId).holdByDefault);
  tx.putOrderLifecycle(lc);
}

OrderState enterWaitingOrQueue(StoreTransaction& tx, OrderRecord& order, std::int64_t now,
                               std::string_view note) {
  if (orderLifecycle(tx, order).wantsHold) {
    enterHold(tx, order, now, kHoldForPickup, note);
  } else {
    queueOrder(tx, order, now, note);
  }
  return order.state;
}

void enterHold(StoreTransaction& tx, OrderRecord& order, std::int64_t now, std::string_view reason,
               std::string_view note) {
  checkTransition(order.state, OrderState::Held);
  OrderLifecycleRecord lc = orderLifecycle(tx, order);
  lc.holdReason = std::string(reason);
  if (reason == kHoldForPickup && lc.pickupCode.empty()) {
    lc.pickupCode = newPickupCode(tx, order.storeId);
  }
  tx.putOrderLifecycle(lc);
  moveTo(tx, order, OrderState::Held, now, note);
  endLease(tx, order, now);
}

void queueOrder(StoreTransaction& tx, OrderRecord& order, std::int64_t now, std::string_view note) {
  // A reprint, or an approved page count (the agent dropped the job it held), is a new job: the
  // agent's journal knows the old one as done, and its event sequence starts again under the
  // new id.
  const bool newJob = order.state == OrderState::Printed || order.state == OrderState::Failed ||
                      orderLifecycle(tx, order).holdReason == kHoldForPageCount;
  const auto job = tx.findJobByOrder(order.id);
  moveTo(tx, order, OrderState::Queued, now, note);
  if (!job || newJob) {
    JobRecord fresh;
    fresh.id = newId("job");
    fresh.orderId = order.id;
    fresh.storeId = order.storeId;
    fresh.createdAt = fresh.updatedAt = now;
    tx.insertJob(fresh);
  } else {
    endLease(tx, order, now);
  }
  clearHoldReason(tx, order);
}

void onOrderEnded(StoreTransaction& tx, const OrderRecord& order, std::int64_t now) {
  if (order.state != OrderState::Printed && order.state != OrderState::Failed) {
    return;
  }
  const auto customer = tx.findUser(order.customerId);
  const auto store = tx.findStore(order.storeId);
  if (!customer || customer->email.empty() || customer->deactivatedAt || !store) {
    return; // nobody to tell
  }
  const OrderLifecycleRecord lc = orderLifecycle(tx, order);
  MailRecord mail;
  mail.recipient = customer->email;
  mail.createdAt = mail.nextAttemptAt = now;
  const std::string what = "\"" + order.documentName + "\" (order " + order.id + ")";
  if (order.state == OrderState::Printed) {
    mail.subject = "Your print is ready for pickup at " + store->name;
    mail.body = "Hello,\n\nyour print " + what + " is ready for pickup at:\n\n  " + store->name +
                "\n" + (store->address.empty() ? "" : "  " + store->address + "\n") + "\n";
    if (!lc.pickupCode.empty()) {
      mail.body += "Pickup code: " + lc.pickupCode + "\n\nGive this code at the counter.\n\n";
    }
    mail.body += "Thank you for printing with PrintRelay.\n";
  } else {
    std::string reason;
    const auto history = tx.orderHistory(order.id);
    if (!history.empty() && history.back().state == OrderState::Failed) {
      reason = history.back().note;
      if (reason.rfind("agent: ", 0) == 0) {
        reason.erase(0, 7);
      }
    }
    mail.subject = "Your print at " + store->name + " failed";
    mail.body = "Hello,\n\nyour print " + what + " at " + store->name +
                " could not be printed.\n\nReason: " + (reason.empty() ? "not given" : reason) +
                "\n\nThe shop can print it again, or you can place a new order.\n";
  }
  tx.enqueueMail(mail);
}

void cancelOrder(StoreTransaction& tx, OrderRecord& order, std::int64_t now,
                 std::string_view note) {
  const std::string state(toString(order.state));
  if (order.state == OrderState::Printing || order.state == OrderState::Printed ||
      order.state == OrderState::Failed) {
    throw ApiError(409, "printing_started",
                   "printing has started (the order is " + state + "); it cannot be cancelled");
  }
  if (order.state == OrderState::Cancelled || order.state == OrderState::Expired) {
    throw ApiError(409, "illegal_transition",
                   "the order is already " + state + "; it cannot be cancelled");
  }
  moveTo(tx, order, OrderState::Cancelled, now, note);
  endLease(tx, order, now);
  clearHoldReason(tx, order);
  refundIfPaid(tx, order, note, now);
}

void reprintOrder(StoreTransaction& tx, const DocumentDirectory& documents, OrderRecord& order,
                  std::int64_t now, std::string_view note) {
  if (order.state != OrderState::Printed && order.state != OrderState::Failed) {
    throw ApiError(409, "illegal_transition",
                   "the order is " + std::string(toString(order.state)) +
                       ": only a printed or failed order can be printed again");
  }
  if (orderLifecycle(tx, order).documentDeletedAt || !documents.size(order.id)) {
    throw ApiError(410, "document_gone",
                   "the document was deleted after the retention window; place a new order");
  }
  queueOrder(tx, order, now, note);
}

bool isPickupCode(std::string_view code) {
  return code.size() == 6 && code.find_first_not_of("0123456789") == std::string_view::npos;
}

OrderRecord releaseByPickupCode(StoreTransaction& tx, const std::string& storeId,
                                const std::string& code, std::int64_t now, std::string_view who) {
  bool waitsForPages = false;
  for (auto order : tx.ordersWithPickupCode(storeId, code)) {
    if (order.state != OrderState::Held) {
      continue;
    }
    if (orderLifecycle(tx, order).holdReason == kHoldForPageCount) {
      waitsForPages = true;
      continue;
    }
    queueOrder(tx, order, now, "released with the pickup code by " + std::string(who));
    return order;
  }
  if (waitsForPages) {
    throw ApiError(409, "held_for_page_count",
                   "this order is held because the agent counted more pages than were quoted; "
                   "the shopkeeper approves it (approve-pages), a pickup code cannot release it");
  }
  throw ApiError(404, "pickup_code_not_found", "no order of this store waits with this code");
}

bool deleteDocumentIfDue(Store& store, DocumentDirectory& documents, const std::string& orderId,
                         std::int64_t now) {
  auto tx = store.begin();
  const auto order = tx->findOrder(orderId);
  if (!order || !order->documentSize) {
    return false;
  }
  OrderLifecycleRecord lc = orderLifecycle(*tx, *order);
  if (lc.documentDeletedAt) {
    return false;
  }
  switch (order->state) {
  case OrderState::Cancelled:
  case OrderState::Expired:
    break;
  case OrderState::Printed:
  case OrderState::Failed:
    if (enteredStateAt(*tx, *order) + storeLifecycle(*tx, order->storeId).retentionSeconds > now) {
      return false;
    }
    break;
  default:
    return false;
  }
  // Deleted inside the transaction: a reprint (which needs the file) cannot come in between,
  // and should the commit fail, the next sweep finds the order again.
  documents.remove(order->id);
  lc.documentDeletedAt = now;
  tx->putOrderLifecycle(lc);
  tx->commit();
  log::info("order " + order->id + ": ciphertext deleted (" + std::string(toString(order->state)) +
            ")");
  return true;
}

SweepResult sweepOrders(Store& store, DocumentDirectory& documents, std::int64_t now) {
  SweepResult result;
  struct Expiry {
    OrderRecord order;
    std::int64_t window;
  };
  std::vector<Expiry> toExpire;
  std::vector<std::string> toDelete;
  {
    auto tx = store.begin();
    for (const auto& shop : tx->listStores()) {
      const StoreLifecycleRecord settings = storeLifecycle(*tx, shop.id);
      for (OrderState state :
           {OrderState::AwaitingUpload, OrderState::AwaitingPayment, OrderState::Held}) {
        const std::int64_t window = *waitingWindow(settings, state);
        for (auto& order :
             tx->ordersInStateSince(shop.id, state, now - window, false, kSweepBatch)) {
          toExpire.push_back({std::move(order), window});
        }
      }
      const std::array<std::pair<OrderState, std::int64_t>, 4> documentRules{{
          {OrderState::Cancelled, now},
          {OrderState::Expired, now},
          {OrderState::Printed, now - settings.retentionSeconds},
          {OrderState::Failed, now - settings.retentionSeconds},
      }};
      for (const auto& [state, enteredBy] : documentRules) {
        for (const auto& order :
             tx->ordersInStateSince(shop.id, state, enteredBy, true, kSweepBatch)) {
          toDelete.push_back(order.id);
        }
      }
    }
    tx->commit();
  }
  for (const auto& [order, window] : toExpire) {
    if (expireIfUnchanged(store, order, window, now)) {
      ++result.expired;
      toDelete.push_back(order.id);
    }
  }
  for (const auto& orderId : toDelete) {
    if (deleteDocumentIfDue(store, documents, orderId, now)) {
      ++result.documentsDeleted;
    }
  }
  return result;
}

void addLifecycleJson(const OrderView& view, json& j) {
  const OrderRecord& order = view.order;
  const OrderLifecycleRecord lc = view.lifecycle.value_or(OrderLifecycleRecord{});
  j["hold"] = lc.wantsHold;
  j["hold_reason"] = order.state == OrderState::Held && !lc.holdReason.empty() ? json(lc.holdReason)
                                                                               : json(nullptr);
  j["pickup_code"] = lc.pickupCode.empty() ? json(nullptr) : json(lc.pickupCode);
  const auto window =
      waitingWindow(view.storeLifecycle.value_or(StoreLifecycleRecord{}), order.state);
  j["expires_at"] =
      window ? json(view.enteredStateAt.value_or(order.updatedAt) + *window) : json(nullptr);
  if (j.contains("document") && j["document"].is_object()) {
    j["document"]["deleted_at"] =
        lc.documentDeletedAt ? json(*lc.documentDeletedAt) : json(nullptr);
  }
}

json storeLifecycleJson(const StoreLifecycleRecord& settings) {
  return {{"store_id", settings.storeId},
          {"hold_by_default", settings.holdByDefault},
          {"upload_window_seconds", settings.uploadWindowSeconds},
          {"payment_window_seconds", settings.paymentWindowSeconds},
          {"release_window_seconds", settings.releaseWindowSeconds},
          {"retention_seconds", settings.retentionSeconds},
          {"updated_at", settings.updatedAt == 0 ? json(nullptr) : json(settings.updatedAt)}};
}

} // namespace printrelay::cloud
