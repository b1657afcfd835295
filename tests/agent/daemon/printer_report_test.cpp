// The printer report (PUT /api/v1/agent/printers): what each printer entry holds, abilities
// trimmed to what the cloud accepts, and when the reporter sends (start, change, period, asked).

#include "agent/cloud/cloud_client.h"
#include "agent/daemon/printer_report.h"
#include "tests/fakes/agent_fake_print_backend.h"

#include <gtest/gtest.h>
#include <limits>
#include <thread>

namespace printrelay::agent {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

PrinterInfo printer(std::string name, std::vector<std::string> reasons = {}) {
  PrinterInfo p;
  p.isDefault = name == "Front";
  p.name = std::move(name);
  p.state = "idle";
  p.reasons = std::move(reasons);
  p.makeAndModel = "Fake Laser";
  return p;
}

TEST(PrinterReportTest, AnEntryCarriesStateReasonsAndAbilities) {
  protocol::PrinterAbilities a;
  a.media = {"iso_a4_210x297mm"};
  a.defaultMedia = "iso_a4_210x297mm";
  a.sides = {"one-sided"};
  a.copiesMax = 9999;
  a.numberUp = {1, 2, 4, 6, 9, 16};
  a.orientations = {"portrait", "landscape"};
  a.documentFormats = {"application/octet-stream",
                       "application/pdf",
                       "application/postscript",
                       "image/png",
                       "image/jpeg",
                       "text/plain",
                       "text/html"};
  auto p = printer("office", {"media-empty-error", "toner-low-warning"});
  p.state = "stopped";
  p.accepting = false;
  const json entry = printerReportEntry(p, true, a);
  EXPECT_EQ(entry["name"], "office");
  EXPECT_EQ(entry["state"], "stopped");
  EXPECT_EQ(entry["accepting"], false);
  EXPECT_EQ(entry["agent_printer"], true);
  EXPECT_EQ(entry["reasons"], json({"media-empty-error", "toner-low-warning"}));
  EXPECT_EQ(entry["problems"].size(), 2u);
  const json& abilities = entry["abilities"];
  EXPECT_EQ(abilities["media_supported"], json({"iso_a4_210x297mm"}));
  EXPECT_EQ(abilities["copies_max"], 9999);
  EXPECT_EQ(abilities["number_up_supported"], json({1, 2, 4, 6, 9, 16}));
  EXPECT_EQ(abilities["document_formats"], json({"application/octet-stream", "application/pdf",
                                                 "image/png", "image/jpeg", "text/plain"}))
      << "only what orders can be, and octet-stream";
  // What the cloud parses back is what was meant.
  const auto back = abilities.get<protocol::PrinterAbilities>();
  EXPECT_EQ(back.orientations, a.orientations);

  EXPECT_FALSE(printerReportEntry(p, false, std::nullopt).contains("abilities"));
}

TEST(PrinterReportTest, OddDriverValuesAreTrimmedSoTheCloudAcceptsThem) {
  protocol::PrinterAbilities a;
  a.copiesMin = 0;
  a.copiesMax = std::numeric_limits<int>::max();
  a.media = {"", std::string(200, 'x'), "iso_a4_210x297mm", "bad\xff"};
  a.defaultMedia = std::string(300, 'y');
  for (int i = 0; i < 300; ++i) {
    a.sides.push_back("side-" + std::to_string(i));
  }
  a.numberUp = {0, 1, 2, 1000};
  const auto trimmed = reportableAbilities(a);
  EXPECT_EQ(trimmed.copiesMin, 1);
  EXPECT_EQ(trimmed.copiesMax, 1000000);
  EXPECT_EQ(trimmed.media, std::vector<std::string>{"iso_a4_210x297mm"});
  EXPECT_TRUE(trimmed.defaultMedia.empty());
  EXPECT_EQ(trimmed.sides.size(), 256u);
  EXPECT_EQ(trimmed.numberUp, (std::vector<int>{1, 2}));
  EXPECT_NO_THROW(json(trimmed).get<protocol::PrinterAbilities>());

  // Text from a driver may be anything: the entry is still valid JSON.
  auto p = printer("odd");
  p.info = "caf\xC3\xA9 \xFF\xFE control\x01 " + std::string(400, 'z');
  const json entry = printerReportEntry(p, false, std::nullopt);
  const std::string info = entry["info"];
  EXPECT_LE(info.size(), 256u);
  EXPECT_EQ(info.rfind("caf\xC3\xA9 ?? control  ", 0), 0u) << info;
  EXPECT_NO_THROW(entry.dump());
}

class PrinterReporterTest : public ::testing::Test {
protected:
  PrinterReporterTest() {
    backend_.setPrinters({printer("Front")});
    backend_.setCapabilities(protocol::PrinterAbilities{});
  }

  PrinterReporter makeReporter(PrinterReporter::Timing timing) {
    return PrinterReporter(
        backend_,
        [this](const json& printers) {
          if (failWith_) {
            throw *failWith_;
          }
          reports_.push_back(printers);
        },
        timing);
  }

  testing::FakePrintBackend backend_;
  std::vector<json> reports_;
  std::optional<CloudError> failWith_;
};

TEST_F(PrinterReporterTest, ReportsAtStartThenOnlyOnChange) {
  auto reporter = makeReporter({0ms, 1h});
  EXPECT_TRUE(reporter.tick(""));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0][0]["name"], "Front");
  EXPECT_EQ(reports_[0][0]["agent_printer"], true) << "the default destination";
  EXPECT_TRUE(reports_[0][0].contains("abilities"));

  EXPECT_FALSE(reporter.tick(""));
  EXPECT_EQ(reports_.size(), 1u) << "nothing changed";

  backend_.setPrinters({printer("Front", {"media-empty-error"})}); // out of paper
  EXPECT_TRUE(reporter.tick(""));
  EXPECT_EQ(reports_.back()[0]["reasons"], json({"media-empty-error"}));

  backend_.setPrinters({printer("Front", {"media-empty-error"}), printer("Back")}); // added
  EXPECT_TRUE(reporter.tick(""));
  EXPECT_EQ(reports_.back().size(), 2u);

  protocol::PrinterAbilities simplex;
  simplex.sides = {"one-sided"};
  backend_.setCapabilities("Back", simplex); // abilities changed
  EXPECT_TRUE(reporter.tick(""));
  EXPECT_EQ(reports_.back()[1]["abilities"]["sides_supported"], json({"one-sided"}));

  reporter.forceNext(); // after a reconnect
  EXPECT_TRUE(reporter.tick(""));
  EXPECT_EQ(reports_.size(), 5u);
  EXPECT_EQ(reporter.sent(), 5);
}

TEST_F(PrinterReporterTest, ReportsAgainPeriodicallyWithoutChange) {
  auto reporter = makeReporter({0ms, 50ms});
  EXPECT_TRUE(reporter.tick(""));
  EXPECT_FALSE(reporter.tick(""));
  std::this_thread::sleep_for(80ms);
  EXPECT_TRUE(reporter.tick(""));
  EXPECT_EQ(reports_.size(), 2u);
}

TEST_F(PrinterReporterTest, TheSpoolerIsNotAskedMoreOftenThanTheCheckInterval) {
  auto reporter = makeReporter({1h, 1h});
  EXPECT_TRUE(reporter.tick(""));
  backend_.setPrinters({printer("Front"), printer("Back")});
  EXPECT_FALSE(reporter.tick("")) << "the change is seen at the next check";
  reporter.forceNext();
  EXPECT_TRUE(reporter.tick(""));
  EXPECT_EQ(reports_.back().size(), 2u);
}

TEST_F(PrinterReporterTest, AnUnreachableCloudGetsTheReportOnceItAnswers) {
  auto reporter = makeReporter({1h, 1h});
  failWith_ = CloudError(0, "cloud_unreachable", "down");
  EXPECT_FALSE(reporter.tick(""));
  failWith_.reset();
  EXPECT_TRUE(reporter.tick("")) << "retried at the next tick, whatever the check interval";
}

TEST_F(PrinterReporterTest, ARefusedReportIsNotSentAgainUntilItChanges) {
  auto reporter = makeReporter({0ms, 1h});
  failWith_ = CloudError(400, "invalid_request", "no");
  EXPECT_FALSE(reporter.tick(""));
  failWith_.reset();
  EXPECT_FALSE(reporter.tick("")) << "the same report would be refused again";
  backend_.setPrinters({printer("Front"), printer("Back")});
  EXPECT_TRUE(reporter.tick(""));
}

TEST_F(PrinterReporterTest, ASpoolerThatIsDownIsRetriedQuietly) {
  auto reporter = makeReporter({0ms, 1h});
  backend_.setUnavailable(true);
  EXPECT_FALSE(reporter.tick(""));
  backend_.setUnavailable(false);
  EXPECT_TRUE(reporter.tick(""));
}

} // namespace
} // namespace printrelay::agent
