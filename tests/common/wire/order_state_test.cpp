#include "common/util/error.h"
#include "common/wire/order_state.h"

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace printrelay {
namespace {

using S = OrderState;

const std::vector<S> kAll = {S::AwaitingUpload, S::AwaitingPayment, S::Held,          S::Queued,
                             S::Dispatched,     S::Printing,        S::Printed,       S::Failed,
                             S::Cancelled,      S::Expired,         S::OutcomeUnknown};

// The states named in one cell of a docs table ("printed, failed"); a name that is no state fails.
std::vector<S> statesIn(const std::string& cell) {
  std::vector<S> out;
  std::stringstream names(cell);
  std::string name;
  while (std::getline(names, name, ',')) {
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    const auto state = parseOrderState(name);
    EXPECT_TRUE(state.has_value()) << "docs/architecture.md names no state '" << name << "'";
    if (state) {
      out.push_back(*state);
    }
  }
  return out;
}

// The machine as the from/to/by table of docs/architecture.md describes it, read from the doc so
// the test pins every edge both ways against what the doc promises, not against a copy of the
// code's table.
std::set<std::pair<S, S>> documentedEdges() {
  std::ifstream in(std::string(PRINTRELAY_DOCS_DIR) + "/architecture.md");
  std::set<std::pair<S, S>> edges;
  std::string line;
  while (std::getline(in, line) && line != "| from | to | by |") {
  }
  std::getline(in, line); // | --- | --- | --- |
  while (std::getline(in, line) && line.starts_with("| ")) {
    const auto second = line.find(" | ", 2);
    const auto third = line.find(" | ", second + 3);
    for (S from : statesIn(line.substr(2, second - 2))) {
      for (S to : statesIn(line.substr(second + 3, third - second - 3))) {
        edges.insert({from, to});
      }
    }
  }
  return edges;
}

const std::set<std::pair<S, S>> kLegal = documentedEdges();

TEST(OrderState, TheDocumentedMachineHasEdgesFromEveryStateThatDoesNotEnd) {
  std::set<S> froms;
  for (const auto& edge : kLegal) {
    froms.insert(edge.first);
  }
  EXPECT_EQ(froms,
            (std::set<S>{S::AwaitingUpload, S::AwaitingPayment, S::Held, S::Queued, S::Dispatched,
                         S::Printing, S::Printed, S::Failed, S::OutcomeUnknown}));
}

TEST(OrderState, NamesRoundTrip) {
  std::set<std::string> names;
  for (S s : kAll) {
    const std::string name(toString(s));
    names.insert(name);
    EXPECT_EQ(parseOrderState(name), s);
  }
  EXPECT_EQ(names.size(), kAll.size());
  EXPECT_EQ(toString(S::AwaitingUpload), "awaiting_upload");
  EXPECT_EQ(toString(S::AwaitingPayment), "awaiting_payment");
  EXPECT_EQ(toString(S::Dispatched), "dispatched");
  EXPECT_EQ(toString(S::OutcomeUnknown), "outcome_unknown");
  for (const char* bad : {"", "Queued", "QUEUED", "queued ", "unknown", "awaiting-upload"}) {
    EXPECT_FALSE(parseOrderState(bad).has_value()) << bad;
  }
}

TEST(OrderState, EveryLegalEdgeIsAllowed) {
  for (const auto& [from, to] : kLegal) {
    EXPECT_TRUE(canTransition(from, to)) << toString(from) << " -> " << toString(to);
    EXPECT_NO_THROW(checkTransition(from, to));
  }
}

TEST(OrderState, EveryOtherEdgeIsRefused) {
  for (S from : kAll) {
    for (S to : kAll) {
      if (kLegal.count({from, to}) == 0) {
        EXPECT_FALSE(canTransition(from, to)) << toString(from) << " -> " << toString(to);
      }
    }
  }
}

TEST(OrderState, SomeIllegalEdgesNamed) {
  const std::pair<S, S> illegal[] = {
      {S::AwaitingUpload, S::Dispatched},
      {S::AwaitingUpload, S::Printed},
      {S::Queued, S::Printing},
      {S::Queued, S::Printed},
      {S::Held, S::Dispatched},
      {S::Printed, S::Printing},
      {S::Cancelled, S::Queued},
      {S::Failed, S::Printing},
      {S::Expired, S::AwaitingUpload},
      {S::Queued, S::Queued},
      // outcome_unknown comes only from a job the spooler was handed, and leaves only by the
      // shop's answer: not cancelled, not queued again, not expired.
      {S::Queued, S::OutcomeUnknown},
      {S::Held, S::OutcomeUnknown},
      {S::Printed, S::OutcomeUnknown},
      {S::Failed, S::OutcomeUnknown},
      {S::OutcomeUnknown, S::Queued},
      {S::OutcomeUnknown, S::Cancelled},
      {S::OutcomeUnknown, S::Expired},
      {S::OutcomeUnknown, S::Printing},
  };
  for (const auto& [from, to] : illegal) {
    try {
      checkTransition(from, to);
      ADD_FAILURE() << toString(from) << " -> " << toString(to) << " was allowed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "illegal_transition");
      EXPECT_NE(std::string(e.what()).find(toString(from)), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(toString(to)), std::string::npos);
    }
  }
}

TEST(OrderState, NextStatesMatchesCanTransition) {
  for (S from : kAll) {
    const auto next = nextStates(from);
    for (S to : kAll) {
      const bool listed = std::find(next.begin(), next.end(), to) != next.end();
      EXPECT_EQ(listed, canTransition(from, to));
    }
  }
}

TEST(OrderState, TerminalStatesEndAnOrder) {
  const std::set<S> terminal = {S::Printed, S::Failed, S::Cancelled, S::Expired};
  for (S s : kAll) {
    EXPECT_EQ(isTerminal(s), terminal.count(s) == 1) << toString(s);
    if (s == S::Printed || s == S::Failed) {
      // Ended, but a reprint may queue it again.
      EXPECT_EQ(nextStates(s), std::vector<S>{S::Queued}) << toString(s);
    } else if (isTerminal(s)) {
      EXPECT_TRUE(nextStates(s).empty()) << toString(s);
    } else {
      EXPECT_FALSE(nextStates(s).empty()) << toString(s);
    }
  }
}

TEST(OrderState, OutcomeUnknownWaitsForTheShopsAnswer) {
  EXPECT_FALSE(isTerminal(S::OutcomeUnknown));
  EXPECT_TRUE(canTransition(S::Dispatched, S::OutcomeUnknown));
  EXPECT_TRUE(canTransition(S::Printing, S::OutcomeUnknown));
  EXPECT_EQ(nextStates(S::OutcomeUnknown), (std::vector<S>{S::Printed, S::Failed}));
}

TEST(OrderState, EveryStateIsReachableAndCanEnd) {
  std::set<S> seen = {S::AwaitingUpload};
  std::vector<S> todo = {S::AwaitingUpload};
  while (!todo.empty()) {
    const S s = todo.back();
    todo.pop_back();
    for (S n : nextStates(s)) {
      if (seen.insert(n).second) {
        todo.push_back(n);
      }
    }
  }
  EXPECT_EQ(seen.size(), kAll.size());
  for (S s : kAll) {
    if (!isTerminal(s)) {
      const auto next = nextStates(s);
      EXPECT_TRUE(std::any_of(next.begin(), next.end(),
                              [](S n) { return n == S::Cancelled || n == S::Printed; }))
          << toString(s) << " has no way to end";
    }
  }
}

} // namespace
} // namespace printrelay
