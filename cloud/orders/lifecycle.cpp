#include "cloud/orders/lifecycle.h"

#include "cloud/orders/order_service.h"
#include "common/util/log.h"
#include "common/util/text.h"

#include <array>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// Orders looked at per store and state in one sweep (the next sweep takes the rest).
constexpr int kSweepBatch = 200;

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

/// Expires one waiting order if it is still in the state (and at the version) it was found in.
bool expireIfUnchanged(Store& store, const OrderRecord& found, std::int64_t window,
                       std::int64_t now, const OrderServiceHooks& hooks) {
  auto tx = store.begin();
  auto order = tx->findOrder(found.id);
  if (!order || order->state != found.state || order->updatedAt != found.updatedAt) {
    return false; // something happened to it since: the next sweep looks again
  }
  const OrderState from = order->state;
  OrderService orders(*tx, hooks, now);
  orders.expire(*order, expiryNote(from, window));
  orders.commit();
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

bool isPickupCode(std::string_view code) {
  return code.size() == 6 && code.find_first_not_of("0123456789") == std::string_view::npos;
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

SweepResult sweepOrders(Store& store, DocumentDirectory& documents, std::int64_t now,
                        const OrderServiceHooks& hooks) {
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
    if (expireIfUnchanged(store, order, window, now, hooks)) {
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
