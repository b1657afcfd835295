// Reading CUPS configuration text: what the backend asks of cupsd.conf and cups-files.conf and
// what diagnose asks of the running cupsd's files.

#include "agent/spooler/cups_config_text.h"

#include <gtest/gtest.h>

namespace printrelay::agent {
namespace {

TEST(CupsConfigTextTest, TopLevelDirectivesInOrderAndTheLastOneCounts) {
  const std::string conf = "# PreserveJobFiles Yes\n"
                           "Listen localhost:631\n"
                           "  listen /run/cups/cups.sock  \r\n"
                           "PreserveJobFiles 1h\n"
                           "<Location /admin>\n"
                           "  PreserveJobFiles Yes\n"
                           "  <Limit Send-Document>\n"
                           "    Listen 0.0.0.0:631\n"
                           "  </Limit>\n"
                           "</Location>\n"
                           "PreserveJobFiles No\n";
  EXPECT_EQ(cupsDirectives(conf, "Listen"),
            (std::vector<std::string>{"localhost:631", "/run/cups/cups.sock"}));
  EXPECT_EQ(cupsDirective(conf, "preservejobfiles"), "No");
  EXPECT_EQ(cupsDirectives(conf, "PreserveJobFiles").size(), 2u);
}

TEST(CupsConfigTextTest, AbsentOrEmptyDirectivesGiveNothing) {
  EXPECT_FALSE(cupsDirective("RequestRoot\n#RequestRoot /tmp\n", "RequestRoot"));
  EXPECT_FALSE(cupsDirective("RequestRootX /tmp\n", "RequestRoot"));
  EXPECT_EQ(cupsDirective("RequestRoot /var/spool/my cups\n", "RequestRoot"), "/var/spool/my cups");
  EXPECT_TRUE(cupsDirectives("", "Listen").empty());
  // A directive with nothing but a CR after it (a CRLF file) has no value either; it once gave
  // "\r" (found by fuzz_cups_config).
  EXPECT_FALSE(cupsDirective("RequestRoot  \r\n", "RequestRoot"));
  EXPECT_EQ(cupsDirectives("Listen \r\nListen \t\r localhost:631\r\n", "Listen"),
            (std::vector<std::string>{"localhost:631"}));
}

TEST(CupsConfigTextTest, AnUnreadableFileIsNothing) {
  EXPECT_FALSE(readConfigFile("/nonexistent/printrelay/cupsd.conf"));
}

} // namespace
} // namespace printrelay::agent
