// What every backend shares: telling our spooler jobs from others, and the document format
// declared to the spooler.

#include "agent/spooler/print_backend.h"
#include "tests/support/error_code.h"

#include <gtest/gtest.h>
#include <utility>

namespace printrelay::agent {
namespace {

SpoolerJobStatus answer(std::string name, std::string uuid = {}, std::string printer = {}) {
  SpoolerJobStatus status;
  status.state = SpoolerJobState::Completed;
  status.name = std::move(name);
  status.uuid = std::move(uuid);
  status.printer = std::move(printer);
  return status;
}

TEST(SpoolerIdentity, OurJobCarriesOurTagAsAWholeWord) {
  const SpoolerJobRef ref{"Front", 7, spoolerJobTag("job-1"), ""};
  EXPECT_TRUE(isOurs(ref, answer("flyer.pdf (PrintRelay job-1)")));
  EXPECT_TRUE(isOurs(ref, answer("PrintRelay job-1")));
  EXPECT_FALSE(isOurs(ref, answer("flyer.pdf (PrintRelay job-12)")));
  EXPECT_FALSE(isOurs(ref, answer("flyer.pdf (PrintRelay xjob-1)")));
  EXPECT_FALSE(isOurs(ref, answer("quarterly report")));
  EXPECT_FALSE(isOurs(ref, answer("")));
}

TEST(SpoolerIdentity, ARecordedUuidMustMatch) {
  const SpoolerJobRef ref{"Front", 7, spoolerJobTag("j"), "urn:uuid:1"};
  EXPECT_TRUE(isOurs(ref, answer("PrintRelay j", "urn:uuid:1")));
  EXPECT_FALSE(isOurs(ref, answer("PrintRelay j", "urn:uuid:2")));
  EXPECT_FALSE(isOurs(ref, answer("PrintRelay j", "")));
}

TEST(SpoolerIdentity, APrinterTheSpoolerNamesMustBeOurs) {
  const SpoolerJobRef ref{"Front", 7, spoolerJobTag("j"), ""};
  EXPECT_TRUE(isOurs(ref, answer("PrintRelay j", "", "Front")));
  EXPECT_TRUE(isOurs(ref, answer("PrintRelay j", "", "")));
  EXPECT_FALSE(isOurs(ref, answer("PrintRelay j", "", "Back")));
}

TEST(SpoolerIdentity, NoTagIsNeverOurs) {
  EXPECT_FALSE(isOurs(SpoolerJobRef{"Front", 7, "", ""}, answer("anything")));
}

TEST(SpoolerFormat, TheFourKindsAreDeclaredAsTheyAre) {
  const std::pair<const char*, const char*> cases[] = {
      {"application/pdf", "application/pdf"}, {"image/png", "image/png"},
      {"image/jpeg", "image/jpeg"},           {"text/plain; charset=utf-8", "text/plain"},
      {"Text/Plain", "text/plain"},
  };
  for (const auto& [declared, format] : cases) {
    EXPECT_EQ(spoolerFormatFor(declared), format);
  }
}

TEST(SpoolerFormat, NothingIsLeftToAutoTyping) {
  for (const char* type : {"application/postscript", "application/octet-stream",
                           "application/vnd.cups-raw", "", "text/html"}) {
    EXPECT_EQ(test_support::errorCode([&] { spoolerFormatFor(type); }),
              "spooler_format_unsupported")
        << type;
  }
}

} // namespace
} // namespace printrelay::agent
