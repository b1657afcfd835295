// The dispatch hub runs the parked polls of a store when it is notified, and only of that store.
#include "cloud/orders/dispatch_hub.h"

#include <atomic>
#include <future>
#include <gtest/gtest.h>
#include <vector>

namespace printrelay::cloud::testing {
namespace {

using namespace std::chrono_literals;
using Clock = DispatchHub::Clock;

/// A parked poll that is done on its first run, and counts its runs.
struct Poll {
  std::promise<void> ran;
  std::future<void> done = ran.get_future();
  std::atomic<int> runs{0};

  DispatchHub::Waiter waiter() {
    return [this]() -> std::optional<Clock::time_point> {
      if (runs.fetch_add(1) == 0) {
        ran.set_value();
      }
      return std::nullopt;
    };
  }
  bool ranWithin(std::chrono::seconds limit) const {
    return done.wait_for(limit) == std::future_status::ready;
  }
};

std::uint64_t parkFor(DispatchHub& hub, const std::string& storeId, std::uint64_t ticket,
                      Poll& poll) {
  return hub.park(storeId, ticket, Clock::time_point::max(), Clock::now() + 60s, poll.waiter());
}

/// Returns once the dispatcher has finished every turn it had started: a task posted after a
/// turn runs in a later one.
void settle(DispatchHub& hub) {
  for (int turn = 0; turn < 2; ++turn) {
    std::promise<void> reached;
    hub.post([&] { reached.set_value(); });
    ASSERT_EQ(reached.get_future().wait_for(20s), std::future_status::ready);
  }
}

TEST(DispatchHubTest, NotifyRunsAParkedPoll) {
  DispatchHub hub;
  Poll poll;
  ASSERT_NE(parkFor(hub, "st_1", hub.ticket("st_1"), poll), 0u);
  ASSERT_TRUE(hub.awaitWaiting("st_1", 1, 20s));
  hub.notify("st_1");
  ASSERT_TRUE(poll.ranWithin(20s));
  settle(hub);
  EXPECT_EQ(poll.runs, 1);
  EXPECT_EQ(hub.waiting("st_1"), 0u);
}

TEST(DispatchHubTest, NotifyBetweenTicketAndParkIsNotLost) {
  DispatchHub hub;
  const auto ticket = hub.ticket("st_1");
  hub.notify("st_1");
  Poll poll;
  parkFor(hub, "st_1", ticket, poll);
  EXPECT_TRUE(poll.ranWithin(20s));
}

TEST(DispatchHubTest, OtherStoresStayParked) {
  DispatchHub hub;
  Poll poll;
  parkFor(hub, "st_1", hub.ticket("st_1"), poll);
  hub.notify("st_2");
  settle(hub);
  EXPECT_EQ(poll.runs, 0);
  EXPECT_EQ(hub.waiting("st_1"), 1u);
}

TEST(DispatchHubTest, APollPastItsDeadlineIsDroppedWithoutRunning) {
  DispatchHub hub;
  Poll poll;
  hub.park("st_1", hub.ticket("st_1"), Clock::time_point::max(), Clock::now(), poll.waiter());
  hub.notify("st_1");
  settle(hub);
  EXPECT_EQ(poll.runs, 0);
  EXPECT_EQ(hub.waiting("st_1"), 0u);
}

TEST(DispatchHubTest, ShutdownDropsParkedPollsForGood) {
  DispatchHub hub;
  Poll a;
  Poll b;
  parkFor(hub, "st_1", hub.ticket("st_1"), a);
  parkFor(hub, "st_2", hub.ticket("st_2"), b);
  hub.shutdown();
  EXPECT_EQ(hub.waiting("st_1"), 0u);
  EXPECT_EQ(hub.waiting("st_2"), 0u);
  Poll late;
  EXPECT_EQ(parkFor(hub, "st_3", hub.ticket("st_3"), late), 0u);
  hub.notify("st_1");
  hub.close();
  EXPECT_EQ(a.runs + b.runs + late.runs, 0);
}

TEST(DispatchHubTest, OneNotifyRunsEveryParkedPollOfTheStore) {
  DispatchHub hub;
  const auto ticket = hub.ticket("st_1");
  std::vector<std::unique_ptr<Poll>> polls;
  for (int i = 0; i < 4; ++i) {
    polls.push_back(std::make_unique<Poll>());
    parkFor(hub, "st_1", ticket, *polls.back());
  }
  ASSERT_TRUE(hub.awaitWaiting("st_1", 4, 20s));
  hub.notify("st_1");
  for (auto& poll : polls) {
    EXPECT_TRUE(poll->ranWithin(20s));
  }
}

TEST(DispatchHubTest, AnUnparkedPollNeverRuns) {
  DispatchHub hub;
  Poll poll;
  const auto id = parkFor(hub, "st_1", hub.ticket("st_1"), poll);
  hub.unpark("st_1", id);
  EXPECT_EQ(hub.waiting("st_1"), 0u);
  hub.notify("st_1");
  settle(hub);
  EXPECT_EQ(poll.runs, 0);
}

} // namespace
} // namespace printrelay::cloud::testing
