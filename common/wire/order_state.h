#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay {

/// Where an order is in its life (docs/architecture.md draws the machine).
enum class OrderState {
  AwaitingUpload,
  AwaitingPayment,
  Held,
  Queued,
  Dispatched,
  Printing,
  Printed,
  Failed,
  Cancelled,
  Expired,
  /// The spooler forgot a job that may have printed: neither printed nor failed until the shop
  /// says which (resolve).
  OutcomeUnknown,
};

/// "awaiting_upload", "queued", … as used in the API and the database.
std::string_view toString(OrderState state);
/// Parses the API name; nullopt for anything else.
std::optional<OrderState> parseOrderState(std::string_view name);

/// True when `from → to` is an edge of the order state machine.
bool canTransition(OrderState from, OrderState to);
/// The states reachable from `from` in one step.
std::vector<OrderState> nextStates(OrderState from);
/// Printed, failed, cancelled and expired end an order (outcome_unknown does not: it waits for
/// the shop) (a reprint may queue a printed or failed
/// order again: their only way on is back to queued).
bool isTerminal(OrderState state);

/// Throws Error{"illegal_transition"} naming both states unless canTransition(from, to).
void checkTransition(OrderState from, OrderState to);

} // namespace printrelay
