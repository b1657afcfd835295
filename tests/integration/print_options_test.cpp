// Printers, their abilities and print options with real parts (issue 4): the agent reports what
// CUPS says each queue can do and the cloud shows it; an order's options (copies, sides,
// page-ranges, orientation-requested, number-up, …) reach the CUPS job as its attributes; and
// routing passes over a queue that cannot print the order.
//
// Two queues: "shop-printer" (kQueue), raw, delivering to the PrinterSink; and "shop-simplex",
// a queue with a small PPD of our own (A4 and Letter, color, no duplex). The agent's configured
// printer is shop-simplex, so a two-sided order must be routed past it to shop-printer.

#include "tests/integration/shop_fixture.h"

namespace printrelay::testing {
namespace {

constexpr const char* kSimplexQueue = "shop-simplex";

// A PostScript printer description without a Duplex option: CUPS reports sides-supported
// one-sided only. Its jobs would go through CUPS filters, but none is ever sent there.
constexpr const char* kSimplexPpd = R"PPD(*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "PRSIMPLX.PPD"
*Manufacturer: "PrintRelay"
*Product: "(Simplex Test Printer)"
*ModelName: "PrintRelay Simplex"
*ShortNickName: "PrintRelay Simplex"
*NickName: "PrintRelay Simplex Test Printer"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: True
*DefaultColorSpace: RGB
*FileSystem: False
*Throughput: "1"
*TTRasterizer: Type42
*OpenUI *PageSize/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageSize
*DefaultPageSize: A4
*PageSize A4/A4: "<</PageSize[595 842]/ImagingBBox null>>setpagedevice"
*PageSize Letter/US Letter: "<</PageSize[612 792]/ImagingBBox null>>setpagedevice"
*CloseUI: *PageSize
*OpenUI *PageRegion/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageRegion
*DefaultPageRegion: A4
*PageRegion A4/A4: "<</PageSize[595 842]/ImagingBBox null>>setpagedevice"
*PageRegion Letter/US Letter: "<</PageSize[612 792]/ImagingBBox null>>setpagedevice"
*CloseUI: *PageRegion
*DefaultImageableArea: A4
*ImageableArea A4/A4: "18 36 577 806"
*ImageableArea Letter/US Letter: "18 36 594 756"
*DefaultPaperDimension: A4
*PaperDimension A4/A4: "595 842"
*PaperDimension Letter/US Letter: "612 792"
*DefaultFont: Courier
*Font Courier: Standard "(002.004S)" Standard ROM
)PPD";

class PrintOptionsTest : public ShopFixture {
protected:
  PrintOptionsTest() { agentPrinter_ = kSimplexQueue; }

  void addPrinters() override {
    ShopFixture::addPrinters();
    const auto ppd = dir_.writeFile("simplex.ppd", kSimplexPpd);
    const auto added = cupsd_->runClient(
        {"lpadmin", "-p", kSimplexQueue, "-v", "file:///dev/null", "-P", ppd.string(), "-E"});
    ASSERT_TRUE(added.status.success()) << added.describe() << cupsd_->report();
  }

  /// The store's printers once the cloud shows both queues with their abilities.
  json waitForReportedPrinters(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json printers;
    while (std::chrono::steady_clock::now() < deadline) {
      printers = api("GET", "/api/v1/stores/" + storeId_, "").value("printers", json::array());
      const auto withAbilities = std::count_if(
          printers.begin(), printers.end(), [](const json& p) { return p.contains("abilities"); });
      if (printers.size() == 2 && withAbilities == 2) {
        return printers;
      }
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "the cloud does not show both printers with abilities: " << printers.dump();
    return printers;
  }

  static json printerNamed(const json& printers, const std::string& name) {
    for (const auto& p : printers) {
      if (p.value("name", "") == name) {
        return p;
      }
    }
    return json::object();
  }
};

TEST_F(PrintOptionsTest, TheCloudShowsWhatCupsSaysEachPrinterCanDo) {
  const json printers = waitForReportedPrinters(60s);
  ASSERT_EQ(printers.size(), 2u) << printers.dump();

  const json simplex = printerNamed(printers, kSimplexQueue);
  EXPECT_EQ(simplex.value("agent_printer", false), true) << simplex.dump();
  EXPECT_EQ(simplex.value("state", ""), "idle");
  EXPECT_EQ(simplex.value("accepting", false), true);
  const json& s = simplex["abilities"];
  EXPECT_EQ(s["media_supported"], json({"iso_a4_210x297mm", "na_letter_8.5x11in"})) << s.dump();
  EXPECT_EQ(s["media_default"], "iso_a4_210x297mm");
  EXPECT_EQ(s["sides_supported"], json({"one-sided"}));
  EXPECT_EQ(s["color_modes_supported"], json({"monochrome", "color"}));
  EXPECT_EQ(s["copies_min"], 1);
  EXPECT_GE(s["copies_max"].get<int>(), 99);
  EXPECT_EQ(s["page_ranges_supported"], true);
  EXPECT_EQ(s["number_up_supported"], json({1, 2, 4, 6, 9, 16}));
  EXPECT_EQ(s["orientations_supported"],
            json({"portrait", "landscape", "reverse-landscape", "reverse-portrait"}));

  const json raw = printerNamed(printers, kQueue);
  EXPECT_EQ(raw.value("agent_printer", true), false);
  const json& r = raw["abilities"];
  // A raw queue describes no media, sides or color: nothing is refused for them.
  EXPECT_EQ(r["media_supported"], json::array()) << r.dump();
  EXPECT_EQ(r["sides_supported"], json::array());
  EXPECT_EQ(r["number_up_supported"], json({1, 2, 4, 6, 9, 16}));
  EXPECT_NE(std::find(r["document_formats"].begin(), r["document_formats"].end(),
                      "application/octet-stream"),
            r["document_formats"].end());

  // A change at the shop reaches the cloud: the simplex queue stops accepting jobs.
  const auto reject = cupsd_->runClient({"cupsreject", kSimplexQueue});
  ASSERT_TRUE(reject.status.success()) << reject.describe();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    const json now = api("GET", "/api/v1/stores/" + storeId_, "").value("printers", json::array());
    seen = printerNamed(now, kSimplexQueue).value("accepting", true) == false;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_TRUE(seen) << "the cloud still shows " << kSimplexQueue << " accepting jobs";
}

TEST_F(PrintOptionsTest, EveryOptionReachesTheCupsJobOnAPrinterThatCanDoIt) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  waitForReportedPrinters(60s);
  const std::string marker = uniqueMarker();
  const std::string document = makeDocument(64 * 1024 + 17, marker, 9); // about 11 pages
  const json options = {{"copies", 2},
                        {"media", "iso_a4_210x297mm"},
                        {"sides", "two-sided-long-edge"},
                        {"print-color-mode", "color"},
                        {"page-ranges", "1-2"},
                        {"orientation-requested", "landscape"},
                        {"number-up", 2}};
  const std::string orderId = createOrder("text/plain", options);
  ASSERT_FALSE(orderId.empty());
  uploadDocument(orderId, "text/plain", document);

  const json order = waitForOrderState(orderId, "printed", 120s);
  ASSERT_EQ(order.value("state", ""), "printed") << order.dump();
  // The agent's printer (shop-simplex) has no duplex: the job went to the one that has.
  EXPECT_EQ(order.value("printer", ""), kQueue) << order.dump();
  bool counted = false;
  for (const auto& entry : order.value("history", json::array())) {
    counted = counted || entry.value("note", "").rfind("agent counted ", 0) == 0;
  }
  EXPECT_TRUE(counted) << "the agent's page count is in the history: " << order.dump();

  const int cupsJobId = reportedSpoolerJobId(order);
  ASSERT_GT(cupsJobId, 0) << order.dump();
  const auto attrs = cupsd_->waitForJobState(cupsJobId, "completed", 30s);
  EXPECT_EQ(attrs.at("job-printer-uri").substr(attrs.at("job-printer-uri").rfind('/') + 1), kQueue);
  EXPECT_EQ(attrs.at("copies"), "2");
  EXPECT_EQ(attrs.at("media"), "iso_a4_210x297mm");
  EXPECT_EQ(attrs.at("sides"), "two-sided-long-edge");
  EXPECT_EQ(attrs.at("print-color-mode"), "color");
  EXPECT_EQ(attrs.at("page-ranges"), "1-2");
  EXPECT_EQ(attrs.at("orientation-requested"), "landscape");
  EXPECT_EQ(attrs.at("number-up"), "2");
  EXPECT_TRUE(cupsd_->jobs(kSimplexQueue).empty()) << "nothing went to the simplex queue";

  // A raw queue hands the document over untouched, once per copy.
  ASSERT_TRUE(printer_.waitForJobs(1, 30s));
  EXPECT_TRUE(printer_.jobs().at(0) == repeat(document, 2)) << "the printer got other bytes";

  // The agent said why it passed over its own printer.
  const std::string log = agent_->stdoutText() + agent_->stderrText();
  EXPECT_NE(log.find(std::string(kSimplexQueue) + ": sides two-sided-long-edge is not possible"),
            std::string::npos)
      << log.substr(log.size() > 6000 ? log.size() - 6000 : 0);

  const auto leftovers = plaintextLeftovers(marker);
  EXPECT_TRUE(leftovers.empty()) << "plaintext found in:\n" << describe(leftovers);
}

TEST_F(PrintOptionsTest, ADocumentThatIsNotWhatTheOrderSaysFailsWithAClearMessage) {
  ASSERT_NO_FATAL_FAILURE(createCustomer());
  // Sealed by the client, so only the agent sees the bytes: a text file declared as a PDF.
  const std::string document = makeDocument(4096, uniqueMarker(), 11);
  const std::string orderId = createOrder("application/pdf", json::object(), 1);
  ASSERT_FALSE(orderId.empty());
  const std::string sealed = sealForStore(orderId, document);
  uploadDocument(orderId, std::string(envelope::kMediaType), sealed);

  const auto deadline = std::chrono::steady_clock::now() + 120s;
  json order;
  while (std::chrono::steady_clock::now() < deadline) {
    order = getOrder(orderId);
    if (order.value("state", "") == "failed") {
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(order.value("state", ""), "failed") << order.dump();
  const std::string note = order["history"].back().value("note", "");
  EXPECT_NE(note.find("document_type_mismatch: the order says the document is application/pdf "
                      "but its bytes are text/plain"),
            std::string::npos)
      << order.dump();
  EXPECT_EQ(printer_.jobCount(), 0u);
  EXPECT_TRUE(cupsd_->jobs(kQueue).empty());
}

} // namespace
} // namespace printrelay::testing
