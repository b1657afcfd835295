// A spooler job number is not an identity: after a crash cupsd hands numbers out again, so the
// agent checks every job it asks about, cancels or purges (name tag, job-uuid, printer) and
// treats one that is not its own as unknown, never touching it.

#include "tests/agent/jobs/processor_fixture.h"

namespace printrelay::agent {
namespace {

using namespace testing;

class SpoolerIdentityTest : public ProcessorFixture {
protected:
  void SetUp() override {
    ProcessorFixture::SetUp();
    processor_->setPurgeSpoolerJobs(true);
  }

  /// Hands `jobId` out through the cloud and processes it; returns its spooler job number.
  int submit(const std::string& jobId) {
    const Bytes sealed = seal(key_, "order-" + jobId, textBytes(300), 4096);
    cloud_.addOffer(makeOffer(jobId, key_, sealed), sealed);
    const auto offers = client_->pollJobs(1);
    EXPECT_EQ(processor_->process(offers.at(0)), JobOutcome::Ok);
    return journal_->find(jobId)->spoolerJobId.value_or(0);
  }

  /// A job the journal has at the spooler as `spoolerJobId` with job-uuid `uuid`.
  void journalPrinting(const std::string& jobId, int spoolerJobId, const std::string& uuid) {
    protocol::JobOffer offer;
    offer.jobId = jobId;
    offer.orderId = "order-" + jobId;
    offer.leaseId = "lease-" + jobId;
    journal_->recordLease(offer);
    journal_->advance(jobId, JobState::Submitting,
                      StepDetails::submitted(spoolerJobId, "Front", uuid));
    journal_->advance(jobId, JobState::Printing, StepDetails{});
  }

  /// A job of the spooler's under `spoolerJobId`, named `title` (or for our job `ourJobId`).
  void spoolerHas(int spoolerJobId, const std::string& ourJobId, const std::string& uuid,
                  SpoolerJobState state = SpoolerJobState::Completed,
                  const std::string& printer = "Front", const std::string& title = {}) {
    FakePrintBackend::Job job;
    job.id = spoolerJobId;
    job.printer = printer;
    job.title = title;
    job.uuid = uuid;
    job.status.state = state;
    backend_.addJob(job, ourJobId);
  }
};

TEST_F(SpoolerIdentityTest, TheJobNumberRecordedIsTheSpoolersWithItsUuid) {
  const int number = submit("a");
  const auto job = backend_.job(number);
  ASSERT_TRUE(job);
  EXPECT_EQ(journal_->find("a")->spoolerJobUuid, job->uuid);
  EXPECT_NE(job->title.find(spoolerJobTag("a")), std::string::npos);
}

TEST_F(SpoolerIdentityTest, ANumberHandedOutAgainAfterASpoolerCrashIsNeverTakenForOurs) {
  const int a = submit("a"); // waits for the printer
  backend_.forgetJobs(a);    // cupsd killed before it wrote its job files
  const int b = submit("b"); // before B is created, A is asked about: the spooler forgot it
  ASSERT_EQ(b, a) << "the spooler handed the number out again";

  // A may have printed before cupsd forgot it: outcome unknown, never printed again.
  EXPECT_EQ(journal_->find("a")->state, JobState::OutcomeUnknown);
  EXPECT_NE(journal_->find("a")->lastError.find("spooler_job_unknown"), std::string::npos);
  EXPECT_EQ(journal_->find("b")->state, JobState::Printing);
  EXPECT_FALSE(backend_.job(b)->cancelled);
  EXPECT_FALSE(backend_.job(b)->purged) << "B's job was purged as if it were A's";

  backend_.setStatus(b, SpoolerJobState::Completed);
  EXPECT_EQ(processor_->followJobs(), 0u);
  EXPECT_EQ(journal_->find("b")->state, JobState::Printed);
  EXPECT_EQ(journal_->find("a")->state, JobState::OutcomeUnknown) << "A is not printed on B's word";
  EXPECT_TRUE(backend_.job(b)->purged) << "B's own job is purged once it is recorded";
}

TEST_F(SpoolerIdentityTest, AnotherJobUnderOurNumberIsUnknownAndLeftAlone) {
  journalPrinting("a", 577, "urn:uuid:a");
  spoolerHas(577, "b", "urn:uuid:b"); // B took the number and printed

  EXPECT_EQ(processor_->followJobs(), 0u);
  const auto a = *journal_->find("a");
  EXPECT_EQ(a.state, JobState::OutcomeUnknown) << "A is not printed on B's word";
  EXPECT_NE(a.lastError.find("another job"), std::string::npos) << a.lastError;
  EXPECT_EQ(backend_.purgeCount(), 0);
  EXPECT_EQ(backend_.cancelCount(), 0);
  EXPECT_FALSE(backend_.job(577)->purged);
}

TEST_F(SpoolerIdentityTest, OurNameWithAnotherUuidIsNotOurs) {
  journalPrinting("a", 577, "urn:uuid:first-attempt");
  spoolerHas(577, "a", "urn:uuid:someone-else");
  processor_->followJobs();
  EXPECT_EQ(journal_->find("a")->state, JobState::OutcomeUnknown);
  EXPECT_EQ(backend_.purgeCount(), 0);
}

TEST_F(SpoolerIdentityTest, AJobRecordedWithoutUuidIsKnownByItsName) {
  journalPrinting("a", 577, ""); // an older journal row
  spoolerHas(577, "a", "urn:uuid:whatever");
  EXPECT_EQ(processor_->followJobs(), 0u);
  EXPECT_EQ(journal_->find("a")->state, JobState::Printed);
  EXPECT_TRUE(backend_.job(577)->purged);
}

TEST_F(SpoolerIdentityTest, CancellingAtTheShopNeverCancelsSomeoneElsesJob) {
  journalPrinting("a", 577, "urn:uuid:a");
  spoolerHas(577, "", "urn:uuid:other", SpoolerJobState::Processing, "Front", "quarterly report");

  processor_->cancelAtShop("a", "cancelled_at_shop: test");
  EXPECT_EQ(journal_->find("a")->state, JobState::Failed);
  EXPECT_FALSE(backend_.job(577)->cancelled);
  EXPECT_FALSE(backend_.job(577)->purged);
}

TEST_F(SpoolerIdentityTest, AJobOnAnotherPrinterIsNotOurs) {
  journalPrinting("a", 577, "");
  spoolerHas(577, "a", "", SpoolerJobState::Completed, "Back");
  processor_->followJobs();
  // Ours was handed to the spooler and may have printed before it forgot it: the shop decides.
  EXPECT_EQ(journal_->find("a")->state, JobState::OutcomeUnknown);
  EXPECT_FALSE(backend_.job(577)->purged);
}

} // namespace
} // namespace printrelay::agent
