// The journal is private like every other state file (POSIX modes; on Windows the state
// directory's ACL covers it).

#include "agent/jobs/journal.h"
#include "tests/agent/agent_test_support.h"
#include "tests/agent/posix_modes.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace printrelay::agent {
namespace {

using testing::modeOf;
using testing::ScopedUmask;
using testing::TempDir;

TEST(JournalModeTest, TheDatabaseAndItsWalAndShmAreCreated0600) {
  const ScopedUmask loose(022);
  TempDir dir;
  const std::string path = (dir.path() / "journal.db").string();
  Journal journal(path);
  protocol::JobOffer offer;
  offer.jobId = "j1";
  offer.leaseId = "lease-1";
  journal.recordLease(offer); // a write, so the -wal and -shm exist
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    EXPECT_EQ(modeOf(file), 0600u) << file;
  }
}

TEST(JournalModeTest, AJournalLeftReadableByAnOlderAgentIsTightened) {
  const ScopedUmask loose(022);
  TempDir dir;
  const std::string path = (dir.path() / "journal.db").string();
  { Journal journal(path); }
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0) << file;
    ::close(fd);
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  }
  Journal journal(path);
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    EXPECT_EQ(modeOf(file), 0600u) << file;
  }
}

} // namespace
} // namespace printrelay::agent
