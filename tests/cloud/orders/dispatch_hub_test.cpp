// The dispatch hub wakes waiting polls of a store, and only of that store.
#include "cloud/orders/dispatch_hub.h"

#include <future>
#include <gtest/gtest.h>

namespace printrelay::cloud::testing {
namespace {

using namespace std::chrono_literals;

TEST(DispatchHubTest, NotifyWakesAWaiter) {
  DispatchHub hub;
  const auto ticket = hub.ticket("st_1");
  auto waiter = std::async(std::launch::async, [&] {
    return hub.wait("st_1", ticket, std::chrono::steady_clock::now() + 60s);
  });
  ASSERT_TRUE(hub.awaitWaiting("st_1", 1, 20s));
  hub.notify("st_1");
  EXPECT_EQ(waiter.get(), DispatchHub::Wake::Notified);
  EXPECT_EQ(hub.waiting("st_1"), 0u);
}

TEST(DispatchHubTest, NotifyBetweenTicketAndWaitIsNotLost) {
  DispatchHub hub;
  const auto ticket = hub.ticket("st_1");
  hub.notify("st_1");
  EXPECT_EQ(hub.wait("st_1", ticket, std::chrono::steady_clock::now() + 60s),
            DispatchHub::Wake::Notified);
}

TEST(DispatchHubTest, OtherStoresStayAsleep) {
  DispatchHub hub;
  const auto ticket = hub.ticket("st_1");
  hub.notify("st_2");
  // A deadline already past: the answer depends only on whether st_1 was notified.
  EXPECT_EQ(hub.wait("st_1", ticket, std::chrono::steady_clock::now()), DispatchHub::Wake::Timeout);
}

TEST(DispatchHubTest, ShutdownWakesEveryoneForGood) {
  DispatchHub hub;
  auto a = std::async(std::launch::async, [&] {
    return hub.wait("st_1", hub.ticket("st_1"), std::chrono::steady_clock::now() + 60s);
  });
  auto b = std::async(std::launch::async, [&] {
    return hub.wait("st_2", hub.ticket("st_2"), std::chrono::steady_clock::now() + 60s);
  });
  ASSERT_TRUE(hub.awaitWaiting("st_1", 1, 20s));
  ASSERT_TRUE(hub.awaitWaiting("st_2", 1, 20s));
  hub.shutdown();
  EXPECT_EQ(a.get(), DispatchHub::Wake::Shutdown);
  EXPECT_EQ(b.get(), DispatchHub::Wake::Shutdown);
  EXPECT_EQ(hub.wait("st_3", hub.ticket("st_3"), std::chrono::steady_clock::now() + 60s),
            DispatchHub::Wake::Shutdown);
}

TEST(DispatchHubTest, OneNotifyWakesEveryWaiterOfTheStore) {
  DispatchHub hub;
  const auto ticket = hub.ticket("st_1");
  std::vector<std::future<DispatchHub::Wake>> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.push_back(std::async(std::launch::async, [&] {
      return hub.wait("st_1", ticket, std::chrono::steady_clock::now() + 60s);
    }));
  }
  ASSERT_TRUE(hub.awaitWaiting("st_1", 4, 20s));
  hub.notify("st_1");
  for (auto& w : waiters) {
    EXPECT_EQ(w.get(), DispatchHub::Wake::Notified);
  }
}

} // namespace
} // namespace printrelay::cloud::testing
