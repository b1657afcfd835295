// The whole path with real parts (see shop_fixture.h): a customer uploads a document
// (plaintext for the cloud to seal, or sealed on the client), the agent prints it, and the test
// checks the bytes at the "printer", the order's history, the options on the CUPS job, and that
// no file anywhere kept the document in the clear.

#include "tests/integration/shop_fixture.h"

namespace printrelay::testing {
namespace {

class EndToEndTest : public ShopFixture {};

const json kOptions = {{"copies", 2},
                       {"media", "iso_a5_148x210mm"},
                       {"sides", "two-sided-long-edge"},
                       {"print-color-mode", "color"}};

TEST_F(EndToEndTest, PlaintextUploadIsSealedByTheCloudAndPrintedExactly) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const std::string marker = uniqueMarker();
  // Several MiB and not a multiple of the 64 KiB chunk, so the last chunk is a short one.
  const std::string document = makeDocument(5 * 1024 * 1024 + 12345, marker, 1);
  ASSERT_NE(document.size() % envelope::kDefaultChunkSize, 0u);

  const std::string orderId = createOrder("text/plain", kOptions);
  ASSERT_FALSE(orderId.empty());
  uploadDocument(orderId, "text/plain", document);
  expectPrintedExactly(orderId, document, marker, kOptions);
}

TEST_F(EndToEndTest, ClientSealedUploadIsPrintedExactly) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const std::string marker = uniqueMarker();
  // A real PDF: the agent counts its pages before printing.
  const std::string document = makePdf(makeDocument(3 * 1024 * 1024 + 777, marker, 2));
  ASSERT_NE(document.size() % envelope::kDefaultChunkSize, 0u);
  const json options = {{"copies", 1},
                        {"media", "na_letter_8.5x11in"},
                        {"sides", "two-sided-short-edge"},
                        {"print-color-mode", "monochrome"}};

  const std::string orderId = createOrder("application/pdf", options, 1);
  ASSERT_FALSE(orderId.empty());
  ASSERT_EQ(envelope::keyIdFor(base64Decode(storePublicKey_)), storeKeyId_);
  const std::string sealed = sealForStore(orderId, document);
  ASSERT_EQ(sealed.find(marker), std::string::npos);

  uploadDocument(orderId, std::string(envelope::kMediaType), sealed);
  expectPrintedExactly(orderId, document, marker, options);
}

TEST_F(EndToEndTest, MorePagesThanQuotedWaitForTheShopThenPrint) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  // The client declares one page but seals three: only the agent can count them.
  const std::string document = testPdf(3, {uniqueMarker()});
  const std::string orderId = createOrder("application/pdf", json{{"copies", 1}}, 1);
  ASSERT_FALSE(orderId.empty());
  const std::string sealed = sealForStore(orderId, document);
  uploadDocument(orderId, std::string(envelope::kMediaType), sealed);

  const json held = waitForOrderState(orderId, "held", 60s);
  EXPECT_EQ(held.value("hold_reason", ""), "page_count") << held.dump();
  EXPECT_EQ(held["pages"]["agent"], 3) << held.dump();
  EXPECT_EQ(held["pages"]["quoted"], 1) << held.dump();
  EXPECT_EQ(printer_.jobCount(), 0u) << "nothing is printed before the shop approves";
  // A pickup code cannot release it: there is none, and this hold is the shop's to lift.

  const json approved = api("POST", "/api/v1/shop/orders/" + orderId + "/approve-pages",
                            adminToken_, json::object(), 200);
  EXPECT_EQ(approved.value("state", ""), "queued") << approved.dump();
  const json printed = waitForOrderState(orderId, "printed", 60s);
  EXPECT_EQ(printed["pages"]["quoted"], 3) << printed.dump();
  EXPECT_TRUE(printer_.waitForJobs(1, 30s));
}

TEST_F(EndToEndTest, CustomerCliSealsLocallyAndThePrintMatches) {
  if (customerCliBinary().empty()) {
    GTEST_SKIP() << "the printrelay CLI is not part of this build";
  }
  const std::string marker = uniqueMarker();
  const std::string document = makeDocument(2 * 1024 * 1024 + 99, marker, 4);
  TempDir customer("printrelay-customer");
  const auto file = customer.writeFile("flyer.txt", document);
  const json options = {{"copies", 3},
                        {"media", "iso_a4_210x297mm"},
                        {"sides", "two-sided-long-edge"},
                        {"print-color-mode", "auto"}};
  ASSERT_NO_FATAL_FAILURE(createCustomer()); // the CLI no longer makes guests

  const auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{customerCliBinary().string(), "--cloud", baseUrl_, "--ca-file",
                                  pki_.caCert.string(),         "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(ProcessSpec{.argv = std::move(argv),
                           .env = {{"PRINTRELAY_TOKEN", customerToken_}},
                           .outputDir = customer.path(),
                           .name = "printrelay-cli"},
               120s);
  };
  const auto send = cli({"send", "--store", storeId_, file.string(), "--seal", "local", "--copies",
                         "3", "--media", "iso_a4_210x297mm", "--sides", "two-sided-long-edge",
                         "--color-mode", "auto"});
  ASSERT_TRUE(send.status.success()) << send.describe();
  const json sent = json::parse(send.out, nullptr, false);
  ASSERT_TRUE(sent.is_object()) << send.out;
  EXPECT_EQ(sent.value("sealed", ""), "local");
  const std::string orderId = sent.value("order_id", "");
  ASSERT_FALSE(orderId.empty()) << send.out;

  const auto status =
      cli({"--token", customerToken_, "status", orderId, "--wait", "printed", "--timeout", "120"});
  EXPECT_TRUE(status.status.success()) << status.describe();
  expectPrintedExactly(orderId, document, marker, options);
}

TEST_F(EndToEndTest, AgentKilledWhilePrintingDoesNotPrintTwice) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const std::string marker = uniqueMarker();
  const std::string document = makeDocument(4 * 1024 * 1024 + 4242, marker, 3);
  const json options = {{"copies", 1},
                        {"media", "iso_a4_210x297mm"},
                        {"sides", "one-sided"},
                        {"print-color-mode", "monochrome"}};

  // The printer takes no connection yet: the CUPS job stays processing, mid-way.
  printer_.hold();
  const std::string orderId = createOrder("text/plain", options);
  ASSERT_FALSE(orderId.empty());
  uploadDocument(orderId, "text/plain", document);
  const json printing = waitForOrderState(orderId, "printing", 60s);
  ASSERT_EQ(printing.value("state", ""), "printing");
  const int cupsJobId = reportedSpoolerJobId(printing);
  ASSERT_GT(cupsJobId, 0) << printing.dump();
  cupsd_->waitForJobState(cupsJobId, "processing", 30s);

  // A crash: no chance to clean up. Then the service manager starts it again.
  agent_->signal(SIGKILL);
  ASSERT_TRUE(agent_->waitForExit(10s).has_value());
  startAgent();
  printer_.release();

  ASSERT_NO_FATAL_FAILURE(expectPrintedExactly(orderId, document, marker, options));
  // Give the restarted agent a few more polls: still one job at the printer and in CUPS.
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(printer_.jobCount(), 1u);
  EXPECT_EQ(cupsd_->jobs(kQueue).size(), 1u);
}

/// A shop that left CUPS as it comes (PreserveJobFiles: documents kept a day) and the agent as it
/// comes (purge_spooler_jobs = true): the agent's purge must leave no document in the spool.
class StockCupsEndToEndTest : public EndToEndTest {
protected:
  StockCupsEndToEndTest() {
    cupsdOptions_ = CupsdOptions{.preserveJobFiles = true};
    purgeSpoolerJobs_ = true;
  }
};

TEST_F(StockCupsEndToEndTest, PrintedJobIsPurgedFromTheSpool) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  const std::string marker = uniqueMarker();
  const std::string document = makeDocument(1024 * 1024 + 321, marker, 5);
  const json options = {{"copies", 1},
                        {"media", "iso_a4_210x297mm"},
                        {"sides", "one-sided"},
                        {"print-color-mode", "monochrome"}};
  const std::string orderId = createOrder("text/plain", options);
  ASSERT_FALSE(orderId.empty());
  uploadDocument(orderId, "text/plain", document);

  const json order = waitForOrderState(orderId, "printed", 120s);
  ASSERT_EQ(order.value("state", ""), "printed");
  ASSERT_TRUE(printer_.waitForJobs(1, 30s));
  EXPECT_TRUE(printer_.jobs().front() == document) << "the printer received different bytes";

  // The agent purges the CUPS job right after recording it printed: its document file and
  // its record go from the spool (stock CUPS would keep the document for a day).
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::vector<Finding> inSpool;
  std::size_t cupsJobs = 0;
  do {
    std::this_thread::sleep_for(200ms);
    inSpool = findFilesContaining({cupsd_->spoolDir()}, markerForms(marker));
    cupsJobs = cupsd_->jobs(kQueue).size();
  } while ((!inSpool.empty() || cupsJobs != 0) && std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(inSpool.empty()) << "the document is still in the spool:\n" << describe(inSpool);
  EXPECT_EQ(cupsJobs, 0u) << "the CUPS job was not purged";

  const auto leftovers = plaintextLeftovers(marker);
  EXPECT_TRUE(leftovers.empty()) << "plaintext found in:\n" << describe(leftovers);
}

} // namespace
} // namespace printrelay::testing
