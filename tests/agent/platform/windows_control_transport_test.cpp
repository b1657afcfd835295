// The control transport's contract (agent/control/control_transport.h), written for the Windows
// named pipe and run against whichever transport the platform builds: the Unix socket on Linux, the
// named pipe under wine. An address that is a path names a socket on POSIX and its own pipe on
// Windows, so the same temporary paths serve both.
#include "agent/control/control_transport.h"
#include "common/util/error.h"
#include "tests/agent/agent_test_support.h"
#include "tests/support/error_code.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace printrelay::agent::control {
namespace {

using namespace std::chrono_literals;

using test_support::errorCode;

class ControlTransportTest : public ::testing::Test {
protected:
  std::string address() const { return (dir_.path() / "agent.sock").string(); }

  /// A server connection for a client that just connected.
  std::unique_ptr<ControlConnection> acceptOne(ControlListener& listener) {
    for (int i = 0; i < 50; ++i) {
      if (auto connection = listener.accept(100ms)) {
        return connection;
      }
    }
    ADD_FAILURE() << "no connection arrived";
    return nullptr;
  }

  agent::testing::TempDir dir_;
};

TEST_F(ControlTransportTest, LinesGoBothWays) {
  auto listener = listenControl(address());
  EXPECT_EQ(listener->address(), address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);

  client->write("{\"command\":\"status\"}\n");
  EXPECT_EQ(server->readLine(2s, 1024), "{\"command\":\"status\"}");
  server->write("first\nsecond\n");
  EXPECT_EQ(client->readLine(2s, 1024), "first");
  EXPECT_EQ(client->readLine(2s, 1024), "second");
}

TEST_F(ControlTransportTest, ALineSentInPiecesArrivesWhole) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  std::thread writer([&] {
    client->write("hel");
    std::this_thread::sleep_for(50ms);
    client->write("lo\nwor");
    std::this_thread::sleep_for(50ms);
    client->write("ld\n");
  });
  EXPECT_EQ(server->readLine(5s, 1024), "hello");
  EXPECT_EQ(server->readLine(5s, 1024), "world");
  writer.join();
}

TEST_F(ControlTransportTest, ALargeAnswerArrivesWhole) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  const std::string big(300 * 1024, 'x'); // more than any pipe or socket buffer
  std::thread writer([&] { server->write(big + "\n"); });
  EXPECT_EQ(client->readLine(10s, big.size()), big);
  writer.join();
}

TEST_F(ControlTransportTest, SilenceTimesOut) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(errorCode([&] { server->readLine(200ms, 1024); }), "control_timeout");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);
  // The connection still works afterwards.
  client->write("late\n");
  EXPECT_EQ(server->readLine(2s, 1024), "late");
}

TEST_F(ControlTransportTest, ATooLongLineIsRefused) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  client->write(std::string(100, 'a') + "\n");
  EXPECT_EQ(errorCode([&] { server->readLine(2s, 10); }), "control_line_too_long");
  client->write(std::string(5000, 'b'));
  EXPECT_EQ(errorCode([&] { server->readLine(2s, 1000); }), "control_line_too_long");
}

TEST_F(ControlTransportTest, ThePeerClosingEndsTheStream) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  client->write("last\n");
  client.reset();
  EXPECT_EQ(server->readLine(2s, 1024), "last");
  EXPECT_EQ(server->readLine(2s, 1024), std::nullopt);
}

TEST_F(ControlTransportTest, ThePeerClosingInTheMiddleOfALineIsAnError) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  client->write("half a li");
  client.reset();
  EXPECT_EQ(errorCode([&] { server->readLine(2s, 1024); }), "control_io_failed");
}

TEST_F(ControlTransportTest, WritingToAClosedPeerFails) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  client.reset();
  EXPECT_EQ(errorCode([&] {
              for (int i = 0; i < 100; ++i) {
                server->write(std::string(64 * 1024, 'z'));
              }
            }),
            "control_io_failed");
}

TEST_F(ControlTransportTest, ShutdownUnblocksAReader) {
  auto listener = listenControl(address());
  auto client = connectControl(address(), 2s);
  auto server = acceptOne(*listener);
  ASSERT_TRUE(server);
  std::atomic<bool> returned{false};
  std::optional<std::string> line{"unset"};
  std::thread reader([&] {
    line = server->readLine(30s, 1024);
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(returned);
  const auto started = std::chrono::steady_clock::now();
  server->shutdown();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(line, std::nullopt);
  EXPECT_EQ(server->readLine(1s, 1024), std::nullopt);
}

TEST_F(ControlTransportTest, AcceptWithoutAClientReturnsNothing) {
  auto listener = listenControl(address());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(listener->accept(100ms), nullptr);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
}

TEST_F(ControlTransportTest, SeveralClientsAreServedAtOnce) {
  auto listener = listenControl(address());
  std::vector<std::unique_ptr<ControlConnection>> clients;
  std::vector<std::unique_ptr<ControlConnection>> servers;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(connectControl(address(), 2s));
    servers.push_back(acceptOne(*listener));
    ASSERT_TRUE(servers.back());
  }
  for (int i = 3; i >= 0; --i) {
    clients[static_cast<std::size_t>(i)]->write("client " + std::to_string(i) + "\n");
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(servers[static_cast<std::size_t>(i)]->readLine(2s, 1024),
              "client " + std::to_string(i));
  }
}

TEST_F(ControlTransportTest, NobodyListeningMeansTheAgentIsNotRunning) {
  EXPECT_EQ(errorCode([&] { connectControl(address(), 1s); }), "control_unavailable");
  auto listener = listenControl(address());
  listener->close();
  listener->close(); // idempotent
  EXPECT_EQ(errorCode([&] { connectControl(address(), 1s); }), "control_unavailable");
  EXPECT_EQ(listener->accept(10ms), nullptr);
}

TEST_F(ControlTransportTest, ASecondListenerOnALiveAddressIsRefused) {
  auto first = listenControl(address());
  EXPECT_EQ(errorCode([&] { listenControl(address()); }), "control_in_use");
  // The first one still works. (Checking for a live listener may itself have connected and
  // left: such an empty connection ends at once, as for any client that says nothing. On
  // Windows it holds the listener's free pipe instance until accepted, so the client connects
  // while the listener accepts, as the control server always does.)
  std::unique_ptr<ControlConnection> client;
  std::thread connector([&] {
    client = connectControl(address(), 5s);
    client->write("still here\n");
  });
  std::optional<std::string> line;
  for (int i = 0; i < 3 && !line; ++i) {
    auto server = acceptOne(*first);
    if (!server) {
      break;
    }
    line = server->readLine(5s, 1024);
  }
  connector.join();
  EXPECT_EQ(line, "still here");
}

TEST_F(ControlTransportTest, TheAddressCanBeUsedAgainAfterClose) {
  listenControl(address())->close();
  auto again = listenControl(address());
  auto client = connectControl(address(), 2s);
  EXPECT_TRUE(acceptOne(*again));
}

} // namespace
} // namespace printrelay::agent::control
