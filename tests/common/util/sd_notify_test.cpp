// sd::notify against a real Unix datagram socket standing in for systemd's $NOTIFY_SOCKET.
#include "common/util/sd_notify.h"
#include "tests/support/notify_socket.h"
#include "tests/support/test_env.h"

#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace printrelay {
namespace {

using printrelay::testing::NotifySocket;

class SdNotifyTest : public ::testing::Test {
protected:
  void TearDown() override {
    test_env::unset("NOTIFY_SOCKET");
    test_env::unset("WATCHDOG_USEC");
    test_env::unset("WATCHDOG_PID");
  }
};

TEST_F(SdNotifyTest, SendsOneDatagramToAPathSocket) {
  NotifySocket socket(false);
  ASSERT_TRUE(socket.bound());
  test_env::set("NOTIFY_SOCKET", socket.address().c_str());
  EXPECT_TRUE(sd::notify("READY=1\nSTATUS=serving"));
  EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=serving");
  EXPECT_TRUE(sd::notify("WATCHDOG=1"));
  EXPECT_EQ(socket.receive(), "WATCHDOG=1");
}

TEST_F(SdNotifyTest, SendsToTheAbstractNamespace) {
  NotifySocket socket(true);
  ASSERT_TRUE(socket.bound());
  test_env::set("NOTIFY_SOCKET", socket.address().c_str());
  EXPECT_TRUE(sd::notify("STOPPING=1"));
  EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST_F(SdNotifyTest, IsANoOpWithoutOrWithAMalformedSocket) {
  test_env::unset("NOTIFY_SOCKET");
  EXPECT_FALSE(sd::notify("READY=1"));
  test_env::set("NOTIFY_SOCKET", "");
  EXPECT_FALSE(sd::notify("READY=1"));
  test_env::set("NOTIFY_SOCKET", "relative/path");
  EXPECT_FALSE(sd::notify("READY=1"));
  test_env::set("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str()); // over sun_path
  EXPECT_FALSE(sd::notify("READY=1"));
  test_env::set("NOTIFY_SOCKET", "/nonexistent/printrelay/notify");
  EXPECT_FALSE(sd::notify("READY=1"));
}

TEST_F(SdNotifyTest, WatchdogIntervalIsForThisProcessOnly) {
  EXPECT_FALSE(sd::watchdogInterval());
  test_env::set("WATCHDOG_USEC", "30000000");
  EXPECT_EQ(sd::watchdogInterval(), std::chrono::seconds(30));
  test_env::set("WATCHDOG_PID", std::to_string(::getpid()).c_str());
  EXPECT_EQ(sd::watchdogInterval(), std::chrono::seconds(30));
  test_env::set("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str());
  EXPECT_FALSE(sd::watchdogInterval());
  test_env::unset("WATCHDOG_PID");
  for (const char* bad : {"0", "-5", "soon", ""}) {
    test_env::set("WATCHDOG_USEC", bad);
    EXPECT_FALSE(sd::watchdogInterval()) << bad;
  }
}

} // namespace
} // namespace printrelay
