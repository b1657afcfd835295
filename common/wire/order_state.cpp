#include "common/wire/order_state.h"

#include "common/util/enum_names.h"
#include "common/util/error.h"

#include <array>
#include <utility>

namespace printrelay {
namespace {

constexpr auto kNames =
    enumNames(OrderState::OutcomeUnknown,
              {"awaiting_upload", "awaiting_payment", "held", "queued", "dispatched", "printing",
               "printed", "failed", "cancelled", "expired", "outcome_unknown"});

using S = OrderState;

// The edges of the machine; everything else is illegal.
constexpr std::array<std::pair<S, S>, 33> kEdges{{
    {S::AwaitingUpload, S::AwaitingPayment},
    {S::AwaitingUpload, S::Held},
    {S::AwaitingUpload, S::Queued},
    {S::AwaitingUpload, S::Cancelled},
    {S::AwaitingUpload, S::Expired},
    {S::AwaitingPayment, S::Held},
    {S::AwaitingPayment, S::Queued},
    {S::AwaitingPayment, S::Cancelled},
    {S::AwaitingPayment, S::Expired},
    {S::Held, S::Queued},
    {S::Held, S::Cancelled},
    {S::Held, S::Expired},
    {S::Queued, S::Dispatched},
    {S::Queued, S::Cancelled},
    {S::Queued, S::Expired},
    // A lease that runs out, or an agent that gives a job back, returns it to the queue.
    {S::Dispatched, S::Queued},
    {S::Dispatched, S::Printing},
    // An agent that recovers after a crash may learn the outcome without seeing "printing".
    {S::Dispatched, S::Printed},
    {S::Dispatched, S::Failed},
    {S::Dispatched, S::Cancelled},
    {S::Printing, S::Printed},
    {S::Printing, S::Failed},
    {S::Printing, S::Cancelled},
    // The agent's retry policy may hand a job back before the spooler accepted it.
    {S::Printing, S::Queued},
    {S::Dispatched, S::Expired},
    // A count above the quoted pages holds the job for the shopkeeper (hold_reason page_count).
    {S::Dispatched, S::Held},
    {S::Printing, S::Held},
    // The spooler forgot a job it was handed (a crash of cupsd): it may have printed. No refund
    // and no mail until the shop resolves it as printed or not printed.
    {S::Dispatched, S::OutcomeUnknown},
    {S::Printing, S::OutcomeUnknown},
    {S::OutcomeUnknown, S::Printed},
    {S::OutcomeUnknown, S::Failed},
    // A reprint, asked for by the shopkeeper or the agent, queues an ended order again.
    {S::Printed, S::Queued},
    {S::Failed, S::Queued},
}};

} // namespace

std::string_view toString(OrderState state) {
  return kNames.name(state);
}

std::optional<OrderState> parseOrderState(std::string_view name) {
  return kNames.parse(name);
}

bool canTransition(OrderState from, OrderState to) {
  for (const auto& [a, b] : kEdges) {
    if (a == from && b == to) {
      return true;
    }
  }
  return false;
}

std::vector<OrderState> nextStates(OrderState from) {
  std::vector<OrderState> out;
  for (const auto& [a, b] : kEdges) {
    if (a == from) {
      out.push_back(b);
    }
  }
  return out;
}

bool isTerminal(OrderState state) {
  return state == S::Printed || state == S::Failed || state == S::Cancelled || state == S::Expired;
}

void checkTransition(OrderState from, OrderState to) {
  if (!canTransition(from, to)) {
    throw Error("illegal_transition", "an order cannot go from " + std::string(toString(from)) +
                                          " to " + std::string(toString(to)));
  }
}

} // namespace printrelay
