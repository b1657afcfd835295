#pragma once

#include "cloud/storage/document_directory.h"
#include "cloud/storage/store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace printrelay::cloud {

/// What the order service needs from outside: how long a lease lasts, and whom to wake once a
/// change has committed.
struct OrderServiceHooks {
  std::int64_t leaseSeconds = 120;
  /// An order of the store was queued: its agents' long-polls look again (DispatchHub::notify).
  std::function<void(const std::string& storeId)> jobQueued;
  /// Mail was queued in the outbox: the mail sender looks again.
  std::function<void()> mailQueued;
  /// An order's state changed (its feed event is written): its live event streams look again
  /// (EventFeed::orderChanged).
  std::function<void(const OrderRecord& order)> orderChanged;
};

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

  /// Hands the queued order's job to `agentId` under a new lease; returns the leased job.
  JobRecord dispatch(OrderRecord& order, const std::string& agentId);

  /// The agent's report: printing (the lease runs on), printed (the charge is finalized on the
  /// agent's count, the customer is told), failed (a paid order is refunded, the customer is
  /// told) or queued (the agent gave the job back). `message` is the agent's own words.
  void agentReport(OrderRecord& order, OrderState target, std::string_view note,
                   std::string_view message);

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
  void cancel(OrderRecord& order, std::string_view note);

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

  /// Commits the transaction, then wakes the stores' agents and the mail sender as needed.
  void commit();

private:
  /// Writes the order in state `to` with its history row and the job change that state needs.
  void moveTo(OrderRecord& order, OrderState to, std::string_view note);
  void queue(OrderRecord& order, std::string_view note);
  void tellCustomer(const OrderRecord& order);
  /// Appends the order's feed event for entering its current state.
  void recordEvent(const OrderRecord& order, std::int64_t at);

  StoreTransaction& tx_;
  OrderServiceHooks hooks_;
  std::int64_t now_;
  std::set<std::string> storesToWake_;
  std::map<std::string, OrderRecord> ordersChanged_;
  bool mailQueued_ = false;
};

} // namespace printrelay::cloud
