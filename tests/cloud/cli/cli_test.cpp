// The customer CLI (`printrelay`) and the server binary (`printrelay-cloud`) as real processes.
#include "common/crypto/envelope.h"
#include "tests/cloud/cli/cli_fixture.h"
#include "tests/cloud/test_documents.h"
#include "tests/support/binaries.h"
#include "tests/support/file_scan.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

#include <csignal>
#include <regex>

namespace printrelay::cloud::testing {
namespace {

using printrelay::testing::ProcessSpec;
using printrelay::testing::RunResult;
using namespace std::chrono_literals;

TEST_F(CliTest, RegisterVerifyLoginRefreshAndLogout) {
  const std::map<std::string, std::optional<std::string>> password{
      {"PRINTRELAY_PASSWORD", std::string(kPassword)}};
  const auto reg = cli({"register", "--email", "cli@example.com", "--name", "Cli"}, password);
  ASSERT_TRUE(reg.status.success()) << reg.describe();
  const auto mails = waitForMailFiles(1);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(mails[0], m, std::regex(R"((https?://\S+verify\?token=\S+))")));
  const auto verified = cli({"--json", "verify", m[1].str()});
  ASSERT_TRUE(verified.status.success()) << verified.describe();
  EXPECT_EQ(jsonOut(verified)["status"], "verified");

  const auto loggedIn = cli({"--json", "login", "--email", "cli@example.com"}, password);
  ASSERT_TRUE(loggedIn.status.success()) << loggedIn.describe();
  EXPECT_EQ(jsonOut(loggedIn)["user"]["role"], "customer");
  const auto file = dir_->path() / "xdg" / "printrelay" / "credentials.json";
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string before = printrelay::testing::readFile(file);
  EXPECT_TRUE(cli({"orders"}).status.success());

  clock_.advance(settings_.accessTokenTtlSeconds + 1); // the access token expired: refreshed
  const auto orders = cli({"--json", "orders"});
  ASSERT_TRUE(orders.status.success()) << orders.describe();
  EXPECT_NE(printrelay::testing::readFile(file), before);

  const auto out = cli({"logout"});
  ASSERT_TRUE(out.status.success()) << out.describe();
  const auto after = cli({"orders"});
  EXPECT_EQ(after.status.code, 2) << after.describe(); // no session any more
  const auto wrong = cli({"login", "--email", "cli@example.com"},
                         {{"PRINTRELAY_PASSWORD", std::string("not the password")}});
  EXPECT_EQ(wrong.status.code, 1) << wrong.describe();
  EXPECT_NE(wrong.err.find("invalid_credentials"), std::string::npos) << wrong.err;
}

TEST_F(CliTest, AdminCreatesAStoreAndAnEnrollmentCode) {
  const auto store = cli({"--admin-token", kAdminToken, "--json", "admin", "create-store", "--name",
                          "CLI Shop", "--address", "2 Road", "--lat", "48.1", "--lon", "11.5"});
  ASSERT_TRUE(store.status.success()) << store.describe();
  const std::string storeId = jsonOut(store).value("id", "");
  ASSERT_FALSE(storeId.empty()) << store.out;
  const auto code = cli({"admin", "enrollment-code", storeId, "--json"},
                        {{"PRINTRELAY_ADMIN_TOKEN", std::string(kAdminToken)}});
  ASSERT_TRUE(code.status.success()) << code.describe();
  EXPECT_FALSE(jsonOut(code).value("code", "").empty());
  const auto stores = cli({"stores"});
  ASSERT_TRUE(stores.status.success()) << stores.describe();
  EXPECT_NE(stores.out.find("CLI Shop"), std::string::npos) << stores.out;
}

TEST_F(CliTest, SendSealsLocallyAndStatusFollowsTheOrder) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string marker = "CLI-LOCAL-SEAL-MARKER-4b1d";
  const std::string document = marker + "\nsecond line\n";
  const auto file = dir_->writeFile("note.txt", document);

  const std::string token = customerToken();
  const auto sent = cli({"--json", "send", "--store", storeId, "--copies", "2", "--media",
                         "na_letter_8.5x11in", file.string()},
                        {{"PRINTRELAY_TOKEN", token}});
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  const json out = jsonOut(sent);
  const std::string orderId = out.value("order_id", "");
  ASSERT_FALSE(orderId.empty()) << sent.out;
  ASSERT_FALSE(token.empty()) << sent.out;
  EXPECT_EQ(out["state"], "queued");
  // Counted here before sealing: the order is quoted on the client's count.
  EXPECT_EQ(out["order"]["pages"]["client"], 1);
  EXPECT_EQ(out["order"]["pages"]["quoted"], 1);
  EXPECT_EQ(out["order"]["pages"]["source"], "client");

  // The agent gets it, opens it with its key, and it is exactly the file.
  const json offer = pollNow(agent)[0];
  EXPECT_EQ(offer["options"]["copies"], 2);
  EXPECT_EQ(offer["options"]["media"], "na_letter_8.5x11in");
  EXPECT_EQ(offer["content_type"], "text/plain");
  const auto fetched =
      request("GET", "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() + "/document",
              agent.credential);
  EXPECT_EQ(open(agent, orderId, fetched.body), document);
  const auto findings = printrelay::testing::findFilesContaining(
      {settings_.dataDir}, printrelay::testing::markerForms(marker));
  EXPECT_TRUE(findings.empty()) << printrelay::testing::describe(findings);

  const auto status = cli({"status", orderId, "--json"}, {{"PRINTRELAY_TOKEN", token}});
  ASSERT_TRUE(status.status.success()) << status.describe();
  EXPECT_EQ(jsonOut(status)["state"], "dispatched");

  // --wait for a state it will not reach in time: exit 3.
  const auto waited =
      cli({"--token", token, "status", orderId, "--wait", "printed", "--timeout", "0"});
  EXPECT_EQ(waited.status.code, 3) << waited.describe();
  EXPECT_NE(waited.err.find("wait_timeout"), std::string::npos) << waited.err;

  ASSERT_EQ(postEvent(agent, offer["job_id"],
                      {{"seq", 1}, {"lease_id", offer["lease_id"]}, {"state", "printed"}})
                .status,
            200);
  const auto printed = cli({"--token", token, "status", orderId, "--wait", "printed"});
  EXPECT_EQ(printed.status.code, 0) << printed.describe();
  EXPECT_NE(printed.out.find("printed"), std::string::npos) << printed.out;
}

TEST_F(CliTest, SendWithCloudSealingStreamsPlaintextOverTheWire) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string token = customerToken();
  std::vector<std::string> lines;
  for (int i = 0; i < 4000; ++i) {
    lines.push_back("CLOUD-SEAL-MARKER-91c2 object " + std::to_string(i));
  }
  const std::string document = pdfWithPages(3, lines);
  const auto file = dir_->writeFile("big.pdf", document);
  const auto sent = cli(
      {"--json", "--token", token, "send", "--store", storeId, "--seal", "cloud", file.string()});
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  const json out = jsonOut(sent);
  EXPECT_FALSE(out.contains("token")); // the given token was used
  // The cloud counted the plaintext; the CLI's own count is kept beside it.
  EXPECT_EQ(
      out["order"]["pages"],
      json({{"cloud", 3}, {"client", 3}, {"agent", nullptr}, {"quoted", 3}, {"source", "cloud"}}));
  const std::string orderId = out.value("order_id", "");
  const json offer = pollNow(agent)[0];
  EXPECT_EQ(offer["order_id"], orderId);
  const auto fetched =
      request("GET", "/api/v1/agent/jobs/" + offer["job_id"].get<std::string>() + "/document",
              agent.credential);
  EXPECT_EQ(open(agent, orderId, fetched.body), document);
  const auto findings = printrelay::testing::findFilesContaining(
      {settings_.dataDir}, printrelay::testing::markerForms("CLOUD-SEAL-MARKER-91c2"));
  EXPECT_TRUE(findings.empty()) << printrelay::testing::describe(findings);
}

TEST_F(CliTest, FailuresExitNonZeroWithTheErrorCode) {
  const std::string token = customerToken();
  const auto file = dir_->writeFile("doc.pdf", pdfWithPages(1));
  const auto unknownStore = cli({"--token", token, "send", "--store", "st_nope", file.string()});
  EXPECT_EQ(unknownStore.status.code, 1) << unknownStore.describe();
  EXPECT_NE(unknownStore.err.find("store_not_found"), std::string::npos) << unknownStore.err;

  const auto badOption =
      cli({"--token", token, "send", "--store", "st_x", "--copies", "zero", file.string()});
  EXPECT_EQ(badOption.status.code, 2) << badOption.describe();

  const auto noCommand = cli({});
  EXPECT_EQ(noCommand.status.code, 2);
  const auto unknownOrder = cli({"--token", token, "status", "ord_missing", "--json"});
  EXPECT_EQ(unknownOrder.status.code, 1);
  EXPECT_NE(unknownOrder.err.find("order_not_found"), std::string::npos) << unknownOrder.err;
  const auto noAdmin = cli({"admin", "enrollment-code", "st_x"});
  EXPECT_EQ(noAdmin.status.code, 2);
  const auto wrongAdmin = cli({"--admin-token", "wrong", "admin", "enrollment-code", "st_x"});
  EXPECT_EQ(wrongAdmin.status.code, 1);
  EXPECT_NE(wrongAdmin.err.find("invalid_credentials"), std::string::npos) << wrongAdmin.err;
}

TEST_F(CliTest, SendTellsTheTypeByTheBytesAndCountsPagesBeforeSealing) {
  const std::string storeId = createStore();
  const EnrolledAgent agent = enrollAgent(storeId);
  const std::string token = customerToken();
  // A PDF named .txt is sent as what it is, with its page count.
  const auto pdf = dir_->writeFile("actually-a.txt", pdfWithPages(4));
  const auto sent = cli({"--json", "--token", token, "send", "--store", storeId, pdf.string()});
  ASSERT_TRUE(sent.status.success()) << sent.describe();
  const json order = jsonOut(sent)["order"];
  EXPECT_EQ(order["document"]["content_type"], "application/pdf");
  EXPECT_EQ(order["pages"]["client"], 4);
  EXPECT_EQ(pollNow(agent)[0]["quoted_pages"], 4);

  // Refused here, before any order is made: not a document, a type that is not what the bytes
  // are, and a PDF that cannot be read.
  const auto exe = dir_->writeFile("setup.pdf", exeBytes());
  const auto refusedExe = cli({"--token", token, "send", "--store", storeId, exe.string()});
  EXPECT_EQ(refusedExe.status.code, 1) << refusedExe.describe();
  EXPECT_NE(refusedExe.err.find("unsupported_document"), std::string::npos) << refusedExe.err;
  const auto note = dir_->writeFile("note.txt", "just text\n");
  const auto mismatch = cli({"--token", token, "send", "--store", storeId, "--content-type",
                             "application/pdf", note.string()});
  EXPECT_EQ(mismatch.status.code, 1) << mismatch.describe();
  EXPECT_NE(mismatch.err.find("document_type_mismatch"), std::string::npos) << mismatch.err;
  const auto broken = dir_->writeFile("broken.pdf", "%PDF-1.4\nnot really\n");
  const auto unreadable = cli({"--token", token, "send", "--store", storeId, broken.string()});
  EXPECT_EQ(unreadable.status.code, 1) << unreadable.describe();
  EXPECT_NE(unreadable.err.find("document_unreadable"), std::string::npos) << unreadable.err;
  EXPECT_EQ(request("GET", "/api/v1/orders", token).asJson()["orders"].size(), 1u);
}

TEST_F(CliTest, RefusesPlainHttpToARemoteHost) {
  const auto r = printrelay::testing::run(spec({printrelay::testing::customerCliBinary().string(),
                                                "--cloud", "http://192.0.2.1:8080", "stores"}),
                                          60s);
  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_NE(r.err.find("config_invalid"), std::string::npos) << r.err;
}

/// The CLI against the server over HTTPS with a CA made for the test.
class CliTlsTest : public CliTest {
protected:
  void configure(CloudSettings& settings) override {
    pki_ = printrelay::testing::generateTestPki(dir_->makeDir("pki"));
    settings.tlsCert = pki_.serverCert.string();
    settings.tlsKey = pki_.serverKey.string();
    caFile_ = pki_.caCert;
  }
  printrelay::testing::TestPki pki_;
};

TEST_F(CliTlsTest, VerifiesTheServerCertificate) {
  ASSERT_EQ(baseUrl_.rfind("https://", 0), 0u);
  const auto ok = cli({"--json", "stores"});
  EXPECT_TRUE(ok.status.success()) << ok.describe();
  const auto noCa = printrelay::testing::run(
      spec({printrelay::testing::customerCliBinary().string(), "--cloud", baseUrl_, "stores"},
           {{"PRINTRELAY_CA_FILE", std::nullopt}}),
      60s);
  EXPECT_EQ(noCa.status.code, 1) << noCa.describe();
  EXPECT_NE(noCa.err.find("cloud_unreachable"), std::string::npos) << noCa.err;
  EXPECT_NE(noCa.err.find("cannot verify the TLS certificate of the cloud at " + baseUrl_),
            std::string::npos)
      << noCa.err;
  EXPECT_NE(noCa.err.find("--ca-file FILE (or PRINTRELAY_CA_FILE)"), std::string::npos) << noCa.err;
  EXPECT_EQ(noCa.err.find("SSLServerVerification"), std::string::npos) << noCa.err;
}

TEST_F(CliTlsTest, NamesTheWrongSchemeAndAClosedPortInWords) {
  const std::string plain = "http://" + baseUrl_.substr(std::string("https://").size());
  const auto wrongScheme =
      printrelay::testing::run(spec({printrelay::testing::customerCliBinary().string(), "--cloud",
                                     plain, "--json", "stores"}),
                               60s);
  EXPECT_EQ(wrongScheme.status.code, 1) << wrongScheme.describe();
  const json error = json::parse(wrongScheme.err, nullptr, false);
  ASSERT_TRUE(error.is_object()) << wrongScheme.err;
  EXPECT_EQ(error["error"]["code"], "cloud_unreachable");
  EXPECT_EQ(error["error"]["reason"], "wrong_scheme");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("Use " + baseUrl_), std::string::npos)
      << wrongScheme.err;

  const auto closed =
      printrelay::testing::run(spec({printrelay::testing::customerCliBinary().string(), "--cloud",
                                     "https://127.0.0.1:9", "stores"}),
                               60s);
  EXPECT_EQ(closed.status.code, 1) << closed.describe();
  EXPECT_NE(closed.err.find("Is the cloud running at that address and port? [cloud_unreachable]"),
            std::string::npos)
      << closed.err;
}

/// printrelay-cloud as a process: config file, the "listening" line, SIGTERM.
class CloudBinaryTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (printrelay::testing::cloudBinary().empty()) {
      GTEST_SKIP() << "printrelay-cloud is not part of this build";
    }
  }
  printrelay::testing::TempDir dir_{"printrelay-cloud-binary-test"};
};

TEST_F(CloudBinaryTest, ServesPrintsItsAddressAndStopsOnSigterm) {
  const auto data = dir_.path() / "data";
  const auto config = dir_.writeFile("cloud.conf", "listen = 127.0.0.1:0\n"
                                                   "data_dir = " +
                                                       data.string() + "\n");
  printrelay::testing::Process cloud(
      spec({printrelay::testing::cloudBinary().string(), "--config", config.string()},
           {{"PRINTRELAY_CLOUD_ADMIN_TOKEN", std::nullopt}, {"JOURNAL_STREAM", std::nullopt}},
           dir_.makeDir("logs")));
  const std::string line =
      cloud.waitForStdoutLine(std::regex(R"(^listening http://127\.0\.0\.1:\d+$)"), 30s);
  const std::string url = line.substr(std::string("listening ").size());
  httplib::Client client(url);
  auto health = client.Get("/api/v1/health");
  ASSERT_TRUE(health) << cloud.report();
  EXPECT_EQ(health->status, 200);

  // The generated admin token works, and its path (never the token) is logged.
  const std::string token = printrelay::testing::readFile(data / "admin.token");
  auto store = client.Post("/api/v1/admin/stores",
                           {{"Authorization", "Bearer " + token.substr(0, token.size() - 1)}},
                           R"({"name":"n","latitude":1,"longitude":2})", "application/json");
  ASSERT_TRUE(store);
  EXPECT_EQ(store->status, 201) << store->body;

  cloud.signal(SIGTERM);
  const auto status = cloud.waitForExit(30s);
  ASSERT_TRUE(status) << cloud.report();
  EXPECT_TRUE(status->success()) << status->describe() << cloud.report();
  EXPECT_EQ(cloud.stderrText().find(token.substr(0, token.size() - 1)), std::string::npos);
  EXPECT_NE(cloud.stderrText().find("admin.token"), std::string::npos);
  EXPECT_EQ(cloud.stdoutText(), line + "\n"); // exactly one line on stdout
}

TEST_F(CloudBinaryTest, PrintConfigRedactsTheAdminToken) {
  const auto r =
      printrelay::testing::run(spec({printrelay::testing::cloudBinary().string(), "--print-config"},
                                    {{"PRINTRELAY_CLOUD_ADMIN_TOKEN", "very-secret-admin-token"},
                                     {"PRINTRELAY_CLOUD_DATA_DIR", "/srv/pr"}}),
                               30s);
  ASSERT_TRUE(r.status.success()) << r.describe();
  EXPECT_EQ(r.out.find("very-secret-admin-token"), std::string::npos);
  EXPECT_NE(r.out.find("admin_token = <redacted>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("database = sqlite:/srv/pr/cloud.db"), std::string::npos) << r.out;
}

TEST_F(CloudBinaryTest, BadConfigurationExitsNonZero) {
  const auto config = dir_.writeFile(
      "bad.conf", "listen = 0.0.0.0:0\ndata_dir = " + (dir_.path() / "d").string() + "\n");
  const auto r = printrelay::testing::run(
      spec({printrelay::testing::cloudBinary().string(), "--config", config.string()}), 30s);
  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_NE(r.err.find("config_invalid"), std::string::npos) << r.err;
  const auto unknownKey = dir_.writeFile("unknown.conf", "colour = blue\n");
  const auto r2 = printrelay::testing::run(
      spec({printrelay::testing::cloudBinary().string(), "--config", unknownKey.string()}), 30s);
  EXPECT_EQ(r2.status.code, 1) << r2.describe();
}

} // namespace
} // namespace printrelay::cloud::testing
