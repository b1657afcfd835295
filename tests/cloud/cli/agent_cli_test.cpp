// The shop side's programs against the real cloud: `printrelay-agent enroll` takes its one-time
// code from the environment or a file (the option still works but warns: any local user can
// read a command line), and the agent explains a cloud it cannot reach in words, naming its own
// ca_file key, as the customer CLI does.
#include "tests/cloud/cli/cli_fixture.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/smtp_server.h"
#include "tests/support/test_pki.h"

namespace printrelay::cloud::testing {
namespace {

using Env = std::map<std::string, std::optional<std::string>>;

class AgentCliTest : public CliTest {
protected:
  void SetUp() override {
    if (printrelay::testing::agentBinary().empty()) {
      GTEST_SKIP() << "printrelay-agent is not part of this build";
    }
    CliTest::SetUp();
  }

  /// An agent configuration for `cloudUrl` (this cloud by default) with its own state folder.
  std::filesystem::path agentConfig(const std::string& name, std::string cloudUrl = "",
                                    bool withCa = true) {
    if (cloudUrl.empty()) {
      cloudUrl = baseUrl_;
    }
    const auto state = dir_->makeDir(name + "-state");
    std::string text =
        "cloud_url = " + cloudUrl + "\nstate_dir = " + state.string() + "\ncontrol_socket = \n";
    if (withCa && !caFile_.empty()) {
      text += "ca_file = " + caFile_.string() + "\n";
    }
    return dir_->writeFile(name + ".conf", text);
  }

  /// `printrelay-agent --config CONFIG ARGS…` with a clean environment for its variables.
  RunResult agent(const std::filesystem::path& config, std::vector<std::string> args,
                  Env env = {}) {
    std::vector<std::string> argv{printrelay::testing::agentBinary().string(), "--config",
                                  config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const char* name :
         {"PRINTRELAY_ENROLL_CODE", "PRINTRELAY_ENROLL_CODE_FILE", "PRINTRELAY_AGENT_CLOUD_URL",
          "PRINTRELAY_AGENT_CA_FILE", "PRINTRELAY_AGENT_STATE_DIR"}) {
      env.emplace(name, std::nullopt);
    }
    return printrelay::testing::run(spec(argv, env), 60s);
  }
};

TEST_F(AgentCliTest, EnrollTakesTheCodeFromTheEnvironmentWithoutAWarning) {
  const std::string storeId = createStore("Copy Corner");
  const auto enrolled = agent(agentConfig("env"), {"enroll", "--name", "front desk"},
                              {{"PRINTRELAY_ENROLL_CODE", enrollmentCode(storeId)}});
  ASSERT_TRUE(enrolled.status.success()) << enrolled.describe();
  EXPECT_NE(enrolled.out.find("Enrolled agent"), std::string::npos) << enrolled.out;
  EXPECT_EQ(enrolled.err.find("warning"), std::string::npos) << enrolled.err;
}

TEST_F(AgentCliTest, EnrollTakesTheCodeFromAFile) {
  const std::string storeId = createStore("Copy Corner");
  const auto codeFile = dir_->writeFile("enroll.code", enrollmentCode(storeId) + "\n");
  const auto enrolled =
      agent(agentConfig("file"), {"enroll"}, {{"PRINTRELAY_ENROLL_CODE_FILE", codeFile.string()}});
  ASSERT_TRUE(enrolled.status.success()) << enrolled.describe();
  EXPECT_EQ(enrolled.err.find("warning"), std::string::npos) << enrolled.err;

  const auto missing = agent(agentConfig("missing"), {"enroll"},
                             {{"PRINTRELAY_ENROLL_CODE_FILE", (dir_->path() / "nope").string()}});
  EXPECT_EQ(missing.status.code, 3) << missing.describe();
  EXPECT_NE(missing.err.find("cannot read the enrollment code from"), std::string::npos)
      << missing.err;
}

TEST_F(AgentCliTest, TheCodeOptionStillWorksButWarns) {
  const std::string storeId = createStore("Copy Corner");
  const auto enrolled = agent(agentConfig("option"), {"enroll", "--code", enrollmentCode(storeId)});
  ASSERT_TRUE(enrolled.status.success()) << enrolled.describe();
  EXPECT_NE(enrolled.err.find("warning: --code puts the enrollment code where any local user can "
                              "read it"),
            std::string::npos)
      << enrolled.err;
  EXPECT_NE(enrolled.err.find("PRINTRELAY_ENROLL_CODE"), std::string::npos) << enrolled.err;
}

TEST_F(AgentCliTest, EnrollWithoutACodeSaysWhereToPutIt) {
  const auto refused = agent(agentConfig("none"), {"enroll"});
  EXPECT_EQ(refused.status.code, 2) << refused.describe();
  EXPECT_NE(refused.err.find("set PRINTRELAY_ENROLL_CODE or PRINTRELAY_ENROLL_CODE_FILE"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find("dashboard"), std::string::npos) << refused.err;
}

TEST_F(AgentCliTest, AClosedPortIsExplainedInWords) {
  const std::string closed =
      "http://127.0.0.1:" + std::to_string(printrelay::testing::SmtpServer::freePort());
  const auto refused =
      agent(agentConfig("closed", closed), {"enroll"}, {{"PRINTRELAY_ENROLL_CODE", "ABCD-EFGH"}});
  EXPECT_EQ(refused.status.code, 7) << refused.describe();
  EXPECT_NE(refused.err.find("connection refused"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("Is the cloud running at that address and port?"), std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find(": Connection"), std::string::npos) << refused.err;
}

/// The agent against the cloud over HTTPS with a CA made for the test.
class AgentTlsTest : public AgentCliTest {
protected:
  void configure(CloudSettings& settings) override {
    pki_ = printrelay::testing::generateTestPki(dir_->makeDir("pki"));
    settings.tlsCert = pki_.serverCert.string();
    settings.tlsKey = pki_.serverKey.string();
    caFile_ = pki_.caCert;
  }
  printrelay::testing::TestPki pki_;
};

TEST_F(AgentTlsTest, AnUntrustedCertificateNamesTheAgentsCaFileKey) {
  const auto refused =
      agent(agentConfig("noca", "", false), {"enroll"}, {{"PRINTRELAY_ENROLL_CODE", "ABCD-EFGH"}});
  EXPECT_EQ(refused.status.code, 7) << refused.describe();
  EXPECT_NE(refused.err.find("cannot verify the TLS certificate of the cloud at " + baseUrl_),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("ca_file in the agent configuration"), std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find("SSLServerVerification"), std::string::npos) << refused.err;
}

TEST_F(AgentTlsTest, AnHttpUrlForAnHttpsCloudIsTheWrongScheme) {
  const std::string plain = "http://" + baseUrl_.substr(std::string("https://").size());
  const auto refused =
      agent(agentConfig("scheme", plain), {"enroll"}, {{"PRINTRELAY_ENROLL_CODE", "ABCD-EFGH"}});
  EXPECT_EQ(refused.status.code, 7) << refused.describe();
  EXPECT_NE(refused.err.find("it probably serves https. Use " + baseUrl_), std::string::npos)
      << refused.err;
}

} // namespace
} // namespace printrelay::cloud::testing
