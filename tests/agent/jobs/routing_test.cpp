// Which printer a job goes to (printer_routing.h), on printers and abilities made up here, and
// how print options become the IPP job attributes CUPS gets.

#include "agent/jobs/printer_routing.h"
#include "agent/spooler/print_backend.h"
#include "common/util/error.h"
#include "tests/fakes/agent_fake_print_backend.h"

#include <gtest/gtest.h>

namespace printrelay::agent {
namespace {

using Names = std::vector<std::string>;

protocol::PrinterAbilities everything() {
  return {}; // nothing reported: nothing refused
}

protocol::PrinterAbilities officeLaser() {
  protocol::PrinterAbilities a;
  a.media = {"iso_a4_210x297mm", "na_letter_8.5x11in"};
  a.sides = {"one-sided", "two-sided-long-edge", "two-sided-short-edge"};
  a.colorModes = {"monochrome"};
  a.copiesMin = 1;
  a.copiesMax = 99;
  a.numberUp = {1, 2, 4};
  a.orientations = {"portrait", "landscape"};
  a.documentFormats = {"application/pdf", "text/plain"};
  return a;
}

RoutingCandidate candidate(std::string name, std::optional<protocol::PrinterAbilities> abilities,
                           std::string state = "idle", bool accepting = true) {
  RoutingCandidate c;
  c.info.name = std::move(name);
  c.info.state = std::move(state);
  c.info.accepting = accepting;
  c.abilities = std::move(abilities);
  if (!c.abilities) {
    c.abilitiesProblem = "IPP request failed";
  }
  return c;
}

protocol::PrintOptions a3Color() {
  protocol::PrintOptions o;
  o.media = "A3";
  o.colorMode = "color";
  return o;
}

TEST(RoutingTest, TheShopsChoiceIsTakenWhenItCanPrintTheJob) {
  const std::vector<RoutingCandidate> printers{candidate("front", everything()),
                                               candidate("office-laser", officeLaser())};
  const auto d = choosePrinter({}, "text/plain", "office-laser", "front", printers);
  EXPECT_EQ(d.printer, "office-laser");
  EXPECT_EQ(d.because, "the shop's choice");
  EXPECT_TRUE(d.refusals.empty());
}

TEST(RoutingTest, TheAgentsPrinterComesNextThenTheFirstAblePrinter) {
  const std::vector<RoutingCandidate> printers{candidate("office-laser", officeLaser()),
                                               candidate("front", everything()),
                                               candidate("back", everything())};
  // The shop chose the laser, which has no color: the agent's printer takes it.
  auto d = choosePrinter(a3Color(), "text/plain", "office-laser", "back", printers);
  EXPECT_EQ(d.printer, "back");
  EXPECT_EQ(d.because, "the agent's printer");
  ASSERT_EQ(d.refusals.size(), 1u);
  EXPECT_EQ(d.refusals[0].rfind("office-laser: media iso_a3_297x420mm is not available", 0), 0u)
      << d.refusals[0];

  // Neither named: the first able printer in the spooler's order.
  d = choosePrinter(a3Color(), "text/plain", "", "office-laser", printers);
  EXPECT_EQ(d.printer, "front");
  EXPECT_EQ(d.because, "able to print it");

  // A shop choice the spooler does not know is passed over.
  d = choosePrinter({}, "text/plain", "gone", "", printers);
  EXPECT_EQ(d.printer, "office-laser");
}

TEST(RoutingTest, IdlePrintersArePreferredOverStoppedOnes) {
  const std::vector<RoutingCandidate> printers{candidate("jammed", everything(), "stopped"),
                                               candidate("busy", everything(), "processing")};
  auto d = choosePrinter({}, "text/plain", "", "", printers);
  EXPECT_EQ(d.printer, "busy");
  d = choosePrinter({}, "text/plain", "", "", {candidate("jammed", everything(), "stopped")});
  EXPECT_EQ(d.printer, "jammed") << "a stopped printer queues the job when it is the only one";
  // The shop's choice stands even when stopped: it queues there.
  d = choosePrinter({}, "text/plain", "jammed", "", printers);
  EXPECT_EQ(d.printer, "jammed");
}

TEST(RoutingTest, NoAblePrinterMeansAReasonForEachPrinter) {
  const std::vector<RoutingCandidate> printers{candidate("office-laser", officeLaser()),
                                               candidate("unknown", std::nullopt),
                                               candidate("closed", everything(), "idle", false)};
  auto d = choosePrinter(a3Color(), "text/plain", "", "", printers);
  EXPECT_TRUE(d.printer.empty());
  EXPECT_TRUE(d.ableButNotAccepting);
  ASSERT_EQ(d.refusals.size(), 3u);
  EXPECT_EQ(d.refusals[1], "unknown: its abilities cannot be read (IPP request failed)");
  EXPECT_EQ(d.refusals[2], "closed: not accepting jobs");
  const std::string text = describeRefusals(d);
  EXPECT_EQ(text.rfind("no printer here can print this: office-laser: media iso_a3_297x420mm is "
                       "not available (it has: iso_a4_210x297mm, na_letter_8.5x11in), "
                       "print-color-mode color is not possible (it has: monochrome); unknown: ",
                       0),
            0u)
      << text;

  // Unable everywhere (the closed one could not either): nothing to wait for.
  protocol::PrintOptions tooMany;
  tooMany.copies = 500;
  protocol::PrinterAbilities few;
  few.copiesMax = 10;
  d = choosePrinter(
      tooMany, "text/plain", "", "",
      {candidate("office-laser", officeLaser()), candidate("closed", few, "idle", false)});
  EXPECT_TRUE(d.printer.empty());
  EXPECT_FALSE(d.ableButNotAccepting);
  EXPECT_EQ(d.refusals, (Names{"office-laser: copies 500 is outside 1-99",
                               "closed: copies 500 is outside 1-10"}));
}

TEST(RoutingTest, EveryOptionIsCheckedAgainstTheAbilities) {
  const auto laser = officeLaser();
  protocol::PrintOptions o;
  o.colorMode = "monochrome";
  EXPECT_TRUE(whyUnable(o, "text/plain", laser).empty());
  o.numberUp = 6;
  o.orientation = "reverse-landscape";
  o.pageRanges = {{1, 2}};
  auto why = whyUnable(o, "image/png", laser);
  EXPECT_EQ(why, (Names{"number-up 6 is not possible (it has: 1, 2, 4)",
                        "orientation-requested reverse-landscape is not possible (it has: "
                        "portrait, landscape)",
                        "documents of type image/png are not accepted"}));
  auto noRanges = laser;
  noRanges.pageRanges = false;
  EXPECT_EQ(whyUnable(o, "text/plain", noRanges).at(0), "page-ranges are not supported");
  // A spooler that types documents itself takes any format.
  auto cups = laser;
  cups.documentFormats = {"application/octet-stream"};
  EXPECT_TRUE(whyUnable(protocol::PrintOptions{}, "image/png", cups).empty());
  // The media short names match their PWG names.
  protocol::PrintOptions letter;
  letter.media = "Letter";
  EXPECT_TRUE(whyUnable(letter, "", laser).empty());
}

TEST(RoutingTest, AVeryLongListOfRefusalsIsClipped) {
  RoutingDecision d;
  for (int i = 0; i < 100; ++i) {
    d.refusals.push_back("printer-" + std::to_string(i) + ": media iso_a3_297x420mm is missing");
  }
  const std::string text = describeRefusals(d);
  EXPECT_LE(text.size(), 1000u);
  EXPECT_EQ(text.rfind("no printer here can print this: printer-0: ", 0), 0u);
}

TEST(RoutingTest, CandidatesComeFromTheSpoolerWithTheirAbilities) {
  testing::FakePrintBackend backend;
  PrinterInfo front;
  front.name = "Front";
  PrinterInfo broken;
  broken.name = "Broken";
  backend.setPrinters({front, broken});
  backend.failCapabilities("Broken", "spooler_refused");
  const auto candidates = routingCandidates(backend);
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_TRUE(candidates[0].abilities.has_value());
  EXPECT_FALSE(candidates[1].abilities.has_value());
  EXPECT_FALSE(candidates[1].abilitiesProblem.empty());

  backend.setPrinters({});
  EXPECT_THROW(routingCandidates(backend), Error);
  backend.setUnavailable(true);
  try {
    routingCandidates(backend);
    FAIL() << "expected spooler_unavailable";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "spooler_unavailable");
  }
}

// --- print options → IPP job attributes ------------------------------------------------------

TEST(IppJobAttributesTest, EveryOptionBecomesItsCupsAttribute) {
  protocol::PrintOptions o;
  o.copies = 2;
  o.media = "A4";
  o.sides = "two-sided-long-edge";
  o.colorMode = "color";
  o.pageRanges = {{1, 2}, {5, 5}};
  o.orientation = "landscape";
  o.numberUp = 2;
  o.fitToPage = true;
  using Attrs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(ippJobAttributes(o), (Attrs{{"copies", "2"},
                                        {"media", "iso_a4_210x297mm"},
                                        {"sides", "two-sided-long-edge"},
                                        {"print-color-mode", "color"},
                                        {"page-ranges", "1-2,5"},
                                        {"orientation-requested", "4"},
                                        {"number-up", "2"},
                                        {"fit-to-page", "true"}}));
  o.orientation = "reverse-portrait";
  EXPECT_EQ(ippJobAttributes(o).at(5),
            (std::pair<std::string, std::string>{"orientation-requested", "6"}));
}

TEST(IppJobAttributesTest, DefaultsLeaveTheOptionalAttributesOut) {
  using Attrs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(ippJobAttributes(protocol::PrintOptions{}),
            (Attrs{{"copies", "1"},
                   {"media", "iso_a4_210x297mm"},
                   {"sides", "one-sided"},
                   {"print-color-mode", "monochrome"}}));
}

} // namespace
} // namespace printrelay::agent
