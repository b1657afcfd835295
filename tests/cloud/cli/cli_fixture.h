#pragma once

// The customer CLI's tests run `printrelay` as a real process against the real cloud server
// (CloudFixture: in a thread on 127.0.0.1:0).
#include "tests/cloud/cloud_fixture.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"

#include <map>
#include <optional>

namespace printrelay::cloud::testing {

using printrelay::testing::ProcessSpec;
using printrelay::testing::RunResult;
using namespace std::chrono_literals;

inline ProcessSpec spec(std::vector<std::string> argv,
                        std::map<std::string, std::optional<std::string>> env = {},
                        std::filesystem::path outputDir = {}) {
  ProcessSpec s;
  s.argv = std::move(argv);
  s.env = std::move(env);
  s.outputDir = std::move(outputDir);
  s.name = std::filesystem::path(s.argv.front()).filename().string();
  return s;
}

class CliTest : public CloudFixture {
protected:
  void SetUp() override {
    if (printrelay::testing::customerCliBinary().empty()) {
      GTEST_SKIP() << "printrelay is not part of this build";
    }
    CloudFixture::SetUp();
  }

  /// Runs `printrelay --cloud <server> ARGS…` with a clean environment for its variables.
  RunResult cli(std::vector<std::string> args,
                std::map<std::string, std::optional<std::string>> env = {}) {
    const std::vector<std::string> argv = cliArgv(args);
    for (const char* name :
         {"PRINTRELAY_TOKEN", "PRINTRELAY_TOKEN_FILE", "PRINTRELAY_ADMIN_TOKEN",
          "PRINTRELAY_ADMIN_TOKEN_FILE", "PRINTRELAY_CLOUD", "PRINTRELAY_CA_FILE",
          "PRINTRELAY_PASSWORD", "PRINTRELAY_NEW_PASSWORD", "PRINTRELAY_MAX_UPLOAD_BYTES"}) {
      env.emplace(name, std::nullopt);
    }
    env.emplace("XDG_CONFIG_HOME", (dir_->path() / "xdg").string());
    return printrelay::testing::run(spec(argv, env), 60s);
  }

  /// The argv of `printrelay` with this cloud and its CA, for a process of its own.
  std::vector<std::string> cliArgv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{printrelay::testing::customerCliBinary().string(), "--cloud",
                                  baseUrl_};
    if (!caFile_.empty()) {
      argv.insert(argv.end(), {"--ca-file", caFile_.string()});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  static json jsonOut(const RunResult& r) { return json::parse(r.out, nullptr, false); }
};

} // namespace printrelay::cloud::testing
