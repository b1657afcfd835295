// The man pages keep in step with the programs: every command, option, environment variable and
// configuration key in the programs' tables appears in the generated page, and groff renders
// each page without a warning.
#include "agent/ctl/ctl_cli.h"
#include "agent/daemon/agent_config.h"
#include "agent/daemon/cli.h"
#include "cloud/cli/cli_args.h"
#include "cloud/cli/commands.h"
#include "cloud/config/cloud_config.h"
#include "packaging/man/man_pages.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace printrelay::man {
namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const ManPage& pageNamed(const std::vector<ManPage>& pages, const std::string& file) {
  for (const auto& page : pages) {
    if (page.file == file) {
      return page;
    }
  }
  throw std::runtime_error("no page " + file);
}

/// The page filled from its template in the source tree.
std::string filled(const std::string& file) {
  static const std::vector<ManPage> pages = manPages();
  return fillTemplate(readFile(std::filesystem::path(PRINTRELAY_MAN_TEMPLATES) / (file + ".in")),
                      pageNamed(pages, file));
}

/// `roff` with its font changes and escapes taken out, as a reader sees the words.
std::string plain(const std::string& roff) {
  std::string out;
  for (std::size_t i = 0; i < roff.size(); ++i) {
    if (roff[i] != '\\' || i + 1 >= roff.size()) {
      out += roff[i];
      continue;
    }
    const char next = roff[++i];
    if (next == 'f') {
      ++i; // \fB, \fI, \fR
    } else if (next == '[' && roff.compare(i + 1, 1, "u") == 0) {
      // \[u2026] back to UTF-8
      const auto close = roff.find(']', i);
      const auto point =
          static_cast<std::uint32_t>(std::stoul(roff.substr(i + 2, close - i - 2), nullptr, 16));
      if (point < 0x800) {
        out += static_cast<char>(0xC0 | (point >> 6));
      } else {
        out += static_cast<char>(0xE0 | (point >> 12));
        out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
      }
      out += static_cast<char>(0x80 | (point & 0x3F));
      i = close;
    } else if (next == '-') {
      out += '-';
    } else if (next == 'e') {
      out += '\\';
    } // \&, \% and others: nothing
  }
  return out;
}

std::string upper(std::string_view prefix, const std::string& key) {
  std::string name(prefix);
  for (char c : key) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

void expectListsConfig(const std::string& page, const std::vector<ConfigKey>& table,
                       std::string_view prefix) {
  for (const auto& key : table) {
    EXPECT_NE(page.find(key.name + " ("), std::string::npos) << key.name;
    EXPECT_NE(page.find(upper(prefix, key.name)), std::string::npos) << key.name;
    if (key.type != ConfigType::Secret && !key.defaultValue.empty()) {
      EXPECT_NE(page.find("default " + key.defaultValue), std::string::npos) << key.name;
    }
  }
}

TEST(ManPages, PrintrelayListsEveryCommandOptionAndVariable) {
  const std::string page = plain(filled("printrelay.1"));
  for (const auto& command : cli::commandTable()) {
    const std::string usage(command.usage.substr(0, command.usage.find('\n')));
    EXPECT_NE(page.find(usage), std::string::npos) << usage;
  }
  for (const auto& option : cli::optionTable()) {
    EXPECT_NE(page.find("--" + std::string(option.name)), std::string::npos) << option.name;
  }
  for (const auto& variable : cli::environmentTable()) {
    EXPECT_NE(page.find(variable.name), std::string::npos) << variable.name;
  }
  for (const char* variable : {"PRINTRELAY_PASSWORD", "PRINTRELAY_TOKEN_FILE",
                               "PRINTRELAY_ADMIN_TOKEN_FILE", "PRINTRELAY_CA_FILE"}) {
    EXPECT_NE(page.find(variable), std::string::npos) << variable;
  }
  EXPECT_EQ(page.find("dashboard"), std::string::npos);
}

TEST(ManPages, CloudListsEveryOptionAndConfigKey) {
  const std::string page = plain(filled("printrelay-cloud.8"));
  for (const auto& option : cloud::cloudOptionTable()) {
    EXPECT_NE(page.find(option.name), std::string::npos) << option.name;
  }
  expectListsConfig(page, cloud::cloudConfigTable(), cloud::kCloudEnvPrefix);
  EXPECT_NE(page.find("max_upload_bytes (integer, default 209715200)"), std::string::npos);
}

TEST(ManPages, AgentListsEveryCommandOptionVariableAndConfigKey) {
  const std::string page = plain(filled("printrelay-agent.8"));
  for (const auto& command : agent::agentCommandTable()) {
    EXPECT_NE(page.find(command.synopsis), std::string::npos) << command.synopsis;
  }
  for (const auto& option : agent::agentOptionTable()) {
    EXPECT_NE(page.find(option.name), std::string::npos) << option.name;
  }
  for (const auto& variable : agent::agentEnvironmentTable()) {
    EXPECT_NE(page.find(variable.name), std::string::npos) << variable.name;
  }
  expectListsConfig(page, agent::configTable(), agent::kEnvPrefix);
  EXPECT_EQ(page.find("dashboard"), std::string::npos);
}

TEST(ManPages, CtlListsEveryCommandAndOption) {
  const std::string page = plain(filled("printrelayctl.8"));
  for (const auto& command : ctl::commandTable()) {
    EXPECT_NE(page.find(command.synopsis), std::string::npos) << command.synopsis;
  }
  for (const auto* table : {&ctl::optionTable(), &ctl::commandOptionTable()}) {
    for (const auto& option : *table) {
      EXPECT_NE(page.find(option.name), std::string::npos) << option.name;
    }
  }
  EXPECT_NE(page.find("PRINTRELAY_ENROLL_CODE"), std::string::npos);
  EXPECT_EQ(page.find("dashboard"), std::string::npos);
}

TEST(ManPages, GroffRendersEveryPageWithoutAWarning) {
  if (::access("/usr/bin/groff", X_OK) != 0) {
    GTEST_SKIP() << "groff is not installed";
  }
  const auto dir =
      std::filesystem::temp_directory_path() / ("printrelay-man-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* file :
       {"printrelay.1", "printrelay-cloud.8", "printrelay-agent.8", "printrelayctl.8"}) {
    SCOPED_TRACE(file);
    const auto path = dir / file;
    std::ofstream(path) << filled(file);
    const auto errors = dir / (std::string(file) + ".err");
    const std::string command =
        "groff -man -ww -z '" + path.string() + "' 2>'" + errors.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0);
    EXPECT_EQ(readFile(errors), "");
  }
  std::filesystem::remove_all(dir);
}

TEST(ManPages, AMarkerNoSectionFillsIsRefused) {
  const ManPage page{"x.1", {{"@COMMANDS@", ".TP\nx\n"}}};
  EXPECT_THROW(fillTemplate(".TH X 1\n@OPTIONS@\n", page), std::runtime_error);
  EXPECT_THROW(fillTemplate(".TH X 1\n", page), std::runtime_error);
  EXPECT_EQ(fillTemplate(".TH X 1\n@COMMANDS@\n", page), ".TH X 1\n.TP\nx\n");
}

TEST(ManPages, RoffEscapesWhatWouldBeMarkup) {
  EXPECT_EQ(roffText("a-b\\c\n.d\n'e"), "a\\-b\\ec\n\\&.d\n\\&'e");
  EXPECT_EQ(roffText("S[,S\u2026] \u00d7 2"), "S[,S\\[u2026]] \\[u00D7] 2");
  EXPECT_EQ(roffSynopsis("send --store ID [FILE]"),
            "\\fBsend\\fR \\fB\\-\\-store\\fR \\fIID\\fR [\\fIFILE\\fR]");
}

} // namespace
} // namespace printrelay::man
