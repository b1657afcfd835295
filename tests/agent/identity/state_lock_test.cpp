// One agent per state directory: the lock on <state_dir>/agent.lock.

#include "agent/identity/state_files.h"
#include "agent/identity/state_lock.h"
#include "common/util/error.h"
#include "tests/agent/agent_test_support.h"

#include <gtest/gtest.h>
#include <optional>

namespace printrelay::agent {
namespace {

using testing::TempDir;

TEST(StateLockTest, ASecondHolderIsRefusedWithAMessageNamingTheDirectory) {
  TempDir dir;
  const auto state = dir.path() / "state";
  std::optional<StateLock> first(std::in_place, state);
  EXPECT_TRUE(std::filesystem::exists(StatePaths(state).lock()));
  try {
    StateLock second(state);
    FAIL() << "expected state_locked";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "state_locked");
    const std::string message = e.what();
    EXPECT_NE(message.find(state.string()), std::string::npos) << message;
    EXPECT_NE(message.find("stop it first"), std::string::npos) << message;
  }
  first.reset();
  EXPECT_NO_THROW(StateLock again(state)) << "released with its holder";
}

TEST(StateLockTest, OtherDirectoriesAreIndependent) {
  TempDir dir;
  const StateLock one(dir.path() / "one");
  EXPECT_NO_THROW(StateLock two(dir.path() / "two"));
}

} // namespace
} // namespace printrelay::agent
