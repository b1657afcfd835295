// Unit tests of the control path's pure parts: the line protocol (hostile requests included),
// the printer-reason vocabulary, the diagnose checks built from what CUPS reports, the HTTP
// date parser, printrelayctl's command line, exit statuses and renderings, and the man page
// and bash completion staying in step with the command table.

#include "agent/cloud/cloud_requests.h"
#include "agent/control/control_protocol.h"
#include "agent/control/control_transport.h"
#include "agent/control/diagnose.h"
#include "agent/ctl/ctl_cli.h"
#include "agent/ctl/ctl_render.h"
#include "common/util/error.h"
#include "tests/agent/ctl/ctl_run.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>

namespace printrelay {
namespace {

using nlohmann::json;
using namespace agent::control;

// --- the line protocol --------------------------------------------------------------------

TEST(ControlProtocol, ParsesAWellFormedRequest) {
  const auto parsed = parseRequest(R"({"v":1,"id":7,"cmd":"jobs","args":{"limit":3}})");
  ASSERT_TRUE(parsed.request) << parsed.failure.message;
  EXPECT_EQ(parsed.request->command, "jobs");
  EXPECT_EQ(parsed.request->id, 7);
  EXPECT_EQ(parsed.request->args.value("limit", 0), 3);
}

TEST(ControlProtocol, RequestRoundTripsThroughItsEncoding) {
  Request request;
  request.id = "abc";
  request.command = "cancel";
  request.args = json{{"id", "job_1"}};
  const std::string line = encodeRequest(request);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line only";
  const auto parsed = parseRequest(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.request);
  EXPECT_EQ(parsed.request->id, "abc");
  EXPECT_EQ(parsed.request->args, request.args);
}

TEST(ControlProtocol, RefusesHostileRequestsWithStableCodes) {
  const std::vector<std::pair<std::string, std::string_view>> cases = {
      {"", codes::kBadRequest},
      {"not json", codes::kBadRequest},
      {"[]", codes::kBadRequest},
      {"null", codes::kBadRequest},
      {R"({"v":1})", codes::kBadRequest},
      {R"({"v":1,"cmd":7})", codes::kBadRequest},
      {R"({"v":1,"cmd":"status","args":[1]})", codes::kBadRequest},
      {R"({"v":"1","cmd":"status"})", codes::kUnsupportedVersion},
      {R"({"v":2,"cmd":"status"})", codes::kUnsupportedVersion},
      {R"({"v":1,"cmd":"STATUS"})", codes::kUnknownCommand},
      {R"({"v":1,"cmd":"status\u0000"})", codes::kUnknownCommand},
      {R"({"v":1,"cmd":"../../bin/sh"})", codes::kUnknownCommand},
      {std::string(R"({"v":1,"cmd":")") + std::string(100000, 'a') + "\"}", codes::kUnknownCommand},
      {std::string(5000, '['), codes::kBadRequest},
  };
  for (const auto& [line, code] : cases) {
    const auto parsed = parseRequest(line);
    EXPECT_FALSE(parsed.request) << line.substr(0, 80);
    EXPECT_EQ(parsed.failure.code, code) << line.substr(0, 80);
    EXPECT_FALSE(parsed.failure.message.empty());
  }
}

TEST(ControlProtocol, KeepsTheIdOfARefusedRequest) {
  const auto parsed = parseRequest(R"({"v":1,"id":"x-1","cmd":"rm"})");
  EXPECT_FALSE(parsed.request);
  EXPECT_EQ(parsed.id, "x-1");
}

TEST(ControlProtocol, ResponsesRoundTripAndRefuseGarbage) {
  const auto ok = parseResponse(encodeResponse(Response::success(3, json{{"a", 1}})));
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.result.value("a", 0), 1);
  const auto error = parseResponse(encodeResponse(Response::error(4, "job_not_found", "no", 404)));
  EXPECT_FALSE(error.ok);
  EXPECT_EQ(error.failure.code, "job_not_found");
  EXPECT_EQ(error.failure.cloudStatus, 404);
  for (const std::string garbage : {"", "{}", "[1]", "{\"v\":1,\"ok\":\"yes\"}", "nope"}) {
    EXPECT_THROW(parseResponse(garbage), Error) << garbage;
  }
}

TEST(ControlProtocol, ArgumentHelpersRefuseWhatIsNotAskedFor) {
  const json args = {{"id", "job_1"}, {"bad", "a/b"},          {"n", 5},
                     {"big", 1e300},  {"text", std::string()}, {"obj", json::object()}};
  EXPECT_EQ(requireId(args, "id"), "job_1");
  EXPECT_THROW(requireId(args, "bad"), Error);
  EXPECT_THROW(requireId(args, "missing"), Error);
  EXPECT_THROW(requireId(json{{"id", std::string(65, 'a')}}, "id"), Error);
  EXPECT_THROW(requireString(args, "text"), Error);
  EXPECT_THROW(requireString(args, "obj"), Error);
  EXPECT_EQ(optionalInt(args, "n", 1, 1, 10), 5);
  EXPECT_EQ(optionalInt(args, "absent", 1, 1, 10), 1);
  EXPECT_THROW(optionalInt(args, "n", 1, 6, 10), Error);
  EXPECT_THROW(optionalInt(args, "big", 1, 1, 10), Error);
  EXPECT_THROW(optionalInt(args, "id", 1, 1, 10), Error);
  try {
    requireId(args, "bad");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), codes::kInvalidArgument);
  }
}

TEST(ControlProtocol, PrinterReasonsInPlainWords) {
  EXPECT_EQ(describePrinterReason("media-empty-error"), "paper out");
  EXPECT_EQ(describePrinterReason("toner-low-warning"), "toner low");
  EXPECT_EQ(describePrinterReason("offline-report"), "offline");
  EXPECT_EQ(describePrinterReason("none"), "");
  EXPECT_EQ(describePrinterReason("com.vendor-odd-thing"), "com.vendor-odd-thing");
  EXPECT_EQ(reasonSeverity("media-empty"), "error");
  EXPECT_EQ(reasonSeverity("toner-low"), "warning");
  EXPECT_EQ(reasonSeverity("media-jam-warning"), "warning") << "the suffix wins";
  EXPECT_EQ(reasonSeverity("toner-low-error"), "error") << "the suffix wins";
}

TEST(ControlProtocol, LineBufferFramesLinesAndRefusesLongOnes) {
  LineBuffer lines;
  const std::string bytes = "one\ntwo\nthr";
  lines.append(bytes.data(), bytes.size());
  EXPECT_EQ(lines.takeLine(8), "one");
  EXPECT_EQ(lines.takeLine(8), "two");
  EXPECT_FALSE(lines.takeLine(8)) << "an incomplete line waits";
  lines.append("ee\n", 3);
  EXPECT_EQ(lines.takeLine(8), "three");
  EXPECT_TRUE(lines.empty());

  const std::string exact = std::string(8, 'x') + "\n";
  lines.append(exact.data(), exact.size());
  EXPECT_EQ(lines.takeLine(8), std::string(8, 'x')) << "a line of exactly maxBytes is fine";
  const std::string longLine = std::string(9, 'y') + "\n";
  lines.append(longLine.data(), longLine.size());
  EXPECT_THROW(lines.takeLine(8), Error);
  EXPECT_TRUE(lines.empty()) << "what it held is dropped";
  const std::string endless(9, 'z');
  lines.append(endless.data(), endless.size());
  EXPECT_THROW(lines.takeLine(8), Error) << "no newline yet, but already too long";
}

// --- diagnose checks built from what the spooler reports --------------------------------------

agent::PrinterInfo printer(std::string state, bool accepting, std::vector<std::string> reasons) {
  agent::PrinterInfo p;
  p.name = "Front";
  p.state = std::move(state);
  p.accepting = accepting;
  p.reasons = std::move(reasons);
  return p;
}

TEST(Diagnose, PrinterCheckFailsOnlyForTheAgentsOwnPrinter) {
  EXPECT_EQ(agent::printerCheck(printer("idle", true, {}), true).status, CheckStatus::Pass);
  const auto paperOut = agent::printerCheck(printer("idle", true, {"media-empty-error"}), true);
  EXPECT_EQ(paperOut.status, CheckStatus::Fail);
  EXPECT_NE(paperOut.detail.find("paper out"), std::string::npos) << paperOut.detail;
  EXPECT_FALSE(paperOut.hint.empty());
  EXPECT_EQ(agent::printerCheck(printer("idle", true, {"media-empty-error"}), false).status,
            CheckStatus::Warn);
  const auto stopped = agent::printerCheck(printer("stopped", true, {}), true);
  EXPECT_EQ(stopped.status, CheckStatus::Fail);
  EXPECT_NE(stopped.hint.find("cupsenable"), std::string::npos);
  EXPECT_EQ(agent::printerCheck(printer("idle", false, {}), true).status, CheckStatus::Fail);
  EXPECT_EQ(agent::printerCheck(printer("idle", true, {"toner-low-warning"}), true).status,
            CheckStatus::Warn);
}

TEST(Diagnose, SpoolChecksSayWhenPlaintextStaysOnDisk) {
  agent::SpoolSafety keeps;
  keeps.keepsDocuments = true;
  keeps.keepsDocumentsSetting = "PreserveJobFiles Yes";
  keeps.source = "/etc/cups/cupsd.conf";
  keeps.spoolDir = "/var/spool/cups";
  keeps.spoolOnTmpfs = false;
  const auto withoutPurge = agent::spoolChecks(keeps, false);
  ASSERT_EQ(withoutPurge.size(), 2u);
  EXPECT_EQ(withoutPurge[0].status, CheckStatus::Fail);
  EXPECT_EQ(withoutPurge[1].status, CheckStatus::Warn);
  EXPECT_EQ(agent::spoolChecks(keeps, true)[0].status, CheckStatus::Warn);

  agent::SpoolSafety safe = keeps;
  safe.keepsDocuments = false;
  safe.spoolOnTmpfs = true;
  for (const auto& c : agent::spoolChecks(safe, false)) {
    EXPECT_EQ(c.status, CheckStatus::Pass) << c.name;
  }
  agent::SpoolSafety unknown;
  unknown.problem = "cannot read";
  for (const auto& c : agent::spoolChecks(unknown, true)) {
    EXPECT_EQ(c.status, CheckStatus::Warn) << c.name;
    EXPECT_NE(c.detail.find("cannot read"), std::string::npos);
  }
}

TEST(Diagnose, CloudAddressesParseOrAreRefused) {
  const auto a = agent::parseCloudAddress("https://cloud.example:8443");
  EXPECT_EQ(a.host, "cloud.example");
  EXPECT_EQ(a.port, 8443);
  EXPECT_EQ(agent::parseCloudAddress("https://[::1]").host, "::1");
  EXPECT_EQ(agent::parseCloudAddress("https://[::1]").port, 443);
  for (const std::string bad : {"", "cloud.example", "https://", "https://h:0", "https://h:99999",
                                "https://h:12ab", "ftp//h", "https://[::1"}) {
    EXPECT_THROW(agent::parseCloudAddress(bad), Error) << bad;
  }
}

TEST(CloudRequests, HttpDatesParseAndGarbageDoesNot) {
  EXPECT_EQ(agent::parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(agent::parseHttpDate("Mon, 23 Nov 2026 00:00:00 GMT"), 1795392000);
  for (const std::string bad : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37",
                                "Sun, 32 Nov 1994 "
                                "08:49:37 GMT",
                                "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    EXPECT_FALSE(agent::parseHttpDate(bad)) << bad;
  }
}

// --- printrelayctl ----------------------------------------------------------------------------

using printrelay::testing::ctl;

TEST(Ctl, UsageErrorsExitWithTwo) {
  EXPECT_EQ(ctl({}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"frobnicate"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"--timeout"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"--timeout", "-1", "status"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"--socket"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"key"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"key", "burn"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"jobs", "--limit", "lots"}).code, ctl::kExitUsage);
  EXPECT_EQ(ctl({"status", "extra"}).code, ctl::kExitUsage);
  const auto scripted = ctl({"--json", "frobnicate"});
  EXPECT_EQ(scripted.code, ctl::kExitUsage);
  const auto body = json::parse(scripted.out, nullptr, false);
  ASSERT_TRUE(body.is_object()) << scripted.out;
  EXPECT_EQ(body["error"].value("exit_code", 0), ctl::kExitUsage);
}

TEST(Ctl, NoAgentListeningExitsWithNine) {
  const auto r = ctl({"--socket", "/nonexistent/printrelay.sock", "status"});
  EXPECT_EQ(r.code, ctl::kExitAgentUnreachable) << r.err;
  EXPECT_FALSE(r.err.empty());
}

TEST(Ctl, HelpForEveryCommand) {
  const auto help = ctl({"--help"});
  EXPECT_EQ(help.code, ctl::kExitOk);
  for (const auto& spec : ctl::commandTable()) {
    EXPECT_NE(help.out.find(spec.synopsis), std::string::npos) << spec.name;
    std::vector<std::string> words;
    std::istringstream in{std::string(spec.name)};
    for (std::string w; in >> w;) {
      words.push_back(w);
    }
    words.push_back("--help");
    const auto one = ctl(words);
    EXPECT_EQ(one.code, ctl::kExitOk) << spec.name;
    EXPECT_NE(one.out.find(spec.summary), std::string::npos) << spec.name << ": " << one.out;
  }
}

TEST(Ctl, ErrorCodesMapToDocumentedExitStatuses) {
  EXPECT_EQ(ctl::exitCodeFor("job_not_found"), ctl::kExitNotFound);
  EXPECT_EQ(ctl::exitCodeFor("printer_not_found"), ctl::kExitNotFound);
  EXPECT_EQ(ctl::exitCodeFor("job_not_cancellable"), ctl::kExitConflict);
  EXPECT_EQ(ctl::exitCodeFor("agent_busy"), ctl::kExitConflict);
  EXPECT_EQ(ctl::exitCodeFor("invalid_argument"), ctl::kExitUsage);
  EXPECT_EQ(ctl::exitCodeFor("route_not_found", 404), ctl::kExitCloudUnsupported);
  EXPECT_EQ(ctl::exitCodeFor("anything", 0), ctl::kExitCloudUnreachable);
  EXPECT_EQ(ctl::exitCodeFor("anything", 401), ctl::kExitCloudRefused);
  EXPECT_EQ(ctl::exitCodeFor("never-heard-of-it"), ctl::kExitFailure);
}

TEST(Ctl, RenderingsSayWhatMatters) {
  const std::int64_t now = 1'800'000'000;
  const json status = {{"version", "0.1.0"},
                       {"store_id", "st_1"},
                       {"store_name", "Copy Corner"},
                       {"started_at", now - 3600},
                       {"cloud",
                        {{"state", "offline"},
                         {"since", now - 600},
                         {"last_contact", now - 620},
                         {"last_error", "connection refused"}}},
                       {"paused", true},
                       {"paused_since", now - 60},
                       {"queue", {{"in_flight", 1}, {"outbox", 3}}}};
  const std::string text = ctl::renderStatus(status, now);
  EXPECT_NE(text.find("OFFLINE since"), std::string::npos) << text;
  EXPECT_NE(text.find("connection refused"), std::string::npos) << text;
  EXPECT_NE(text.find("PAUSED"), std::string::npos) << text;

  const json diagnose =
      diagnoseResult({Check{"cups", "CUPS reachable", CheckStatus::Fail, "no answer", "start CUPS"},
                      Check{"dns", "DNS", CheckStatus::Pass, "ok", ""}});
  EXPECT_EQ(ctl::diagnoseExitCode(diagnose), ctl::kExitDiagnoseFailed);
  const std::string rendered = ctl::renderDiagnose(diagnose);
  EXPECT_NE(rendered.find("FAIL"), std::string::npos);
  EXPECT_NE(rendered.find("start CUPS"), std::string::npos);
  EXPECT_EQ(ctl::diagnoseExitCode(diagnoseResult({Check{"dns", "DNS", CheckStatus::Warn, "", ""}})),
            ctl::kExitOk);

  const std::string table = ctl::renderTable({"A", "B"}, {{"ü", "x"}, {"long", "y"}});
  std::istringstream lines(table);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(first.find('x'), std::string("ü").size() + 5) << "columns are sized in characters";
  EXPECT_EQ(second.find('y'), 6u);
}

// --- the man page and bash completion follow the command table ------------------------------

std::string readSource(const std::string& relative) {
  std::ifstream in(std::string(PRINTRELAY_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The man page is made from the command table (tests/packaging/man_pages_test checks it); its
// template keeps the exit statuses, and the completion is written by hand.
TEST(Ctl, ManPageTemplateAndCompletionKnowEveryCommand) {
  const std::string man = readSource("packaging/man/printrelayctl.8.in");
  const std::string completion = readSource("packaging/bash-completion/printrelayctl");
  ASSERT_FALSE(man.empty());
  ASSERT_FALSE(completion.empty());
  for (const auto& spec : ctl::commandTable()) {
    const std::string first(spec.name.substr(0, spec.name.find(' ')));
    EXPECT_NE(completion.find(first), std::string::npos) << "completion lacks " << spec.name;
  }
  for (std::size_t code = 0; code <= 15; ++code) {
    EXPECT_NE(man.find("\n" + std::to_string(code) + "\t"), std::string::npos)
        << "man page lacks exit status " << code;
  }
}

} // namespace
} // namespace printrelay
