// printrelayctl against a running agent, with the real cloud and the private cupsd of the
// end-to-end test (shop_fixture.h): what a technician at the shop PC sees, in tables and in
// --json, with the exit statuses scripts rely on; and `diagnose` catching what goes wrong at a
// shop: CUPS stopped, the cloud unreachable, a revoked credential, a printer that went away.

#include "tests/integration/ctl_fixture.h"

#include <sys/stat.h>

namespace printrelay::testing {
namespace {

TEST_F(CtlTest, StatusShowsTheCloudLinkStoreAndVersion) {
  const auto status = ctlJson({"status"});
  ASSERT_EQ(status.exitCode, 0) << status.describe;
  EXPECT_EQ(status.body["cloud"].value("state", ""), "online") << status.out;
  EXPECT_GT(status.body["cloud"].value("last_contact", 0), 0) << status.out;
  EXPECT_EQ(status.body.value("store_id", ""), storeId_);
  EXPECT_FALSE(status.body.value("version", "").empty());
  EXPECT_FALSE(status.body.value("paused", true));
  EXPECT_EQ(status.body["queue"].value("in_flight", -1), 0) << status.out;

  const auto table = ctl({"status"});
  ASSERT_EQ(table.exitCode, 0) << table.describe;
  EXPECT_NE(table.out.find("online"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(storeId_), std::string::npos) << table.out;
}

TEST_F(CtlTest, PrintersShowsTheQueueAndWhyItCannotPrint) {
  const auto printers = ctlJson({"printers"});
  ASSERT_EQ(printers.exitCode, 0) << printers.describe;
  EXPECT_EQ(printers.body.value("agent_printer", ""), kQueue);
  const auto list = printers.body.value("printers", json::array());
  ASSERT_EQ(list.size(), 1u) << printers.out;
  EXPECT_EQ(list[0].value("name", ""), kQueue);
  EXPECT_EQ(list[0].value("state", ""), "idle") << printers.out;
  EXPECT_TRUE(list[0].value("accepting", false));

  // A technician stops the queue: the tool says so and why.
  const auto disable = cupsd_->runClient({"cupsdisable", "-r", "paper jam at tray 2", kQueue});
  ASSERT_TRUE(disable.status.success()) << disable.describe();
  const auto stopped = ctlJson({"printers"});
  ASSERT_EQ(stopped.exitCode, 0) << stopped.describe;
  const auto after = stopped.body.value("printers", json::array());
  ASSERT_EQ(after.size(), 1u) << stopped.out;
  EXPECT_EQ(after[0].value("state", ""), "stopped") << stopped.out;
  const auto table = ctl({"printers"});
  EXPECT_NE(table.out.find("stopped"), std::string::npos) << table.out;
}

TEST_F(CtlTest, JobsAndTheTimelineOfAPrintedJob) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const std::string orderId = printOne(uniqueMarker());
  const std::string jobId = jobIdForOrder(orderId);
  ASSERT_FALSE(jobId.empty());

  const auto printed = ctlJson({"jobs", "--state", "printed"});
  ASSERT_EQ(printed.exitCode, 0) << printed.describe;
  ASSERT_EQ(printed.body.value("jobs", json::array()).size(), 1u) << printed.out;
  const auto failed = ctlJson({"jobs", "--state", "failed"});
  ASSERT_EQ(failed.exitCode, 0) << failed.describe;
  EXPECT_TRUE(failed.body.value("jobs", json::array()).empty()) << failed.out;

  const auto job = ctlJson({"job", jobId});
  ASSERT_EQ(job.exitCode, 0) << job.describe;
  EXPECT_EQ(job.body["job"].value("state", ""), "printed") << job.out;
  std::vector<std::string> events;
  for (const auto& e : job.body.value("timeline", json::array())) {
    events.push_back(e.value("event", ""));
  }
  ASSERT_FALSE(events.empty()) << job.out;
  EXPECT_EQ(events.front(), "leased") << job.out;
  EXPECT_EQ(events.back(), "printed") << job.out;
  EXPECT_NE(std::find(events.begin(), events.end(), "printing"), events.end()) << job.out;

  const auto table = ctl({"job", jobId});
  ASSERT_EQ(table.exitCode, 0) << table.describe;
  EXPECT_NE(table.out.find(orderId), std::string::npos) << table.out;

  // A printed job cannot be cancelled; an unknown one is not found; a hostile id is refused.
  EXPECT_EQ(ctl({"cancel", jobId}).exitCode, 12);
  EXPECT_EQ(ctl({"job", "no-such-job"}).exitCode, 11);
  EXPECT_EQ(ctl({"job", "../../etc/passwd"}).exitCode, 2);
  EXPECT_EQ(ctl({"jobs", "--limit", "-5"}).exitCode, 2);
}

TEST_F(CtlTest, PauseStopsIntakeUntilResume) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const auto paused = ctlJson({"pause"});
  ASSERT_EQ(paused.exitCode, 0) << paused.describe;
  EXPECT_TRUE(paused.body.value("paused", false));
  EXPECT_TRUE(ctlJson({"status"}).body.value("paused", false));

  const std::string orderId = createOrder("text/plain", json{{"copies", 1}});
  uploadDocument(orderId, "text/plain", makeDocument(10000, uniqueMarker(), 8));
  // Several long-poll rounds (poll_wait_seconds = 5 would have fetched it within one).
  std::this_thread::sleep_for(6s);
  EXPECT_EQ(getOrder(orderId).value("state", ""), "queued");
  EXPECT_EQ(printer_.jobCount(), 0u);

  // The pause survives an agent restart.
  agent_->stop();
  startAgent();
  ASSERT_NO_FATAL_FAILURE(waitForControlSocket());
  EXPECT_TRUE(ctlJson({"status"}).body.value("paused", false));

  const auto resumed = ctlJson({"resume"});
  ASSERT_EQ(resumed.exitCode, 0) << resumed.describe;
  EXPECT_FALSE(resumed.body.value("paused", true));
  waitForOrderState(orderId, "printed", 60s);
  EXPECT_TRUE(printer_.waitForJobs(1, 30s));
}

TEST_F(CtlTest, CancelAJobStuckAtThePrinter) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  printer_.hold();
  const std::string orderId = createOrder("text/plain", json{{"copies", 1}});
  uploadDocument(orderId, "text/plain", makeDocument(50000, uniqueMarker(), 9));
  const json printing = waitForOrderState(orderId, "printing", 60s);
  const int cupsJobId = reportedSpoolerJobId(printing);
  ASSERT_GT(cupsJobId, 0) << printing.dump();
  const std::string jobId = jobIdForOrder(orderId);
  ASSERT_FALSE(jobId.empty());

  const auto cancel = ctlJson({"cancel", jobId});
  ASSERT_EQ(cancel.exitCode, 0) << cancel.describe;
  EXPECT_EQ(cancel.body["job"].value("state", ""), "failed") << cancel.out;
  waitForOrderState(orderId, "failed", 30s);
  cupsd_->waitForJobState(cupsJobId, "canceled", 30s);
  printer_.release();
  EXPECT_EQ(ctl({"cancel", jobId}).exitCode, 12) << "a cancelled job cannot be cancelled again";
}

TEST_F(CtlTest, KeyRotateSwitchesTheStoreKeyAndOlderDocumentsStillPrint) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  // Sealed to the current key, but held back: it is still queued when the key changes.
  ASSERT_EQ(ctlJson({"pause"}).exitCode, 0);
  const std::string before = createOrder("text/plain", json{{"copies", 1}});
  uploadDocument(before, "text/plain", makeDocument(20000, uniqueMarker(), 10));
  const std::string oldKeyId = api("GET", "/api/v1/stores/" + storeId_, "").value("key_id", "");

  const auto rotated = ctlJson({"key", "rotate"});
  ASSERT_EQ(rotated.exitCode, 0) << rotated.describe;
  const std::string newKeyId = rotated.body.value("new_key_id", "");
  EXPECT_EQ(rotated.body.value("old_key_id", ""), oldKeyId);
  EXPECT_NE(newKeyId, oldKeyId);
  EXPECT_EQ(api("GET", "/api/v1/stores/" + storeId_, "").value("key_id", ""), newKeyId);
  EXPECT_EQ(ctlJson({"status"}).body.value("key_id", ""), newKeyId);

  const std::string after = createOrder("text/plain", json{{"copies", 1}});
  uploadDocument(after, "text/plain", makeDocument(20000, uniqueMarker(), 11));
  ASSERT_EQ(ctlJson({"resume"}).exitCode, 0);
  waitForOrderState(before, "printed", 60s);
  waitForOrderState(after, "printed", 60s);
  EXPECT_TRUE(printer_.waitForJobs(2, 30s));

  // The new key survives a restart.
  agent_->stop();
  startAgent();
  ASSERT_NO_FATAL_FAILURE(waitForControlSocket());
  EXPECT_EQ(ctlJson({"status"}).body.value("key_id", ""), newKeyId);
}

TEST_F(CtlTest, ReprintSendsAPrintedJobThroughTheQueueAgain) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const std::string orderId = printOne(uniqueMarker());
  const std::string jobId = jobIdForOrder(orderId);
  ASSERT_FALSE(jobId.empty());
  ASSERT_TRUE(printer_.waitForJobs(1, 30s));

  const auto reprint = ctlJson({"reprint", jobId});
  ASSERT_EQ(reprint.exitCode, 0) << reprint.describe;
  EXPECT_TRUE(reprint.body.value("requested", false)) << reprint.out;
  // The order goes back to the queue and the agent prints it a second time.
  EXPECT_TRUE(printer_.waitForJobs(2, 60s)) << diagnostics();
  const json order = waitForOrderState(orderId, "printed", 60s);
  int printedTimes = 0;
  for (const auto& h : order.value("history", json::array())) {
    printedTimes += h.value("state", "") == "printed" ? 1 : 0;
  }
  EXPECT_EQ(printedTimes, 2) << order.dump();

  EXPECT_EQ(ctl({"reprint", "no-such-job"}).exitCode, 11);
  EXPECT_EQ(ctl({"reprint", "../etc"}).exitCode, 2);
}

TEST_F(CtlTest, ReleaseByPickupCodePrintsAHeldOrder) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const json created = api("POST", "/api/v1/orders", customerToken_,
                           json{{"store_id", storeId_},
                                {"document_name", "collect-later.txt"},
                                {"content_type", "text/plain"},
                                {"options", json{{"copies", 1}}},
                                {"hold", true}},
                           201);
  const std::string orderId = created.value("id", "");
  ASSERT_FALSE(orderId.empty()) << created.dump();
  uploadDocument(orderId, "text/plain", makeDocument(20000, uniqueMarker(), 5));
  const json held = waitForOrderState(orderId, "held", 30s);
  const std::string code = held.value("pickup_code", "");
  ASSERT_EQ(code.size(), 6u) << held.dump();
  EXPECT_EQ(printer_.jobCount(), 0u) << "a held order is not printed";

  const std::string wrong = code == "000000" ? "000001" : "000000";
  const auto refused = ctlJson({"release", wrong});
  EXPECT_EQ(refused.exitCode, 11) << refused.describe;
  EXPECT_EQ(getOrder(orderId).value("state", ""), "held");
  EXPECT_EQ(ctl({"release", "12 34"}).exitCode, 15) << "not six digits: refused here";

  const auto released = ctlJson({"release", code});
  ASSERT_EQ(released.exitCode, 0) << released.describe;
  EXPECT_TRUE(released.body.value("released", false)) << released.out;
  waitForOrderState(orderId, "printed", 60s);
  EXPECT_TRUE(printer_.waitForJobs(1, 30s));
  EXPECT_EQ(ctl({"release", code}).exitCode, 11) << "a used code releases nothing";
}

TEST_F(CtlTest, TheCloudShowsTheAgentsPrinters) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  json store;
  while (std::chrono::steady_clock::now() < deadline) {
    store = api("GET", "/api/v1/stores/" + storeId_, "");
    if (!store.value("printers", json::array()).empty()) {
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  const auto printers = store.value("printers", json::array());
  ASSERT_EQ(printers.size(), 1u) << store.dump();
  EXPECT_EQ(printers[0].value("name", ""), kQueue);
  EXPECT_TRUE(printers[0].value("agent_printer", false));
  EXPECT_TRUE(store.value("online", false));
}

TEST_F(CtlTest, TestPageReachesThePrinter) {
  const auto page = ctlJson({"test-page", kQueue});
  ASSERT_EQ(page.exitCode, 0) << page.describe;
  EXPECT_GT(page.body.value("spooler_job_id", 0), 0) << page.out;
  ASSERT_TRUE(printer_.waitForJobs(1, 30s));
  EXPECT_NE(printer_.jobs().front().find("PrintRelay"), std::string::npos);
  EXPECT_EQ(ctl({"test-page", "no-such-printer"}).exitCode, 11);
}

TEST_F(CtlTest, LogsShowTheAgentsRecentLines) {
  const auto logs = ctlJson({"logs", "--lines", "50"});
  ASSERT_EQ(logs.exitCode, 0) << logs.describe;
  const auto lines = logs.body.value("lines", json::array());
  ASSERT_FALSE(lines.empty()) << logs.out;
  EXPECT_LE(lines.size(), 50u);
  EXPECT_NE(logs.out.find("connected"), std::string::npos) << logs.out;
}

TEST_F(CtlTest, DiagnosePassesOnAHealthyShop) {
  const auto diagnose = ctlJson({"diagnose"});
  EXPECT_EQ(diagnose.exitCode, 0) << diagnose.describe;
  for (const std::string name : {"dns", "cloud_reachable", "tls_certificate", "clock_skew",
                                 "credential", "cups", "printer", "disk_space"}) {
    EXPECT_EQ(check(diagnose.body, name).value("status", ""), "pass")
        << name << ": " << diagnose.out;
  }
  const auto table = ctl({"diagnose"});
  EXPECT_NE(table.out.find("PASS"), std::string::npos) << table.out;
}

TEST_F(CtlTest, DiagnoseCatchesCupsStopped) {
  cupsd_->stop();
  const auto diagnose = ctlJson({"diagnose"});
  EXPECT_EQ(diagnose.exitCode, 14) << diagnose.describe;
  const json cups = check(diagnose.body, "cups");
  EXPECT_EQ(cups.value("status", ""), "fail") << diagnose.out;
  EXPECT_FALSE(cups.value("hint", "").empty()) << diagnose.out;
  EXPECT_EQ(check(diagnose.body, "cloud_reachable").value("status", ""), "pass");
  const auto table = ctl({"diagnose"});
  EXPECT_NE(table.out.find("FAIL"), std::string::npos) << table.out;
}

TEST_F(CtlTest, DiagnoseCatchesTheCloudUnreachable) {
  cloud_->stop();
  const auto diagnose = ctlJson({"diagnose"});
  EXPECT_EQ(diagnose.exitCode, 14) << diagnose.describe;
  const json reachable = check(diagnose.body, "cloud_reachable");
  EXPECT_EQ(reachable.value("status", ""), "fail") << diagnose.out;
  EXPECT_FALSE(reachable.value("hint", "").empty());
  EXPECT_EQ(check(diagnose.body, "cups").value("status", ""), "pass") << diagnose.out;

  // The daemon notices too, and says since when.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  json status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = ctlJson({"status"}).body;
    if (status.value("cloud", json::object()).value("state", "") == "offline") {
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(status["cloud"].value("state", ""), "offline") << status.dump();
  EXPECT_GT(status["cloud"].value("since", 0), 0);
  EXPECT_NE(ctl({"status"}).out.find("OFFLINE since"), std::string::npos);
}

TEST_F(CtlTest, DiagnoseCatchesARevokedCredential) {
  const std::string agentId = ctlJson({"status"}).body.value("agent_id", "");
  ASSERT_FALSE(agentId.empty());
  api("POST", "/api/v1/admin/agents/" + agentId + "/revoke", adminToken_, json::object());
  const auto diagnose = ctlJson({"diagnose"});
  EXPECT_EQ(diagnose.exitCode, 14) << diagnose.describe;
  const json credential = check(diagnose.body, "credential");
  EXPECT_EQ(credential.value("status", ""), "fail") << diagnose.out;
  EXPECT_NE(credential.value("hint", "").find("enroll"), std::string::npos) << diagnose.out;
  EXPECT_EQ(check(diagnose.body, "cloud_reachable").value("status", ""), "pass");
}

TEST_F(CtlTest, DiagnoseCatchesAPrinterThatWentAway) {
  const auto removed = cupsd_->runClient({"lpadmin", "-x", kQueue});
  ASSERT_TRUE(removed.status.success()) << removed.describe();
  const auto diagnose = ctlJson({"diagnose"});
  EXPECT_EQ(diagnose.exitCode, 14) << diagnose.describe;
  const json printer = check(diagnose.body, "printer");
  EXPECT_EQ(printer.value("status", ""), "fail") << diagnose.out;
  EXPECT_NE(printer.value("detail", "").find(kQueue), std::string::npos) << diagnose.out;
  EXPECT_EQ(check(diagnose.body, "cups").value("status", ""), "pass") << diagnose.out;
}

TEST_F(CtlTest, WithoutARunningAgentStatusSaysSoAndDiagnoseRunsLocally) {
  agent_->stop();
  const auto status = ctl({"status"});
  EXPECT_EQ(status.exitCode, 9) << status.describe;
  EXPECT_NE(status.err.find("not running"), std::string::npos) << status.err;

  const auto diagnose = ctlJson({"diagnose"});
  EXPECT_EQ(check(diagnose.body, "cloud_reachable").value("status", ""), "pass") << diagnose.out;
  EXPECT_EQ(check(diagnose.body, "cups").value("status", ""), "pass") << diagnose.out;
}

TEST_F(CtlTest, UsageErrorsAndHelp) {
  EXPECT_EQ(ctl({"frobnicate"}).exitCode, 2);
  EXPECT_EQ(ctl({"job"}).exitCode, 2) << "job needs an id";
  EXPECT_EQ(ctl({"--timeout", "abc", "status"}).exitCode, 2);
  const auto help = ctl({"--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("diagnose"), std::string::npos);
  for (const std::string command :
       {"status", "printers", "jobs", "job", "reprint", "cancel", "pause", "resume", "release",
        "test-page", "diagnose", "logs", "enroll", "key"}) {
    const auto one = ctl({command, "--help"});
    EXPECT_EQ(one.exitCode, 0) << command << ": " << one.describe;
    EXPECT_NE(one.out.find(command), std::string::npos) << command << ": " << one.out;
  }
  const auto error = ctlJson({"job", "no-such-job"});
  EXPECT_EQ(error.exitCode, 11);
  EXPECT_EQ(error.body["error"].value("code", ""), "job_not_found") << error.out;
}

TEST_F(CtlTest, ControlSocketIsForTheServiceGroupOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(CtlTest, HostileBytesOnTheControlSocketGetErrorsAndTheAgentCarriesOn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json\n", "bad_request"},
      {"[1,2,3]\n", "bad_request"},
      {R"({"v":1,"id":1})"
       "\n",
       "bad_request"},
      {R"({"v":2,"id":1,"cmd":"status"})"
       "\n",
       "unsupported_version"},
      {R"({"v":1,"id":1,"cmd":"rm -rf /"})"
       "\n",
       "unknown_command"},
      {R"({"v":1,"id":1,"cmd":"job","args":{"id":{"$ne":1}}})"
       "\n",
       "invalid_argument"},
      {R"({"v":1,"id":1,"cmd":"jobs","args":{"limit":1e308}})"
       "\n",
       "invalid_argument"},
      {R"({"v":1,"id":1,"cmd":"logs","args":"lines"})"
       "\n",
       "bad_request"},
      {R"({"v":1,"id":1,"cmd":"status\u0000"})"
       "\n",
       "unknown_command"},
      {std::string("{\"v\":1,\"cmd\":\"status") + '\0' + "\"}\n", "bad_request"},
  };
  for (const auto& [bytes, code] : cases) {
    const int fd = connectRaw();
    ASSERT_GE(fd, 0);
    const std::string line = exchange(fd, bytes);
    ::close(fd);
    const json answer = json::parse(line, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << "for " << bytes << " got: " << line;
    EXPECT_FALSE(answer.value("ok", true)) << line;
    EXPECT_EQ(answer["error"].value("code", ""), code) << "for " << bytes << " got: " << line;
  }

  // A line longer than the limit is refused and the connection closed.
  const int fd = connectRaw();
  ASSERT_GE(fd, 0);
  const std::string huge = exchange(fd, std::string(200 * 1024, 'x'));
  ::close(fd);
  EXPECT_NE(huge.find("request_too_large"), std::string::npos) << huge;

  // Several requests on one connection are answered in order, ids echoed.
  const int many = connectRaw();
  ASSERT_GE(many, 0);
  const json first = json::parse(exchange(many, R"({"v":1,"id":"a","cmd":"status"})"
                                                "\n"),
                                 nullptr, false);
  const json second = json::parse(exchange(many, R"({"v":1,"id":2,"cmd":"printers"})"
                                                 "\n"),
                                  nullptr, false);
  ::close(many);
  EXPECT_EQ(first.value("id", json()), "a");
  EXPECT_TRUE(first.value("ok", false)) << first.dump();
  EXPECT_EQ(second.value("id", json()), 2);

  // And the agent still serves printrelayctl.
  EXPECT_EQ(ctl({"status"}).exitCode, 0);
}

} // namespace
} // namespace printrelay::testing
