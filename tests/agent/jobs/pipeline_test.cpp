// The processing pipeline end to end inside the agent: a cpp-httplib server plays the cloud
// and serves a real sealed envelope; FakePrintBackend captures what would reach the printer.

#include "agent/jobs/document_transfer.h"
#include "common/document/document.h"
#include "common/util/error.h"
#include "tests/agent/jobs/processor_fixture.h"

#include <gtest/gtest.h>

namespace printrelay::agent {
namespace {

using namespace testing;
using nlohmann::json;

constexpr std::uint32_t kChunk = 4096;

class PipelineTest : public ProcessorFixture {
protected:
  /// Offers a sealed document through the cloud and processes what the poll hands out.
  JobOutcome printThroughCloud(const protocol::JobOffer& offer, const Bytes& sealed) {
    cloud_.addOffer(offer, sealed);
    const auto offers = client_->pollJobs(1);
    EXPECT_EQ(offers.size(), 1u);
    const auto outcome = processor_->process(offers.at(0));
    reporter_->flush();
    return outcome;
  }

  /// Processes an offer that must fail before the spooler sees it; returns the message of the
  /// failure it reported.
  std::string failureBeforeTheSpooler(const protocol::JobOffer& offer, const Bytes& sealed) {
    EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Cancel);
    EXPECT_EQ(backend_.createCount(), 0);
    return cloud_.eventsFor(offer.jobId).at(0).body["message"];
  }
};

TEST_F(PipelineTest, TheBytesThatReachThePrinterAreTheOriginalDocument) {
  const Bytes document = textBytes(10 * kChunk + 123);
  const Bytes sealed = seal(key_, "order-j1", document, kChunk);
  cloud_.setDocumentPiece(1000); // pieces that do not line up with envelope chunks
  const auto offer = makeOffer("j1", key_, sealed);

  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Ok);

  ASSERT_EQ(backend_.jobs().size(), 1u);
  const auto job = backend_.jobs()[0];
  EXPECT_EQ(job.data, document);
  EXPECT_TRUE(job.finished);
  EXPECT_FALSE(job.aborted);
  EXPECT_EQ(job.printer, "Front");
  EXPECT_NE(job.title.find("j1"), std::string::npos);
  EXPECT_EQ(job.documentName, "flyer.txt");
  EXPECT_EQ(job.contentType, "text/plain") << "the type recognised from the bytes";
  for (auto size : job.writes) {
    EXPECT_LE(size, kSpoolerWritePiece) << "the document reaches the spooler in pieces";
  }
  EXPECT_EQ(journal_->find("j1")->state, JobState::Printing);
  EXPECT_EQ(journal_->find("j1")->spoolerJobId, job.id);

  ASSERT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "printing"}));
  const auto counted = cloud_.eventsFor("j1")[0].body;
  EXPECT_EQ(counted["pages"], document::countPages(document::Kind::Text, document));
  EXPECT_EQ(counted["content_type"], "text/plain");
  EXPECT_EQ(counted["lease_id"], offer.leaseId);
  EXPECT_EQ(counted["seq"], 1);
  const auto printing = cloud_.eventsFor("j1")[1].body;
  EXPECT_EQ(printing["spooler_job_id"], job.id);
  EXPECT_EQ(printing["printer"], "Front");
  EXPECT_EQ(printing["lease_id"], offer.leaseId);
  EXPECT_EQ(printing["seq"], 2);

  backend_.setStatus(job.id, SpoolerJobState::Completed);
  EXPECT_EQ(processor_->followJobs(), 0u);
  reporter_->flush();
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "printing", "printed"}));
  EXPECT_EQ(cloud_.eventsFor("j1")[2].body["seq"], 3);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Printed);
}

TEST_F(PipelineTest, PrintOptionsReachTheSpoolerJob) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(100), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.options.copies = 3;
  offer.options.sides = "two-sided-long-edge";
  offer.options.colorMode = "color";
  offer.options.media = "na_letter_8.5x11in";
  printThroughCloud(offer, sealed);
  const auto job = backend_.jobs().at(0);
  EXPECT_EQ(job.options.copies, 3);
  EXPECT_EQ(job.options.sides, "two-sided-long-edge");
  EXPECT_EQ(job.options.colorMode, "color");
  EXPECT_EQ(job.options.media, "na_letter_8.5x11in");
}

TEST_F(PipelineTest, ACorruptedEnvelopeFailsTheJobBeforeTheSpoolerSeesIt) {
  const Bytes document = textBytes(8 * kChunk);
  Bytes sealed = seal(key_, "order-j1", document, kChunk);
  const auto header = envelope::parseHeader(sealed);
  ASSERT_TRUE(header);
  // Flip one byte inside the third chunk's ciphertext.
  const std::size_t framed = (sealed.size() - header->headerSize) / 8;
  sealed[header->headerSize + 2 * framed + framed / 2] ^= 0x01;
  const auto offer = makeOffer("j1", key_, sealed);

  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Cancel);

  // The whole document is opened in memory before anything is printed: not a byte of it
  // reached the spooler.
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Failed);

  ASSERT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"failed"}));
  const std::string message = cloud_.eventsFor("j1")[0].body["message"];
  EXPECT_EQ(message.rfind("envelope_auth_failed", 0), 0u) << message;
}

TEST_F(PipelineTest, AnEnvelopeSealedForAnotherOrderIsRefused) {
  const Bytes sealed = seal(key_, "some-other-order", textBytes(3 * kChunk), kChunk);
  const auto offer = makeOffer("j1", key_, sealed);
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Cancel);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"failed"}));
}

TEST_F(PipelineTest, ATruncatedEnvelopeNeverFinishesTheDocument) {
  Bytes sealed = seal(key_, "order-j1", textBytes(5 * kChunk), kChunk);
  sealed.resize(sealed.size() - 100);
  const auto offer = makeOffer("j1", key_, sealed);
  const std::string message = failureBeforeTheSpooler(offer, sealed);
  EXPECT_EQ(message.rfind("envelope_", 0), 0u) << message;
}

TEST_F(PipelineTest, ALostLeaseGivesTheJobBackBeforeTheSpoolerSeesIt) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(kChunk), kChunk);
  const auto offer = makeOffer("j1", key_, sealed);
  cloud_.failDocument("j1", 409, "lease_expired");
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Retry);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Cancelled);
  EXPECT_NE(journal_->find("j1")->lastError.find("lease_expired"), std::string::npos);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"released"}));

  // Offered again under a new lease, it prints: nothing of it was printed before.
  cloud_.clearDocumentFailure("j1");
  auto again = offer;
  again.leaseId = "lease-j1-2";
  EXPECT_EQ(printThroughCloud(again, sealed), JobOutcome::Ok);
  ASSERT_EQ(backend_.jobs().size(), 1u);
  EXPECT_EQ(backend_.jobs()[0].data, textBytes(kChunk));
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"released", "counted", "printing"}));
}

TEST_F(PipelineTest, AReofferedCancelledJobPrintsInFull) {
  const Bytes document = textBytes(3 * kChunk);
  const Bytes sealed = seal(key_, "order-j1", document, kChunk);
  const auto offer = makeOffer("j1", key_, sealed);
  backend_.failWritesAfter(kChunk);
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Retry);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Cancelled);
  backend_.failWritesAfter(std::nullopt);

  auto again = offer;
  again.leaseId = "lease-j1-2";
  EXPECT_EQ(printThroughCloud(again, sealed), JobOutcome::Ok);
  ASSERT_EQ(backend_.jobs().size(), 2u);
  EXPECT_EQ(backend_.jobs()[1].data, document);
  EXPECT_EQ(cloud_.statesFor("j1"),
            (std::vector<std::string>{"counted", "released", "counted", "printing"}));
  EXPECT_EQ(cloud_.eventsFor("j1")[2].body["lease_id"], "lease-j1-2");
  EXPECT_EQ(cloud_.eventsFor("j1")[2].body["seq"], 3);
  EXPECT_EQ(cloud_.eventsFor("j1")[3].body["seq"], 4);
}

TEST_F(PipelineTest, UnsupportedOptionsFailTheJobBeforeTheSpoolerSeesIt) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(100), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.options.media = "iso_a3_297x420mm";
  const std::string message = failureBeforeTheSpooler(offer, sealed);
  EXPECT_EQ(cloud_.documentRequests(), 0);
  EXPECT_EQ(message.rfind("unsupported_option: no printer here can print this: Front: media "
                          "iso_a3_297x420mm is not available",
                          0),
            0u)
      << message;
}

TEST_F(PipelineTest, AMissingPrinterGivesTheJobBackAndStopsTheQueue) {
  backend_.setPrinters({});
  const Bytes sealed = seal(key_, "order-j1", textBytes(100), kChunk);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::StopQueue);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"released"}));
}

TEST_F(PipelineTest, StoppingMidDownloadGivesTheJobBack) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(20 * kChunk), kChunk);
  const auto offer = makeOffer("j1", key_, sealed);
  int pieces = 0;
  processor_ = std::make_unique<JobProcessor>(*journal_, *client_, backend_, key_, "",
                                              [&pieces] { return ++pieces < 4; });
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Retry);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Cancelled);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"released"}));
}

TEST_F(PipelineTest, StoppingWhileSendingCancelsTheSpoolerJobAndGivesTheJobBack) {
  const Bytes document = textBytes(kSpoolerWritePiece + 100 * kChunk); // more than one piece
  const Bytes sealed = seal(key_, "order-j1", document, kChunk);
  const auto offer = makeOffer("j1", key_, sealed);
  int sends = 0;
  processor_ =
      std::make_unique<JobProcessor>(*journal_, *client_, backend_, key_, "", [this, &sends] {
        return backend_.createCount() == 0 || ++sends < 2;
      });
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Retry);
  const auto job = backend_.jobs().at(0);
  EXPECT_FALSE(job.finished);
  EXPECT_TRUE(job.aborted);
  EXPECT_TRUE(job.cancelled);
  EXPECT_EQ(job.data.size(), kSpoolerWritePiece);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Cancelled);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "released"}));
}

TEST_F(PipelineTest, ALostAnswerToTheEndOfTheDocumentIsSettledByAskingTheSpooler) {
  const Bytes document = textBytes(3 * kChunk);
  const Bytes sealed = seal(key_, "order-j1", document, kChunk);
  backend_.failNextFinish("spooler_unavailable", true); // the spooler kept it all
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Hold);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Submitting);
  EXPECT_FALSE(backend_.jobs().at(0).cancelled) << "it may print: never cancel it blindly";
  EXPECT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"counted"});

  EXPECT_EQ(processor_->followJobs(), 1u);
  backend_.setStatus(backend_.jobs().at(0).id, SpoolerJobState::Completed);
  EXPECT_EQ(processor_->followJobs(), 0u);
  reporter_->flush();
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "printing", "printed"}));
  EXPECT_EQ(backend_.createCount(), 1);
}

TEST_F(PipelineTest, ALostAnswerWithTheDocumentIncompleteGivesTheJobBack) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(kChunk), kChunk);
  backend_.failNextFinish("spooler_write_failed", false);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Hold);
  EXPECT_EQ(processor_->followJobs(), 0u);
  reporter_->flush();
  EXPECT_TRUE(backend_.jobs().at(0).cancelled);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Cancelled);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "released"}));
}

TEST_F(PipelineTest, ADefiniteRefusalOfTheDocumentFailsTheJob) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(kChunk), kChunk);
  backend_.failNextFinish("spooler_format_unsupported", false);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Cancel);
  EXPECT_TRUE(backend_.jobs().at(0).cancelled);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "failed"}));
}

TEST_F(PipelineTest, AnOfferForAnotherKeyFailsBeforeTheSpoolerSeesIt) {
  const auto other = hpke::KeyPair::generate();
  const Bytes sealed = seal(other, "order-j1", textBytes(100), kChunk);
  const std::string message = failureBeforeTheSpooler(makeOffer("j1", other, sealed), sealed);
  EXPECT_EQ(message.rfind("envelope_wrong_key", 0), 0u) << message;
}

// --- counting after decryption, before printing ------------------------------------------

TEST_F(PipelineTest, APdfIsCountedAndReportedBeforeItPrints) {
  const Bytes document = pdfBytes(3);
  const Bytes sealed = seal(key_, "order-j1", document, kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.contentType = "application/pdf";
  offer.quotedPages = 3;
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Ok);
  ASSERT_EQ(backend_.jobs().size(), 1u);
  EXPECT_EQ(backend_.jobs()[0].data, document);
  EXPECT_EQ(backend_.jobs()[0].contentType, "application/pdf");
  if (!document::canCountPdfPages()) {
    // This build cannot count PDFs (Windows): no count, the job prints.
    EXPECT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"printing"});
    return;
  }
  ASSERT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "printing"}));
  const auto counted = cloud_.eventsFor("j1")[0].body;
  EXPECT_EQ(counted["pages"], 3);
  EXPECT_EQ(counted["content_type"], "application/pdf");
  EXPECT_EQ(counted["printer"], "Front");
}

TEST_F(PipelineTest, WhenTheCloudHoldsTheJobNothingIsPrintedAndTheDocumentIsDropped) {
  cloud_.setEventAnswer("counted", 200, json{{"proceed", false}, {"order_state", "held"}});
  const Bytes sealed = seal(key_, "order-j1", textBytes(500 * 60), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.quotedPages = 1;
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Ok);
  EXPECT_EQ(backend_.createCount(), 0);
  const auto job = journal_->find("j1");
  EXPECT_EQ(job->state, JobState::Cancelled);
  EXPECT_EQ(job->lastError.rfind("held_by_shop", 0), 0u) << job->lastError;
  EXPECT_EQ(journal_->pendingCount(), 0u) << "nothing more is reported";
  EXPECT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"counted"});

  // The shopkeeper approved the pages: the job comes again under a new lease and prints.
  cloud_.setEventAnswer("counted", 200, json{{"proceed", true}, {"order_state", "dispatched"}});
  auto again = offer;
  again.leaseId = "lease-j1-2";
  EXPECT_EQ(printThroughCloud(again, sealed), JobOutcome::Ok);
  EXPECT_EQ(backend_.createCount(), 1);
  EXPECT_EQ(cloud_.statesFor("j1"), (std::vector<std::string>{"counted", "counted", "printing"}));
  EXPECT_EQ(cloud_.eventsFor("j1")[1].body["seq"], 2);
  EXPECT_EQ(cloud_.eventsFor("j1")[1].body["lease_id"], "lease-j1-2");
}

TEST_F(PipelineTest, ACloudThatDoesNotKnowCountedStillGetsThePrint) {
  cloud_.setEventAnswer("counted", 400,
                        json{{"error", {{"code", "invalid_request"}, {"message", "state"}}}});
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Ok);
  EXPECT_EQ(backend_.createCount(), 1);
  EXPECT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"printing"});
  const auto events = journal_->eventsFor("j1");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].result.rfind("dropped", 0), 0u) << "the refused count is not sent again";
}

TEST_F(PipelineTest, NoAnswerToTheCountGivesTheJobBackWithoutPrinting) {
  cloud_.setEventAnswer("counted", 503,
                        json{{"error", {{"code", "unavailable"}, {"message", "down"}}}});
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Retry);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Cancelled);
  EXPECT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"released"});
  EXPECT_EQ(journal_->pendingCount(), 0u);
}

TEST_F(PipelineTest, ADocumentThatIsNotWhatTheOrderSaysFails) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.contentType = "application/pdf";
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Cancel);
  EXPECT_EQ(backend_.createCount(), 0);
  ASSERT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"failed"});
  const std::string message = cloud_.eventsFor("j1")[0].body["message"];
  EXPECT_EQ(message, "document_type_mismatch: the order says the document is application/pdf but "
                     "its bytes are text/plain; it is not printed");
}

TEST_F(PipelineTest, ADocumentOfNoKnownTypeFails) {
  const Bytes sealed = seal(key_, "order-j1", patternBytes(5000), kChunk);
  const std::string message = failureBeforeTheSpooler(makeOffer("j1", key_, sealed), sealed);
  EXPECT_EQ(message.rfind("document_unrecognised", 0), 0u) << message;
}

TEST_F(PipelineTest, AnUnreadablePdfFails) {
  if (!document::canCountPdfPages()) {
    GTEST_SKIP() << "this build has no PDF library";
  }
  const std::string fake = "%PDF-1.4\nnot really a PDF\n";
  const Bytes sealed = seal(key_, "order-j1", Bytes(fake.begin(), fake.end()), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.contentType = "application/pdf";
  const std::string message = failureBeforeTheSpooler(offer, sealed);
  EXPECT_EQ(message.rfind("document_unreadable", 0), 0u) << message;
}

TEST_F(PipelineTest, APageRangeOutsideTheDocumentFails) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(100), kChunk); // one page
  auto offer = makeOffer("j1", key_, sealed);
  offer.options.pageRanges = {{5, 6}};
  const std::string message = failureBeforeTheSpooler(offer, sealed);
  EXPECT_EQ(message.rfind("page_range_out_of_document", 0), 0u) << message;
}

TEST_F(PipelineTest, ADocumentLargerThanTheLimitIsNotDownloaded) {
  processor_->setMaxDocumentBytes(4096);
  const Bytes sealed = seal(key_, "order-j1", textBytes(5000), kChunk);
  const std::string message = failureBeforeTheSpooler(makeOffer("j1", key_, sealed), sealed);
  EXPECT_EQ(cloud_.documentRequests(), 0);
  EXPECT_EQ(message.rfind("document_too_large", 0), 0u) << message;
}

TEST_F(PipelineTest, APlaintextLongerThanItsEnvelopeClaimsIsCut) {
  const Bytes sealed = seal(key_, "order-j1", textBytes(3 * kChunk), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.envelopeSize = 1000; // the cloud says less than it sends
  const std::string message = failureBeforeTheSpooler(offer, sealed);
  EXPECT_EQ(message.rfind("envelope_too_large", 0), 0u) << message;
}

// --- routing --------------------------------------------------------------------------------

PrinterInfo printerNamed(std::string name, bool isDefault = false, std::string state = "idle") {
  PrinterInfo p;
  p.name = std::move(name);
  p.isDefault = isDefault;
  p.state = std::move(state);
  return p;
}

/// A printer that cannot print on both sides.
PrinterCapabilities oneSidedOnly() {
  PrinterCapabilities caps;
  caps.sides = {"one-sided"};
  return caps;
}

TEST_F(PipelineTest, AJobGoesToAPrinterThatCanDoIt) {
  backend_.setPrinters({printerNamed("Front", true), printerNamed("Back")});
  backend_.setCapabilities("Front", oneSidedOnly());
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.options.sides = "two-sided-long-edge";
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Ok);
  EXPECT_EQ(backend_.jobs().at(0).printer, "Back");
  EXPECT_EQ(journal_->find("j1")->printer, "Back");
  EXPECT_EQ(cloud_.eventsFor("j1").at(1).body["printer"], "Back");
}

TEST_F(PipelineTest, TheShopsChoiceWinsOverTheAgentsPrinter) {
  backend_.setPrinters({printerNamed("Front", true), printerNamed("Back")});
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.printer = "Back";
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::Ok);
  EXPECT_EQ(backend_.jobs().at(0).printer, "Back");
}

TEST_F(PipelineTest, WhenNoPrinterCanDoItTheJobFailsSayingWhyForEachPrinter) {
  backend_.setPrinters({printerNamed("Front", true), printerNamed("Back")});
  backend_.setCapabilities("Front", oneSidedOnly());
  PrinterCapabilities mono;
  mono.colorModes = {"monochrome"};
  mono.sides = {"one-sided"};
  backend_.setCapabilities("Back", mono);
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.options.sides = "two-sided-long-edge";
  offer.options.colorMode = "color";
  const std::string message = failureBeforeTheSpooler(offer, sealed);
  EXPECT_EQ(cloud_.documentRequests(), 0) << "decided before the download";
  EXPECT_EQ(message,
            "unsupported_option: no printer here can print this: Front: sides "
            "two-sided-long-edge is not possible (it has: one-sided); Back: sides "
            "two-sided-long-edge is not possible (it has: one-sided), print-color-mode color is "
            "not possible (it has: monochrome)");
}

TEST_F(PipelineTest, WhenTheOnlyAblePrinterTakesNoJobsTheJobWaits) {
  auto back = printerNamed("Back");
  back.accepting = false;
  backend_.setPrinters({printerNamed("Front", true), back});
  backend_.setCapabilities("Front", oneSidedOnly());
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  auto offer = makeOffer("j1", key_, sealed);
  offer.options.sides = "two-sided-short-edge";
  EXPECT_EQ(printThroughCloud(offer, sealed), JobOutcome::StopQueue);
  EXPECT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"released"});
}

TEST_F(PipelineTest, AnUnreachableSpoolerGivesTheJobBack) {
  backend_.setUnavailable(true);
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::StopQueue);
  EXPECT_EQ(cloud_.statesFor("j1"), std::vector<std::string>{"released"});
}

TEST_F(PipelineTest, TheOfferIsAcknowledgedOnceItsLeaseIsJournalled) {
  const Bytes document = textBytes(2000);
  const Bytes sealed = seal(key_, "order-j1", document, kChunk);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Ok);
  EXPECT_EQ(cloud_.acks(), std::vector<std::string>{"j1"});
  EXPECT_EQ(journal_->find("j1")->bytesSent, document.size()) << "kept as evidence";
}

TEST_F(PipelineTest, AnOfferTakenBackBeforeItsAcknowledgementIsDroppedUnprinted) {
  // The cloud took the offer back at its deadline (409): another agent may print it.
  cloud_.setAckStatus(409, "lease_expired");
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Ok);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(cloud_.documentRequests(), 0);
  EXPECT_TRUE(cloud_.statesFor("j1").empty()) << "no event: the cloud took it back itself";
  const auto job = journal_->find("j1");
  EXPECT_EQ(job->state, JobState::Cancelled);
  EXPECT_NE(job->lastError.find("offer_taken_back"), std::string::npos) << job->lastError;

  // Offered again later (to this agent) under a new lease, it prints.
  cloud_.setAckStatus(200);
  auto again = makeOffer("j1", key_, sealed);
  again.leaseId = "lease-2";
  EXPECT_EQ(printThroughCloud(again, sealed), JobOutcome::Ok);
  EXPECT_EQ(backend_.createCount(), 1);
}

TEST_F(PipelineTest, AnAcknowledgementThatCannotBeSentDropsTheJobAndBacksOff) {
  cloud_.setAckStatus(503, "unavailable");
  const Bytes sealed = seal(key_, "order-j1", textBytes(1000), kChunk);
  EXPECT_EQ(printThroughCloud(makeOffer("j1", key_, sealed), sealed), JobOutcome::Retry);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(journal_->find("j1")->state, JobState::Cancelled);
}

TEST_F(PipelineTest, AnEmptyPollReturnsNoOffers) {
  EXPECT_TRUE(client_->pollJobs(1).empty()); // held until the wait (capped at 200 ms)
  EXPECT_GE(cloud_.polls(), 1);
}

TEST_F(PipelineTest, AWrongCredentialIsReportedAsUnauthorized) {
  CloudClient stranger(testing::endpointFor(cloud_.url()), "not-the-credential");
  try {
    stranger.pollJobs(0);
    FAIL() << "expected a CloudError";
  } catch (const CloudError& e) {
    EXPECT_TRUE(e.unauthorized());
    EXPECT_EQ(e.code(), "unauthorized");
  }
}

} // namespace
} // namespace printrelay::agent
