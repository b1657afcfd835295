// The customer CLI's command table (cloud/cli/commands.h) and its argument parsing, in process:
// what --help lists and what is refused before anything is sent.
#include "cloud/cli/cli_args.h"
#include "cloud/cli/commands.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace printrelay::cli {
namespace {

/// Runs printrelay's command line in process; its standard output and error.
struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

CliRun runCaptured(const std::vector<std::string>& words) {
  CliRun run;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  run.status = runCli(words);
  run.out = ::testing::internal::GetCapturedStdout();
  run.err = ::testing::internal::GetCapturedStderr();
  return run;
}

TEST(CliCommandTable, EveryCommandHasAUsageLineAndAHandler) {
  std::set<std::string_view> names;
  for (const Command& command : commandTable()) {
    SCOPED_TRACE(std::string(command.name));
    EXPECT_TRUE(names.insert(command.name).second) << "listed twice";
    EXPECT_NE(command.handler, nullptr);
    EXPECT_TRUE(command.usage.starts_with(command.name)) << command.usage;
    EXPECT_EQ(command.name.starts_with("admin "), command.group == CommandGroup::Admin);
    EXPECT_EQ(findCommand(command.name), &command);
  }
  EXPECT_EQ(findCommand("admin"), nullptr);
  EXPECT_EQ(findCommand("print"), nullptr);
}

TEST(CliCommandTable, HelpListsEveryCommandInTableOrder) {
  const std::string usage = usageText();
  EXPECT_TRUE(usage.starts_with("usage: printrelay [OPTIONS] COMMAND [ARGS]\n"));
  std::size_t at = 0;
  for (const Command& command : commandTable()) {
    const std::string firstLine(command.usage.substr(0, command.usage.find('\n')));
    const auto found = usage.find("\n  " + firstLine, at);
    ASSERT_NE(found, std::string::npos) << firstLine;
    at = found + 1;
  }
  EXPECT_NE(usage.find("\n  send --store ID FILE [PRINT OPTIONS] [--hold] [--seal local|cloud]\n"
                       "       [--content-type TYPE] [--name NAME]\n"
                       "                                         order a print"),
            std::string::npos);
  EXPECT_NE(usage.find("\n  cancel ORDER_ID [--reason TEXT]        cancel an order"),
            std::string::npos);
  for (const char* variable :
       {"PRINTRELAY_PASSWORD", "PRINTRELAY_CA_FILE", "PRINTRELAY_ADMIN_TOKEN",
        "PRINTRELAY_TOKEN_FILE", "PRINTRELAY_MAX_UPLOAD_BYTES"}) {
    EXPECT_NE(usage.find(variable), std::string::npos) << variable;
  }
  EXPECT_NE(usage.find("\n  admin revoke-agent AGENT_ID\n"), std::string::npos);
}

TEST(CliCommandTable, HelpAndVersionNeedNoCommand) {
  const CliRun help = runCaptured({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_EQ(help.out, usageText());
  const CliRun version = runCaptured({"send", "--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_TRUE(version.out.starts_with("printrelay ")) << version.out;
}

TEST(CliCommandTable, AnUnknownCommandIsAUsageError) {
  const CliRun unknown = runCaptured({"print", "file.pdf"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(unknown.err, "printrelay: unknown command 'print'\n"
                         "run 'printrelay --help' for usage\n");

  const CliRun quoted = runCaptured({"admin users"});
  EXPECT_EQ(quoted.status, 2);
  EXPECT_NE(quoted.err.find("unknown command 'admin users'"), std::string::npos) << quoted.err;

  const CliRun none = runCaptured({"--json"});
  EXPECT_EQ(none.status, 2);
  const auto error = nlohmann::json::parse(none.err.substr(0, none.err.find('\n')));
  EXPECT_EQ(error["error"]["code"], "usage");
  EXPECT_EQ(error["error"]["message"], "no command given");
}

TEST(CliCommandTable, AdminNeedsASubcommandAndTheOperatorsToken) {
  const std::vector<std::string> cloud{"--cloud", "https://127.0.0.1:9"};
  const auto withCloud = [&](std::vector<std::string> words) {
    words.insert(words.begin(), cloud.begin(), cloud.end());
    return runCaptured(words);
  };
  const CliRun bare = withCloud({"admin"});
  EXPECT_EQ(bare.status, 2);
  EXPECT_NE(bare.err.find("admin needs a subcommand"), std::string::npos) << bare.err;

  const CliRun noToken = withCloud({"admin", "users", "--admin-token="});
  EXPECT_EQ(noToken.status, 2);
  EXPECT_NE(noToken.err.find("need the operator token"), std::string::npos) << noToken.err;

  const CliRun unknown = withCloud({"admin", "frobnicate", "--admin-token", "t"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown admin subcommand 'frobnicate'"), std::string::npos)
      << unknown.err;
}

// The man page (generated from these tables) is checked by tests/packaging/man_pages_test.

TEST(CliArguments, OptionsStandAnywhereWithOrWithoutEquals) {
  const Arguments args =
      parseArguments({"send", "--store=s1", "a.pdf", "--copies", "2", "--json", "--", "--b"});
  EXPECT_EQ(args.words, (std::vector<std::string>{"send", "a.pdf", "--b"}));
  EXPECT_EQ(args.option("store"), "s1");
  EXPECT_EQ(args.option("copies"), "2");
  EXPECT_TRUE(args.json);
  EXPECT_EQ(args.option("media"), std::nullopt);
  EXPECT_EQ(args.required("store"), "s1");
  EXPECT_THROW(args.required("media"), UsageError);
}

TEST(CliArguments, RefusesUnknownOptionsAndMissingValues) {
  EXPECT_THROW(parseArguments({"stores", "--near", "x"}), UsageError);
  EXPECT_THROW(parseArguments({"send", "--store"}), UsageError);
  EXPECT_THROW(parseArguments({"--json=yes"}), UsageError);
}

TEST(CliArguments, NumbersAreWholeAndInRange) {
  EXPECT_EQ(parseInteger("12", "--copies", 1, 999), 12);
  EXPECT_THROW(parseInteger("0", "--copies", 1, 999), UsageError);
  EXPECT_THROW(parseInteger("12x", "--copies", 1, 999), UsageError);
  EXPECT_THROW(parseInteger("", "--copies", 1, 999), UsageError);
  EXPECT_DOUBLE_EQ(parseNumber("-33.5", "--lat"), -33.5);
  EXPECT_THROW(parseNumber("north", "--lat"), UsageError);
}

} // namespace
} // namespace printrelay::cli
