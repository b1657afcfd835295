// Checks the test infrastructure itself against real parts: a private cupsd with a raw queue
// delivering to a PrinterSink, child processes, the file scan and the throwaway PKI.

#include "common/util/encoding.h"
#include "tests/support/cupsd_fixture.h"
#include "tests/support/file_scan.h"
#include "tests/support/printer_sink.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <random>
#include <regex>

namespace printrelay::testing {
namespace {

using namespace std::chrono_literals;

/// Random bytes with `marker` planted in the middle; the size is not a multiple of 64 KiB.
std::string documentWithMarker(std::size_t size, const std::string& marker) {
  std::mt19937_64 rng(size);
  std::string doc(size, '\0');
  for (auto& c : doc) {
    c = static_cast<char>(rng());
  }
  doc.replace(size / 2, marker.size(), marker);
  return doc;
}

int jobIdFromLp(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(request id is \S+-(\d+))"))) {
    throw std::runtime_error("unexpected lp output: " + out);
  }
  return std::stoi(m[1]);
}

TEST(CupsdFixtureTest, RawQueueDeliversExactBytesToThePrinterSink) {
  PrinterSink printer;
  CupsdFixture cupsd;
  cupsd.addQueue("shop-raw", printer.deviceUri());

  TempDir work;
  const std::string marker = "PRINTRELAY-FIXTURE-" + std::to_string(::getpid());
  const std::string document = documentWithMarker(3 * 1024 * 1024 + 12345, marker);
  const auto file = work.writeFile("document.bin", document);

  const auto lp =
      cupsd.runClient({"lp", "-d", "shop-raw", "-o", "raw", "-o", "media=iso_a4_210x297mm", "-o",
                       "sides=two-sided-long-edge", file.string()});
  ASSERT_TRUE(lp.status.success()) << lp.describe() << cupsd.report();
  const int jobId = jobIdFromLp(lp.out);

  ASSERT_TRUE(printer.waitForJobs(1, 60s)) << cupsd.report();
  const auto jobs = printer.jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].size(), document.size());
  EXPECT_TRUE(jobs[0] == document) << "the printer received different bytes";

  const auto attrs = cupsd.waitForJobState(jobId, "completed", 30s);
  EXPECT_EQ(attrs.at("media"), "iso_a4_210x297mm");
  EXPECT_EQ(attrs.at("sides"), "two-sided-long-edge");
  EXPECT_EQ(attrs.at("job-printer-uri").substr(attrs.at("job-printer-uri").rfind('/') + 1),
            "shop-raw");

  const auto lpstat = cupsd.runClient({"lpstat", "-W", "completed", "-o", "shop-raw"});
  ASSERT_TRUE(lpstat.status.success()) << lpstat.describe();
  EXPECT_NE(lpstat.out.find("shop-raw-" + std::to_string(jobId)), std::string::npos) << lpstat.out;

  // Stock CUPS keeps the document in its spool after printing; the scan must see it there.
  const auto findings = findFilesContaining({cupsd.root()}, markerForms(marker));
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].file.parent_path(), cupsd.spoolDir());
}

TEST(CupsdFixtureTest, RawQueueRepeatsTheDocumentForCopies) {
  PrinterSink printer;
  CupsdFixture cupsd(CupsdOptions{.preserveJobFiles = false});
  cupsd.addQueue("copies", printer.deviceUri());
  TempDir work;
  const std::string marker = "PRINTRELAY-COPIES-MARKER";
  const std::string document = documentWithMarker(100'000, marker);
  const auto file = work.writeFile("document.bin", document);

  const auto lp = cupsd.runClient({"lp", "-d", "copies", "-o", "raw", "-n", "3", file.string()});
  ASSERT_TRUE(lp.status.success()) << lp.describe();
  const int jobId = jobIdFromLp(lp.out);

  ASSERT_TRUE(printer.waitForJobs(1, 60s)) << cupsd.report();
  const auto attrs = cupsd.waitForJobState(jobId, "completed", 30s);
  EXPECT_EQ(attrs.at("copies"), "3");
  // The socket backend sends a raw job once per copy, over one connection.
  EXPECT_TRUE(printer.jobs().at(0) == document + document + document);
  ASSERT_EQ(cupsd.jobs("copies").size(), 1u);
  EXPECT_EQ(cupsd.jobs("copies")[0].at("job-id"), std::to_string(jobId));

  // With PreserveJobFiles No the spool forgets the document once the job is done.
  const auto findings = findFilesContaining({cupsd.root()}, markerForms(marker));
  EXPECT_TRUE(findings.empty()) << describe(findings);
}

TEST(ProcessTest, CapturesOutputWaitsForALineAndReportsExitStatus) {
  TempDir dir;
  Process shell(ProcessSpec{
      .argv = {"sh", "-c", "echo starting; echo \"ready on $GREETING\"; echo oops >&2; exit 7"},
      .env = {{"GREETING", "port 42"}},
      .outputDir = dir.path(),
      .name = "shell",
  });
  EXPECT_EQ(shell.waitForStdoutLine(std::regex("^ready on (.*)$"), 10s), "ready on port 42");
  const auto status = shell.waitForExit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 7);
  EXPECT_EQ(shell.stderrText(), "oops\n");
  EXPECT_EQ(shell.stdoutPath().parent_path(), dir.path());
}

TEST(ProcessTest, StopsAProcessThatIgnoresSigterm) {
  Process stubborn(ProcessSpec{.argv = {"sh", "-c", "trap '' TERM; echo up; sleep 60 & wait"},
                               .env = {},
                               .outputDir = {},
                               .name = {}});
  stubborn.waitForStdoutLine(std::regex("^up$"), 10s);
  const auto status = stubborn.stop(300ms);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_FALSE(stubborn.running());
}

TEST(ProcessTest, WaitForLineFailsWhenTheProcessExitsFirst) {
  Process quitter(ProcessSpec{
      .argv = {"sh", "-c", "echo nope; exit 3"}, .env = {}, .outputDir = {}, .name = {}});
  EXPECT_THROW(quitter.waitForStdoutLine(std::regex("listening"), 10s), std::runtime_error);
}

TEST(FileScanTest, FindsTheMarkerRawHexAndBase64AtEveryAlignment) {
  TempDir dir;
  const std::string marker = "PRINTRELAY-SCAN-MARKER-0123456789";
  for (std::size_t align = 0; align < 3; ++align) {
    const std::string doc = std::string(10 + align, 'x') + marker + "tail";
    dir.writeFile("b64-" + std::to_string(align), base64Encode(asBytes(doc)));
  }
  dir.writeFile("nested/dir/raw.wal", "before" + marker + "after");
  dir.writeFile("hex", "00" + hexEncode(asBytes(marker)) + "ff");
  dir.writeFile("clean", "nothing to see");
  const auto findings = findFilesContaining({dir.path(), dir / "absent"}, markerForms(marker));
  EXPECT_EQ(findings.size(), 5u) << describe(findings);
  for (const auto& f : findings) {
    EXPECT_NE(f.file.filename(), "clean");
  }
}

TEST(TestPkiTest, ServerCertificateVerifiesAgainstTheCaForLoopback) {
  TempDir dir;
  const auto pki = generateTestPki(dir.path());
  auto load = [](const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    return cert;
  };
  X509* ca = load(pki.caCert);
  X509* server = load(pki.serverCert);
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(server, nullptr);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, server, nullptr);
  X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx), "127.0.0.1");
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  EXPECT_EQ(X509_check_host(server, "localhost", 0, 0, nullptr), 1);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(server);
  X509_free(ca);
  EXPECT_EQ(std::filesystem::status(pki.serverKey).permissions() &
                std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

} // namespace
} // namespace printrelay::testing
