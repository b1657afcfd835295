#include "cloud/orders/order_service.h"

#include "cloud/mail/outbox.h"
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/orders/pricing.h"
#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <algorithm>
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

/// The mail a customer gets when the order enters a state (for held: with this hold reason;
/// empty matches any). A state without a row, or whose row names no mail, is not mailed. The
/// one place that decides which moments are mailed.
struct CustomerMail {
  OrderState state;
  std::string_view holdReason;
  std::optional<OrderMailKind> mail;
};
const CustomerMail kCustomerMails[] = {
    {OrderState::AwaitingUpload, {}, std::nullopt},
    {OrderState::AwaitingPayment, {}, OrderMailKind::AwaitingPayment},
    {OrderState::Held, kHoldForPickup, OrderMailKind::Held},
    {OrderState::Held, kHoldForPageCount, std::nullopt}, // the shop approves; nothing to do yet
    {OrderState::Queued, {}, std::nullopt},
    {OrderState::Dispatched, {}, std::nullopt},
    {OrderState::Printing, {}, std::nullopt},
    {OrderState::Printed, {}, OrderMailKind::Printed},
    {OrderState::Failed, {}, OrderMailKind::Failed},
    // Not failed and not printed: the shop resolves it first, and that answer is mailed.
    {OrderState::OutcomeUnknown, {}, std::nullopt},
    {OrderState::Expired, {}, OrderMailKind::Expired},
    {OrderState::Cancelled, {}, OrderMailKind::Cancelled},
};

std::optional<OrderMailKind> customerMailFor(OrderState state, std::string_view holdReason) {
  for (const auto& row : kCustomerMails) {
    if (row.state == state && (row.holdReason.empty() || row.holdReason == holdReason)) {
      return row.mail;
    }
  }
  return std::nullopt;
}

/// "EUR 1.20": an amount in minor units of `currency`.
std::string money(std::int64_t minor, const std::string& currency) {
  return currency + " " + formatMinor(minor, currencyExponent(currency).value_or(2));
}

/// The words after "…: " in a history note ("cancelled by the shop (usr_1): out of toner").
std::string reasonInNote(const std::string& note) {
  const auto colon = note.find(": ");
  return colon == std::string::npos ? std::string() : note.substr(colon + 2);
}

} // namespace

OrderService::OrderService(StoreTransaction& tx, OrderServiceHooks hooks, std::int64_t now)
    : tx_(tx), hooks_(std::move(hooks)), now_(now) {}

void OrderService::moveTo(OrderRecord& order, OrderState to, std::string_view note, bool tell) {
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
  if (from != to) {
    entered_[order.id] = {to, tell};
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
  // Until the agent acknowledges, the lease is as short as the acknowledgement deadline: an
  // offer lost with its agent (a crash, an answer written into a dead connection) comes back in
  // seconds, not at the end of a whole lease.
  job->leaseExpiresAt =
      now_ + (hooks_.offerAckSeconds > 0 ? std::min(hooks_.offerAckSeconds, hooks_.leaseSeconds)
                                         : hooks_.leaseSeconds);
  job->agentId = agentId;
  job->updatedAt = now_;
  tx_.updateJob(*job);
  return *job;
}

JobRecord OrderService::acknowledgeOffer(const std::string& jobId, const std::string& leaseId) {
  auto job = tx_.findJob(jobId);
  const auto order = job ? tx_.findOrder(job->orderId) : std::nullopt;
  if (!job || job->leaseId.empty() || job->leaseId != leaseId || !order ||
      (order->state != OrderState::Dispatched && order->state != OrderState::Printing)) {
    throw Error("lease_expired", "the lease is no longer current; drop the job");
  }
  job->leaseExpiresAt = now_ + hooks_.leaseSeconds;
  job->updatedAt = now_;
  tx_.updateJob(*job);
  return *job;
}

void OrderService::agentReport(OrderRecord& order, OrderState target, std::string_view note,
                               std::string_view message) {
  moveTo(order, target, note);
  if (target == OrderState::Failed) { // never outcome_unknown: it may have printed
    refundIfPaid(
        tx_, order,
        "printing failed" + (message.empty() ? std::string() : ": " + std::string(message)), now_);
  }
  settle(order, target);
}

void OrderService::resolveOutcome(OrderRecord& order, bool printed, const std::string& who) {
  if (order.state != OrderState::OutcomeUnknown) {
    throw Error("outcome_known", "the order is " + std::string(toString(order.state)) +
                                     ", not outcome_unknown: there is nothing to resolve");
  }
  const OrderState target = printed ? OrderState::Printed : OrderState::Failed;
  moveTo(order, target,
         printed ? "shop: it printed (outcome resolved by " + who + ")"
                 : "shop: it did not print (outcome resolved by " + who + ")");
  if (!printed) {
    refundIfPaid(tx_, order, "not printed (resolved by the shop)", now_);
  }
  settle(order, target);
}

void OrderService::settle(OrderRecord& order, OrderState target) {
  if (target == OrderState::Printed) {
    // The final price is the agent's count when it made one (a Windows agent cannot count
    // PDFs), else the quoted one.
    const auto pages = tx_.findOrderPages(order.id);
    if (pages && (pages->agentPages || pages->quotedPages)) {
      finalizeCharge(tx_, order, pages->agentPages.value_or(pages->quotedPages.value_or(0)));
    }
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

void OrderService::cancel(OrderRecord& order, std::string_view note, Canceller by) {
  const std::string state(toString(order.state));
  if (order.state == OrderState::Printing || order.state == OrderState::Printed ||
      order.state == OrderState::Failed || order.state == OrderState::OutcomeUnknown) {
    throw Error("printing_started",
                "printing has started (the order is " + state + "); it cannot be cancelled");
  }
  if (order.state == OrderState::Cancelled || order.state == OrderState::Expired) {
    throw Error("illegal_transition", "the order is already " + state + "; it cannot be cancelled");
  }
  moveTo(order, OrderState::Cancelled, note, by == Canceller::Shop);
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

bool OrderService::refund(OrderRecord& order, std::string_view reason) {
  const auto charge = tx_.findOrderCharge(order.id);
  if (!charge || charge->paymentState != "paid") {
    return false;
  }
  refundIfPaid(tx_, order, reason, now_);
  queueOrderMail(order, OrderMailKind::Refunded, reason);
  return true;
}

void OrderService::tellCustomer(const OrderRecord& order) {
  const auto lc = tx_.findOrderLifecycle(order.id);
  const auto kind = customerMailFor(order.state, lc ? lc->holdReason : std::string());
  if (!kind) {
    return;
  }
  std::string reason;
  if (order.state == OrderState::Failed) {
    reason = failureReason(tx_, order);
  } else if (order.state == OrderState::Cancelled) {
    const auto history = tx_.orderHistory(order.id);
    reason = history.empty() ? std::string() : reasonInNote(history.back().note);
  }
  queueOrderMail(order, *kind, reason);
}

void OrderService::queueOrderMail(const OrderRecord& order, OrderMailKind kind,
                                  std::string_view reason) {
  const auto customer = tx_.findUser(order.customerId);
  const auto store = tx_.findStore(order.storeId);
  if (!customer || customer->email.empty() || customer->deactivatedAt || !store) {
    return; // nobody to tell
  }
  OrderMailFacts facts;
  facts.orderId = order.id;
  facts.documentName = order.documentName;
  facts.shopName = store->name;
  facts.shopAddress = store->address;
  facts.reason = std::string(reason);
  facts.onlinePayment = hooks_.onlinePayment;
  const OrderLifecycleRecord lc = orderLifecycle(tx_, order);
  facts.pickupCode = lc.pickupCode;
  const StoreLifecycleRecord settings = storeLifecycle(tx_, order.storeId);
  facts.waitSeconds = order.state == OrderState::AwaitingPayment ? settings.paymentWindowSeconds
                                                                 : settings.releaseWindowSeconds;
  if (const auto charge = tx_.findOrderCharge(order.id); charge && charge->totalMinor > 0) {
    facts.amount = money(charge->totalMinor, charge->currency);
    facts.paid = charge->paymentState == "paid";
    if (charge->paymentState == "refunded") {
      facts.payment = PaymentOutcome::Refunded;
      facts.refundedAmount = money(charge->refundedMinor, charge->currency);
    } else if (charge->paymentState == "unpaid") {
      facts.payment = PaymentOutcome::NotCharged;
    } else {
      facts.payment = PaymentOutcome::StillCharged;
    }
  }
  queueMail(tx_, customer->email, orderMail(kind, facts), now_);
  mailQueued_ = true;
}

void OrderService::commit() {
  for (const auto& [orderId, entered] : entered_) {
    const auto& [state, tell] = entered;
    const auto order = tx_.findOrder(orderId);
    if (tell && order && order->state == state) {
      tellCustomer(*order);
    }
  }
  entered_.clear();
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
