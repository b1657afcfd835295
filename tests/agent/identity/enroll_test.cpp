#include "agent/cloud/cloud_client.h"
#include "agent/daemon/cli.h"
#include "agent/identity/enrollment.h"
#include "agent/identity/state_lock.h"
#include "common/crypto/envelope.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "tests/agent/agent_test_support.h"
#include "tests/agent/posix_modes.h"
#include "tests/fakes/agent_fake_cloud.h"

#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace printrelay::agent {
namespace {

using namespace testing;
using nlohmann::json;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class EnrollTest : public ::testing::Test {
protected:
  void SetUp() override {
    cloud_.start();
    cloud_.setEnrollAnswer(201, json{{"agent_id", "agent-7"},
                                     {"store_id", "store-1"},
                                     {"store_name", "Corner Copies"},
                                     {"key_id", ""},
                                     {"credential", "secret-credential-value"}});
    std::ofstream(configPath()) << "cloud_url = " << cloud_.url() << "\n"
                                << "state_dir = " << stateDir().string() << "\n";
  }
  void TearDown() override { cloud_.stop(); }

  std::filesystem::path stateDir() const { return dir_.path() / "state"; }
  std::string configPath() const { return (dir_.path() / "agent.conf").string(); }

  int cli(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    std::vector<std::string> all{"--config", configPath()};
    all.insert(all.end(), args.begin(), args.end());
    return runCli(all, out_, err_);
  }

  TempDir dir_;
  FakeCloud cloud_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(EnrollTest, WritesTheKeyWithMode0600AndRegistersItsPublicHalf) {
  ScopedUmask permissive(0);
  ASSERT_EQ(cli({"enroll", "--code", "ABCD-1234", "--name", "Front desk PC"}), kExitOk)
      << err_.str();
  const StatePaths paths(stateDir());
  EXPECT_EQ(modeOf(paths.storeKey()), 0600u);
  EXPECT_EQ(modeOf(paths.credential()), 0600u);
  EXPECT_EQ(modeOf(paths.stateDir), 0700u);

  const auto key = loadStoreKey(paths.storeKey());
  const auto requests = cloud_.enrollRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["code"], "ABCD-1234");
  EXPECT_EQ(requests[0]["agent_name"], "Front desk PC");
  EXPECT_EQ(requests[0]["public_key"], base64Encode(key.publicKey()));
  EXPECT_FALSE(requests[0]["agent_version"].get<std::string>().empty());

  EXPECT_EQ(slurp(paths.credential()), "secret-credential-value\n");
  const auto identity = json::parse(slurp(paths.identity()));
  EXPECT_EQ(identity["agent_id"], "agent-7");
  EXPECT_EQ(identity["store_id"], "store-1");
  EXPECT_EQ(identity["key_id"], envelope::keyIdFor(key.publicKey()));
  EXPECT_EQ(out_.str().find("secret-credential-value"), std::string::npos)
      << "the credential is never shown";

  // Only the three state files and the lock enroll held: no temporary file was left behind.
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(stateDir())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
    files.insert(entry.path().filename().string());
  }
  EXPECT_EQ(files, (std::set<std::string>{"agent.json", "agent.lock", "credential", "store.key"}));

  const auto loaded = loadEnrollment(paths);
  EXPECT_EQ(loaded.key.publicKey(), key.publicKey());
  EXPECT_EQ(loaded.credential, "secret-credential-value");
  EXPECT_EQ(loaded.identity.storeName, "Corner Copies");
}

TEST_F(EnrollTest, IsRefusedWhileAnAgentRunsOnTheStateDirectory) {
  const StateLock running(stateDir());
  EXPECT_EQ(cli({"enroll", "--code", "ABCD-EFGH", "--force"}), kExitStateLocked);
  EXPECT_NE(err_.str().find("is using the state directory " + stateDir().string()),
            std::string::npos)
      << err_.str();
  EXPECT_FALSE(std::filesystem::exists(StatePaths(stateDir()).storeKey()));
  EXPECT_TRUE(cloud_.enrollRequests().empty()) << "the code is not spent";
}

TEST_F(EnrollTest, RefusesToOverwriteAnEnrollmentUnlessForced) {
  ASSERT_EQ(cli({"enroll", "--code", "ONE"}), kExitOk) << err_.str();
  const StatePaths paths(stateDir());
  const std::string firstKey = slurp(paths.storeKey());

  EXPECT_EQ(cli({"enroll", "--code", "TWO"}), kExitAlreadyEnrolled);
  EXPECT_NE(err_.str().find("--force"), std::string::npos) << err_.str();
  EXPECT_EQ(slurp(paths.storeKey()), firstKey);
  EXPECT_EQ(cloud_.enrollRequests().size(), 1u);

  EXPECT_EQ(cli({"enroll", "--code", "TWO", "--force"}), kExitOk) << err_.str();
  EXPECT_NE(slurp(paths.storeKey()), firstKey);
  EXPECT_EQ(modeOf(paths.storeKey()), 0600u);
}

TEST_F(EnrollTest, ARefusedCodeLeavesNoCredential) {
  cloud_.setEnrollAnswer(
      400, json{{"error", {{"code", "invalid_enrollment_code"}, {"message", "unknown code"}}}});
  EXPECT_EQ(cli({"enroll", "--code", "WRONG"}), kExitCloudRefused);
  EXPECT_NE(err_.str().find("unknown code"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("invalid_enrollment_code"), std::string::npos) << err_.str();
  EXPECT_FALSE(std::filesystem::exists(StatePaths(stateDir()).credential()));
  EXPECT_FALSE(isEnrolled(StatePaths(stateDir())));
}

TEST_F(EnrollTest, AnUnreachableCloudHasItsOwnExitCode) {
  cloud_.stop();
  EXPECT_EQ(cli({"enroll", "--code", "ABC"}), kExitCloudUnreachable);
}

TEST_F(EnrollTest, AKeyFileOthersCanReadIsNotTrusted) {
  ASSERT_EQ(cli({"enroll", "--code", "ONE"}), kExitOk) << err_.str();
  const StatePaths paths(stateDir());
  ASSERT_EQ(::chmod(paths.storeKey().c_str(), 0644), 0);
  try {
    loadEnrollment(paths);
    FAIL() << "expected state_insecure";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "state_insecure");
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos);
  }
}

TEST_F(EnrollTest, AKeyThatDoesNotMatchTheEnrollmentIsRefused) {
  ASSERT_EQ(cli({"enroll", "--code", "ONE"}), kExitOk) << err_.str();
  const StatePaths paths(stateDir());
  saveStoreKey(paths.storeKey(), hpke::KeyPair::generate());
  EXPECT_THROW(loadEnrollment(paths), Error);
}

TEST(StateFilesTest, AtomicWritesReplaceTheWholeFile) {
  TempDir dir;
  const auto path = dir.path() / "file";
  writeFileAtomic(path, asBytes("first version, rather long"), 0600);
  writeFileAtomic(path, asBytes("second"), 0640);
  EXPECT_EQ(slurp(path), "second");
  EXPECT_EQ(modeOf(path), 0640u);
  EXPECT_THROW(writeFileAtomic(dir.path() / "missing" / "file", asBytes("x"), 0600), Error);
}

TEST(StateFilesTest, MissingAndMalformedKeysAreClearErrors) {
  TempDir dir;
  try {
    loadStoreKey(dir.path() / "store.key");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "state_missing");
  }
  writeFileAtomic(dir.path() / "store.key", asBytes("not base64 !!\n"), 0600);
  EXPECT_THROW(loadStoreKey(dir.path() / "store.key"), Error);
  writeFileAtomic(dir.path() / "store.key", asBytes(base64Encode(randomBytes(16)) + "\n"), 0600);
  EXPECT_THROW(loadStoreKey(dir.path() / "store.key"), Error);
}

} // namespace
} // namespace printrelay::agent
