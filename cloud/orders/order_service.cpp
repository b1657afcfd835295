#include "cloud/orders/order_service.h"

#include "cloud/mail/outbox.h"
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <cstdio>

namespace printrelay::cloud {

namespace {

/// Attempts at drawing a pickup code no open order of the store holds.
constexpr int kPickupCodeAttempts = 64;

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
  throw Error("pickup_codes_exhausted",
              "this store has too many orders waiting for pickup; try again later");
}

/// Ends the lease `job` holds, if any (the job is written by the caller).
void clearLease(JobRecord& job, OrderState now) {
  if (!job.leaseId.empty()) {
    log::job(log::Level::Info, job.id,
             "lease " + job.leaseId + " ended: order is now " + std::string(toString(now)));
  }
  job.leaseId.clear();
  job.leaseExpiresAt = 0;
}

void clearHoldReason(StoreTransaction& tx, const OrderRecord& order) {
  if (auto lc = tx.findOrderLifecycle(order.id); lc && !lc->holdReason.empty()) {
    lc->holdReason.clear();
    tx.putOrderLifecycle(*lc);
  }
}

/// The agent's reason for a failure, from the failed state's history note.
std::string failureReason(StoreTransaction& tx, const OrderRecord& order) {
  std::string reason;
  const auto history = tx.orderHistory(order.id);
  if (!history.empty() && history.back().state == OrderState::Failed) {
    reason = history.back().note;
    if (reason.rfind("agent: ", 0) == 0) {
      reason.erase(0, 7);
    }
  }
  return reason;
}

} // namespace

OrderService::OrderService(StoreTransaction& tx, OrderServiceHooks hooks, std::int64_t now)
    : tx_(tx), hooks_(std::move(hooks)), now_(now) {}

void OrderService::moveTo(OrderRecord& order, OrderState to, std::string_view note) {
  const OrderState from = order.state;
  checkTransition(from, to);
  // A reprint, or an approved page count (the agent dropped the job it held), is a new job: the
  // agent's journal knows the old one as done, and its event sequence starts again under the
  // new id.
  const bool newJob =
      to == OrderState::Queued &&
      (from == OrderState::Printed || from == OrderState::Failed ||
       (from == OrderState::Held && orderLifecycle(tx_, order).holdReason == kHoldForPageCount));
  order.state = to;
  order.updatedAt = now_;
  tx_.updateOrder(order);
  tx_.appendOrderHistory({order.id, to, now_, std::string(note)});
  recordEvent(order, now_);

  auto job = tx_.findJobByOrder(order.id);
  if (to == OrderState::Queued && (!job || newJob)) {
    JobRecord fresh;
    fresh.id = newId("job");
    fresh.orderId = order.id;
    fresh.storeId = order.storeId;
    fresh.createdAt = fresh.updatedAt = now_;
    tx_.insertJob(fresh);
  } else if (job && to == OrderState::Printing) {
    job->leaseExpiresAt = now_ + hooks_.leaseSeconds; // the lease runs on while it prints
    job->updatedAt = now_;
    tx_.updateJob(*job);
  } else if (job && to != OrderState::Dispatched && !job->leaseId.empty()) {
    clearLease(*job, to); // every other state ends the lease (dispatch() writes a new one)
    job->updatedAt = now_;
    tx_.updateJob(*job);
  }
  if (to == OrderState::Queued) {
    storesToWake_.insert(order.storeId);
  }
  if (to == OrderState::Queued || isTerminal(to)) {
    clearHoldReason(tx_, order);
  }
}

void OrderService::create(const OrderRecord& order, std::string_view note) {
  tx_.insertOrder(order);
  tx_.appendOrderHistory({order.id, order.state, order.createdAt, std::string(note)});
  recordEvent(order, order.createdAt);
}

void OrderService::recordEvent(const OrderRecord& order, std::int64_t at) {
  StreamEventRecord event;
  event.kind = "order";
  event.storeId = order.storeId;
  event.orderId = order.id;
  event.customerId = order.customerId;
  event.state = std::string(toString(order.state));
  event.at = at;
  tx_.appendStreamEvent(event);
  ordersChanged_.insert_or_assign(order.id, order);
}

OrderState OrderService::documentArrived(OrderRecord& order, std::string_view note) {
  if (paymentDueBeforePrinting(tx_, order)) {
    moveTo(order, OrderState::AwaitingPayment, note); // then paid()
  } else if (orderLifecycle(tx_, order).wantsHold) {
    hold(order, kHoldForPickup, note);
  } else {
    queue(order, note);
  }
  return order.state;
}

bool OrderService::paid(OrderRecord& order, std::string_view note) {
  if (order.state != OrderState::AwaitingPayment) {
    return false;
  }
  if (orderLifecycle(tx_, order).wantsHold) {
    hold(order, kHoldForPickup, note);
  } else {
    queue(order, note);
  }
  return true;
}

JobRecord OrderService::dispatch(OrderRecord& order, const std::string& agentId) {
  moveTo(order, OrderState::Dispatched, "leased to agent " + agentId);
  auto job = tx_.findJobByOrder(order.id);
  if (!job) {
    throw Error("store_corrupt", "order " + order.id + " has no job");
  }
  job->leaseId = newId("lease");
  job->leaseExpiresAt = now_ + hooks_.leaseSeconds;
  job->agentId = agentId;
  job->updatedAt = now_;
  tx_.updateJob(*job);
  return *job;
}

void OrderService::agentReport(OrderRecord& order, OrderState target, std::string_view note,
                               std::string_view message) {
  moveTo(order, target, note);
  if (target == OrderState::Failed) {
    refundIfPaid(
        tx_, order,
        "printing failed" + (message.empty() ? std::string() : ": " + std::string(message)), now_);
  }
  if (target == OrderState::Printed) {
    // The final price is the agent's count when it made one (a Windows agent cannot count
    // PDFs), else the quoted one.
    const auto pages = tx_.findOrderPages(order.id);
    if (pages && (pages->agentPages || pages->quotedPages)) {
      finalizeCharge(tx_, order, pages->agentPages.value_or(pages->quotedPages.value_or(0)));
    }
  }
  if (target == OrderState::Printed || target == OrderState::Failed) {
    tellCustomer(order);
  }
}

void OrderService::pagesCounted(OrderRecord& order, bool proceed, std::string_view note) {
  if (!proceed) {
    // Held for the shop (never released by a pickup code); the lease ends and the agent drops
    // the job; approval queues the order under a new job.
    hold(order, kHoldForPageCount, note);
    return;
  }
  tx_.appendOrderHistory({order.id, order.state, now_, std::string(note)});
  if (auto job = tx_.findJobByOrder(order.id); job) {
    job->leaseExpiresAt = now_ + hooks_.leaseSeconds;
    job->updatedAt = now_;
    tx_.updateJob(*job);
  }
}

void OrderService::approvePages(OrderRecord& order, const std::string& who) {
  auto pages = tx_.findOrderPages(order.id);
  if (order.state != OrderState::Held ||
      orderLifecycle(tx_, order).holdReason != kHoldForPageCount || !pages || !pages->agentPages) {
    throw Error("no_page_count_hold", "the order is " + std::string(toString(order.state)) +
                                          ", not held for a page count to approve");
  }
  const int quoted = pages->quotedPages.value_or(0);
  pages->approvedAt = now_;
  tx_.putOrderPages(*pages);
  // The agent's count becomes the quoted one, re-priced (with the charge's own copy of the price
  // list) before the order goes back to the queue.
  fixQuote(tx_, order, *pages->agentPages, "agent");
  queue(order, "shop approved " + std::to_string(*pages->agentPages) + " page(s) (quoted " +
                   std::to_string(quoted) + ") by " + who);
}

void OrderService::hold(OrderRecord& order, std::string_view reason, std::string_view note) {
  checkTransition(order.state, OrderState::Held);
  OrderLifecycleRecord lc = orderLifecycle(tx_, order);
  lc.holdReason = std::string(reason);
  if (reason == kHoldForPickup && lc.pickupCode.empty()) {
    lc.pickupCode = newPickupCode(tx_, order.storeId);
  }
  tx_.putOrderLifecycle(lc);
  moveTo(order, OrderState::Held, note);
}

void OrderService::queue(OrderRecord& order, std::string_view note) {
  moveTo(order, OrderState::Queued, note);
}

void OrderService::cancel(OrderRecord& order, std::string_view note) {
  const std::string state(toString(order.state));
  if (order.state == OrderState::Printing || order.state == OrderState::Printed ||
      order.state == OrderState::Failed) {
    throw Error("printing_started",
                "printing has started (the order is " + state + "); it cannot be cancelled");
  }
  if (order.state == OrderState::Cancelled || order.state == OrderState::Expired) {
    throw Error("illegal_transition", "the order is already " + state + "; it cannot be cancelled");
  }
  moveTo(order, OrderState::Cancelled, note);
  refundIfPaid(tx_, order, note, now_);
}

void OrderService::reprint(OrderRecord& order, const DocumentDirectory& documents,
                           std::string_view note) {
  if (order.state != OrderState::Printed && order.state != OrderState::Failed) {
    throw Error("illegal_transition", "the order is " + std::string(toString(order.state)) +
                                          ": only a printed or failed order can be printed again");
  }
  if (orderLifecycle(tx_, order).documentDeletedAt || !documents.size(order.id)) {
    throw Error("document_gone",
                "the document was deleted after the retention window; place a new order");
  }
  queue(order, note);
}

OrderRecord OrderService::releaseByPickupCode(const std::string& storeId, const std::string& code,
                                              std::string_view who) {
  bool waitsForPages = false;
  for (auto order : tx_.ordersWithPickupCode(storeId, code)) {
    if (order.state != OrderState::Held) {
      continue;
    }
    if (orderLifecycle(tx_, order).holdReason == kHoldForPageCount) {
      waitsForPages = true;
      continue;
    }
    queue(order, "released with the pickup code by " + std::string(who));
    return order;
  }
  if (waitsForPages) {
    throw Error("held_for_page_count",
                "this order is held because the agent counted more pages than were quoted; "
                "the shopkeeper approves it (approve-pages), a pickup code cannot release it");
  }
  throw Error("pickup_code_not_found", "no order of this store waits with this code");
}

void OrderService::expire(OrderRecord& order, std::string_view note) {
  const OrderState from = order.state;
  moveTo(order, OrderState::Expired, note);
  // An awaiting_payment order was not paid, but a held one may have been.
  refundIfPaid(tx_, order, "the order expired in " + std::string(toString(from)), now_);
}

void OrderService::expireLeases(const std::string& storeId) {
  for (const auto& job : tx_.expiredLeases(now_, storeId)) {
    auto order = tx_.findOrder(job.orderId);
    if (!order || !canTransition(order->state, OrderState::Queued)) {
      continue;
    }
    log::job(log::Level::Notice, job.id, "lease " + job.leaseId + " expired; back in the queue");
    queue(*order, "lease expired");
  }
}

bool OrderService::handBackLease(const std::string& jobId, const std::string& leaseId) {
  const auto job = tx_.findJob(jobId);
  if (!job || job->leaseId != leaseId) {
    return false;
  }
  auto order = tx_.findOrder(job->orderId);
  if (!order || order->state != OrderState::Dispatched) {
    return false;
  }
  log::job(log::Level::Notice, jobId,
           "offer under lease " + leaseId + " not delivered; back in the queue");
  queue(*order, "offer not delivered");
  return true;
}

void OrderService::tellCustomer(const OrderRecord& order) {
  const auto customer = tx_.findUser(order.customerId);
  const auto store = tx_.findStore(order.storeId);
  if (!customer || customer->email.empty() || customer->deactivatedAt || !store) {
    return; // nobody to tell
  }
  std::string subject;
  std::string body;
  const std::string what = "\"" + order.documentName + "\" (order " + order.id + ")";
  if (order.state == OrderState::Printed) {
    const std::string pickupCode = orderLifecycle(tx_, order).pickupCode;
    subject = "Your print is ready for pickup at " + store->name;
    body = "Hello,\n\nyour print " + what + " is ready for pickup at:\n\n  " + store->name + "\n" +
           (store->address.empty() ? "" : "  " + store->address + "\n") + "\n";
    if (!pickupCode.empty()) {
      body += "Pickup code: " + pickupCode + "\n\nGive this code at the counter.\n\n";
    }
    body += "Thank you for printing with PrintRelay.\n";
  } else {
    const std::string reason = failureReason(tx_, order);
    subject = "Your print at " + store->name + " failed";
    body = "Hello,\n\nyour print " + what + " at " + store->name +
           " could not be printed.\n\nReason: " + (reason.empty() ? "not given" : reason) +
           "\n\nThe shop can print it again, or you can place a new order.\n";
  }
  queueMail(tx_, customer->email, subject, body, now_);
  mailQueued_ = true;
}

void OrderService::commit() {
  tx_.commit();
  if (mailQueued_ && hooks_.mailQueued) {
    hooks_.mailQueued();
  }
  if (hooks_.jobQueued) {
    for (const auto& storeId : storesToWake_) {
      hooks_.jobQueued(storeId);
    }
  }
  if (hooks_.orderChanged) {
    for (const auto& [id, order] : ordersChanged_) {
      hooks_.orderChanged(order);
    }
  }
  mailQueued_ = false;
  storesToWake_.clear();
  ordersChanged_.clear();
}

} // namespace printrelay::cloud
