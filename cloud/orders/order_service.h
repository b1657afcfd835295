#pragma once

#include "cloud/mail/order_mail.h"
#include "cloud/storage/document_directory.h"
#include "cloud/storage/store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace printrelay::cloud {

/// What the order service needs from outside: how long a lease lasts, and whom to wake once a
/// change has committed.
struct OrderServiceHooks {
  std::int64_t leaseSeconds = 120;
  /// A new lease ends this soon unless the agent acknowledges the offer (acknowledgeOffer).
  std::int64_t offerAckSeconds = 10;
  /// An order of the store was queued: its agents' long-polls look again (DispatchHub::notify).
  std::function<void(const std::string& storeId)> jobQueued;
  /// Mail was queued in the outbox: the mail sender looks again.
  std::function<void()> mailQueued;
  /// Online payment is configured: the awaiting-payment mail offers `printrelay pay`.
  bool onlinePayment = false;
  /// An order's state changed (its feed event is written): its live event streams look again
  /// (EventFeed::orderChanged).
  std::function<void(const OrderRecord& order)> orderChanged;
};

/// Who cancels an order: the shop's cancel is mailed to the customer, the customer's own is not.
enum class Canceller : std::uint8_t { Shop, Customer };

/// The one writer of an order's state. Every change goes through it: the state (checked with
/// canTransition), its history row, the job and its lease, and the side effects the new state
/// brings (the customer's mail, the refund of a paid order that ends unprinted, the final price
/// of a printed one). Handlers ask; the service decides. It works inside one transaction the
/// caller opened: commit() commits it and then wakes the agents, the mail sender and the event
/// streams the changes concern. Every state change also appends an "order" event to the live
/// event feed (StreamEventRecord) in the same transaction. Illegal changes throw Error
/// "illegal_transition" (or a more precise domain code).
class OrderService {
public:
  OrderService(StoreTransaction& tx, OrderServiceHooks hooks, std::int64_t now);

  /// Records a new order in its first state (awaiting_upload) with its history row.
  void create(const OrderRecord& order, std::string_view note);

  /// The document is stored: awaiting_payment when a pay-first store's order is unpaid, else
  /// held with a pickup code when the order waits for its customer, else queued. The new state.
  OrderState documentArrived(OrderRecord& order, std::string_view note);

  /// The order was paid: an order that waited in awaiting_payment moves on (held or queued).
  /// False when it was not waiting for its payment.
  bool paid(OrderRecord& order, std::string_view note);

  /// Hands the queued order's job to `agentId` under a new lease; returns the leased job. The
  /// lease first runs only until the offer's acknowledgement deadline (offerAckSeconds).
  JobRecord dispatch(OrderRecord& order, const std::string& agentId);

  /// The agent journalled the lease it was offered: the lease runs its full length from now.
  /// Error "lease_expired" when the job no longer holds `leaseId` (taken back, or never that
  /// lease) or its order is no longer dispatched or printing; repeating it renews the lease.
  JobRecord acknowledgeOffer(const std::string& jobId, const std::string& leaseId);

  /// The agent's report: printing (the lease runs on), printed (the charge is finalized on the
  /// agent's count, the customer is told), failed (a paid order is refunded, the customer is
  /// told), queued (the agent gave the job back) or outcome_unknown (the spooler forgot a job
  /// that may have printed: no refund, no mail, the shop resolves it). `message` is the agent's
  /// own words.
  void agentReport(OrderRecord& order, OrderState target, std::string_view note,
                   std::string_view message);

  /// The shop says whether an order in outcome_unknown printed: printed (charged on the agent's
  /// count as any printed order, the customer is told) or failed (a paid order is refunded, the
  /// customer is told). Error "outcome_known" when the order is not in outcome_unknown.
  void resolveOutcome(OrderRecord& order, bool printed, const std::string& who);

  /// The agent counted the pages: when `proceed`, the count is noted in the history and the lease
  /// runs on; otherwise the order is held for the shop's approval (its lease ends).
  void pagesCounted(OrderRecord& order, bool proceed, std::string_view note);

  /// The shop approves the agent's count above the quote: the quote is fixed again on it and the
  /// order goes back to the queue under a new job. Error 409 "no_page_count_hold" when the order
  /// is not held for its page count.
  void approvePages(OrderRecord& order, const std::string& who);

  /// Moves the order to held for `reason` (kHoldForPickup gives it a pickup code if it has none;
  /// kHoldForPageCount waits for the shopkeeper and cannot be released by code).
  void hold(OrderRecord& order, std::string_view reason, std::string_view note);

  /// Cancels the order (awaiting_upload, awaiting_payment, held, queued or dispatched; a lease
  /// ends, a paid order is refunded). Error "printing_started" once printing began,
  /// "illegal_transition" when it already ended otherwise. The caller deletes the ciphertext
  /// after committing (deleteDocumentIfDue).
  void cancel(OrderRecord& order, std::string_view note, Canceller by = Canceller::Shop);

  /// Queues a printed or failed order again under a new job. Error "illegal_transition" for any
  /// other state, "document_gone" when its ciphertext was deleted.
  void reprint(OrderRecord& order, const DocumentDirectory& documents, std::string_view note);

  /// Releases the store's order held for pickup with `code`: held → queued; returns it. Error
  /// "pickup_code_not_found" when no order of the store waits with this code,
  /// "held_for_page_count" when it waits for the shopkeeper's page approval instead.
  OrderRecord releaseByPickupCode(const std::string& storeId, const std::string& code,
                                  std::string_view who);

  /// Expires a waiting order (a paid one is refunded, a lease ends); `note` says why.
  void expire(OrderRecord& order, std::string_view note);

  /// Returns the store's dispatched and printing jobs whose lease ran out to the queue.
  void expireLeases(const std::string& storeId);
  /// An offer that never reached its agent: the job goes back to the queue at once when it
  /// still holds lease `leaseId` and nothing was reported on it. Returns whether it did.
  bool handBackLease(const std::string& jobId, const std::string& leaseId);

  /// A paid order's payment was refunded outside a state change (at the payment provider, or a
  /// payment that arrived after the order ended): the refund is recorded and the customer told.
  /// False when the order was not paid.
  bool refund(OrderRecord& order, std::string_view reason);

  /// Queues the customer's mails for the states the orders entered (see kCustomerMails in
  /// order_service.cpp), commits the transaction, then wakes the stores' agents and the mail
  /// sender as needed.
  void commit();

private:
  /// Writes the order in state `to` with its history row and the job change that state needs.
  void moveTo(OrderRecord& order, OrderState to, std::string_view note, bool tell = true);
  void queue(OrderRecord& order, std::string_view note);
  /// Queues the mail the customer gets on `order` entering its state, if that state has one.
  void tellCustomer(const OrderRecord& order);
  /// Queues the mail of `kind` to the order's customer (none without a customer to tell).
  void queueOrderMail(const OrderRecord& order, OrderMailKind kind, std::string_view reason = {});
  /// What printed or failed brings besides the state: the final charge, the customer's mail.
  void settle(OrderRecord& order, OrderState target);
  /// Appends the order's feed event for entering its current state.
  void recordEvent(const OrderRecord& order, std::int64_t at);

  StoreTransaction& tx_;
  OrderServiceHooks hooks_;
  std::int64_t now_;
  std::set<std::string> storesToWake_;
  /// The state each order entered last in this transaction and whether its customer is told;
  /// mailed at commit(), once every side effect (refund, final price) is written.
  std::map<std::string, std::pair<OrderState, bool>> entered_;
  std::map<std::string, OrderRecord> ordersChanged_;
  bool mailQueued_ = false;
};

} // namespace printrelay::cloud
