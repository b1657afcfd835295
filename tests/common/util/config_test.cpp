#include "common/util/config.h"
#include "common/util/error.h"
#include "tests/support/error_code.h"
#include "tests/support/test_env.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <unistd.h>

namespace printrelay {
namespace {

using test_support::errorCode;
using test_support::errorMessage;

std::vector<ConfigKey> table() {
  return {
      stringKey("cloud_url", "https://cloud.example", "where the cloud is"),
      integerKey("poll_wait", 30, "long-poll seconds"),
      booleanKey("verbose", false, "more logging"),
      pathKey("data_dir", "", "state directory"),
      secretKey("admin_token", "the operator's token"),
  };
}

class ConfigTest : public testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("printrelay-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    for (const char* name :
         {"PRTEST_CLOUD_URL", "PRTEST_POLL_WAIT", "PRTEST_VERBOSE", "PRTEST_ADMIN_TOKEN"}) {
      test_env::unset(name);
    }
  }
  std::string file(const std::string& content) {
    const auto path = dir_ / ("c" + std::to_string(counter_++) + ".conf");
    std::ofstream(path) << content;
    return path.string();
  }

  std::filesystem::path dir_;
  int counter_ = 0;
};

TEST_F(ConfigTest, DefaultsApply) {
  Config c(table(), "PRTEST_");
  EXPECT_EQ(c.getString("cloud_url"), "https://cloud.example");
  EXPECT_EQ(c.getInt("poll_wait"), 30);
  EXPECT_FALSE(c.getBool("verbose"));
  EXPECT_FALSE(c.isSet("data_dir"));
  EXPECT_EQ(c.getString("data_dir"), "");
  EXPECT_TRUE(c.isSet("cloud_url"));
}

TEST_F(ConfigTest, ParsesAFile) {
  Config c(table(), "PRTEST_");
  c.loadFile(file("# a comment\n"
                  "\n"
                  "   cloud_url   =   https://print.example:8443  \n"
                  "poll_wait=45\r\n"
                  "verbose = YES\n"
                  "data_dir = \"/var/lib/printrelay agent\"\n"
                  "\t# indented comment\n"
                  "admin_token = s3cr3t-value\n"),
             true);
  EXPECT_EQ(c.getString("cloud_url"), "https://print.example:8443");
  EXPECT_EQ(c.getInt("poll_wait"), 45);
  EXPECT_TRUE(c.getBool("verbose"));
  EXPECT_EQ(c.getString("data_dir"), "/var/lib/printrelay agent");
  EXPECT_EQ(c.getString("admin_token"), "s3cr3t-value");
}

TEST_F(ConfigTest, BooleansInEveryAcceptedSpelling) {
  Config c(table(), "PRTEST_");
  for (const char* yes : {"true", "TRUE", "yes", "on", "1"}) {
    c.set("verbose", yes);
    EXPECT_TRUE(c.getBool("verbose")) << yes;
  }
  for (const char* no : {"false", "No", "off", "0"}) {
    c.set("verbose", no);
    EXPECT_FALSE(c.getBool("verbose")) << no;
  }
}

TEST_F(ConfigTest, EmptyValueUnsets) {
  Config c(table(), "PRTEST_");
  c.loadFile(file("cloud_url =\n"), true);
  EXPECT_FALSE(c.isSet("cloud_url"));
}

TEST_F(ConfigTest, MissingFile) {
  Config c(table(), "PRTEST_");
  EXPECT_NO_THROW(c.loadFile((dir_ / "absent.conf").string(), false));
  EXPECT_EQ(errorCode([&] { c.loadFile((dir_ / "absent.conf").string(), true); }),
            "config_invalid");
}

TEST_F(ConfigTest, BadLinesNameFileAndLine) {
  Config c(table(), "PRTEST_");
  const std::string path = file("cloud_url = https://x\nno equals sign here\n");
  const std::string message = errorMessage([&] { c.loadFile(path, true); });
  EXPECT_NE(message.find(path + ":2"), std::string::npos) << message;
  EXPECT_EQ(errorCode([&] { c.loadFile(file("unknown_key = 1\n"), true); }), "config_invalid");
  const std::string unknown = errorMessage([&] { c.loadFile(file("\n\nbogus = 1\n"), true); });
  EXPECT_NE(unknown.find(":3"), std::string::npos);
  EXPECT_NE(unknown.find("bogus"), std::string::npos);
}

TEST_F(ConfigTest, BadTypesAreRefused) {
  Config c(table(), "PRTEST_");
  for (const char* bad :
       {"poll_wait = 12x\n", "poll_wait = 1.5\n", "poll_wait = ten\n",
        "poll_wait = 99999999999999999999999\n", "verbose = maybe\n", "verbose = 2\n"}) {
    EXPECT_EQ(errorCode([&] { c.loadFile(file(bad), true); }), "config_invalid") << bad;
  }
  EXPECT_EQ(c.getInt("poll_wait"), 30); // unchanged by the refused lines
  EXPECT_EQ(errorCode([&] { c.set("poll_wait", ""); }), "config_invalid");
  EXPECT_EQ(errorCode([&] { c.set("cloud_url", std::string("a\0b", 3)); }), "config_invalid");
  EXPECT_EQ(c.getInt("poll_wait"), 30);
  EXPECT_EQ(errorCode([&] { c.set("poll_wait", "-5"); }), "no error");
  EXPECT_EQ(c.getInt("poll_wait"), -5);
}

TEST_F(ConfigTest, UnknownKeysAreRefusedEverywhere) {
  Config c(table(), "PRTEST_");
  EXPECT_EQ(errorCode([&] { c.set("nope", "1"); }), "config_invalid");
  EXPECT_EQ(errorCode([&] { c.getString("nope"); }), "config_invalid");
  EXPECT_EQ(errorCode([&] { c.getInt("nope"); }), "config_invalid");
  EXPECT_EQ(errorCode([&] { c.isSet("nope"); }), "config_invalid");
  EXPECT_EQ(errorCode([&] { c.getInt("data_dir"); }), "config_invalid"); // unset integer
}

TEST_F(ConfigTest, AnIntegerOutsideItsRangeIsRefusedWithTheRangeAndTheValue) {
  Config c(table(), "PRTEST_");
  c.set("poll_wait", "45");
  EXPECT_EQ(c.getIntInRange("poll_wait", 1, 45), 45);
  EXPECT_EQ(c.getIntInRange("poll_wait", 45, 300), 45);
  EXPECT_EQ(errorCode([&] { c.getIntInRange("poll_wait", 1, 44); }), "config_invalid");
  EXPECT_EQ(errorMessage([&] { c.getIntInRange("poll_wait", 46, 300); }),
            "'poll_wait' must be between 46 and 300 (got 45)");
}

TEST_F(ConfigTest, EnvironmentOverridesFile) {
  Config c(table(), "PRTEST_");
  c.loadFile(file("cloud_url = https://from-file\npoll_wait = 10\n"), true);
  test_env::set("PRTEST_CLOUD_URL", "https://from-env");
  test_env::set("PRTEST_POLL_WAIT", "20");
  c.loadEnvironment();
  EXPECT_EQ(c.getString("cloud_url"), "https://from-env");
  EXPECT_EQ(c.getInt("poll_wait"), 20);
  test_env::set("PRTEST_VERBOSE", "perhaps");
  const std::string message = errorMessage([&] { c.loadEnvironment(); });
  EXPECT_NE(message.find("PRTEST_VERBOSE"), std::string::npos) << message;
}

TEST_F(ConfigTest, DumpRedactsSecrets) {
  Config c(table(), "PRTEST_");
  c.set("admin_token", "very-secret-token");
  test_env::set("PRTEST_ADMIN_TOKEN", "env-secret-token");
  c.loadEnvironment();
  const std::string dump = c.dumpRedacted();
  EXPECT_EQ(dump.find("secret-token"), std::string::npos) << dump;
  EXPECT_NE(dump.find("admin_token = <redacted>"), std::string::npos) << dump;
  EXPECT_NE(dump.find("cloud_url = https://cloud.example"), std::string::npos);
  EXPECT_NE(dump.find("data_dir = (unset)"), std::string::npos);
  EXPECT_EQ(c.getString("admin_token"), "env-secret-token");
}

TEST_F(ConfigTest, TemplateDocumentsEveryKey) {
  Config c(table(), "PRTEST_");
  const std::string tmpl = c.renderTemplate();
  for (const auto& key : c.table()) {
    EXPECT_NE(tmpl.find("#" + key.name + " = " + key.defaultValue), std::string::npos) << key.name;
    EXPECT_NE(tmpl.find("# " + key.help), std::string::npos) << key.name;
  }
  // The template, uncommented, parses back.
  std::string uncommented;
  std::istringstream in(tmpl);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0 && line.find(" = ") != std::string::npos &&
        line.rfind("# ", 0) != 0) {
      uncommented += line.substr(1) + "\n";
    }
  }
  Config again(table(), "PRTEST_");
  EXPECT_NO_THROW(again.loadFile(file(uncommented), true));
  EXPECT_EQ(again.getInt("poll_wait"), 30);
}

TEST_F(ConfigTest, CommentsAfterAValueAreDropped) {
  Config c(table(), "PRTEST_");
  c.loadFile(file("cloud_url = https://print.example  # the shop's cloud\n"
                  "poll_wait = 12\t# seconds\n"
                  "data_dir = \"/srv/a #b\"  \n"
                  "admin_token = abc#def\n"),
             true);
  EXPECT_EQ(c.getString("cloud_url"), "https://print.example");
  EXPECT_EQ(c.getInt("poll_wait"), 12);
  EXPECT_EQ(c.getString("data_dir"), "/srv/a #b");
  EXPECT_EQ(c.getString("admin_token"), "abc#def");
}

} // namespace
} // namespace printrelay
