// After a crash the agent asks the spooler what became of each job it had submitted, instead
// of printing it again. Each test writes the journal as a previous run left it.

#include "agent/cloud/cloud_client.h"
#include "agent/jobs/job_processor.h"
#include "agent/jobs/journal.h"
#include "common/util/error.h"
#include "tests/agent/agent_test_support.h"
#include "tests/fakes/agent_fake_print_backend.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace printrelay::agent {
namespace {

using nlohmann::json;
using testing::FakePrintBackend;
using testing::TempDir;

SpoolerJobStatus status(SpoolerJobState state, bool awaiting = false,
                        std::vector<std::string> reasons = {}) {
  SpoolerJobStatus out;
  out.state = state;
  out.reasons = std::move(reasons);
  out.awaitingDocument = awaiting;
  return out;
}

TEST(DecideRecoveryTest, SubmittedJobsAreNeverPrintedAgain) {
  using enum SpoolerJobState;
  using A = RecoveryAction;
  struct Case {
    JobState journal;
    SpoolerJobState spooler;
    bool awaiting;
    A action;
  };
  const Case cases[] = {
      {JobState::Leased, Unknown, false, A::Release},
      {JobState::Submitting, Held, true, A::CancelAndRelease},
      {JobState::Submitting, Pending, true, A::CancelAndRelease},
      {JobState::Submitting, Pending, false, A::MarkPrinting},
      {JobState::Submitting, Held, false, A::MarkPrinting},
      {JobState::Submitting, Processing, false, A::MarkPrinting},
      {JobState::Submitting, Stopped, false, A::MarkPrinting},
      {JobState::Submitting, Completed, false, A::MarkPrinted},
      {JobState::Submitting, Canceled, false, A::MarkFailed},
      {JobState::Submitting, Aborted, false, A::MarkFailed},
      {JobState::Submitting, Unknown, false, A::MarkOutcomeUnknown},
      {JobState::Printing, Pending, false, A::KeepFollowing},
      {JobState::Printing, Held, false, A::KeepFollowing},
      {JobState::Printing, Processing, false, A::KeepFollowing},
      {JobState::Printing, Stopped, false, A::KeepFollowing},
      {JobState::Printing, Completed, false, A::MarkPrinted},
      {JobState::Printing, Canceled, false, A::MarkFailed},
      {JobState::Printing, Aborted, false, A::MarkFailed},
      {JobState::Printing, Unknown, false, A::MarkOutcomeUnknown},
      {JobState::Printed, Unknown, false, A::None},
      {JobState::OutcomeUnknown, Completed, false, A::None},
      {JobState::OutcomeUnknown, Unknown, false, A::None},
      {JobState::Failed, Completed, false, A::None},
      {JobState::Cancelled, Processing, false, A::None},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(decideRecovery(c.journal, status(c.spooler, c.awaiting)), c.action)
        << toString(c.journal) << " + " << toString(c.spooler) << (c.awaiting ? " (awaiting)" : "");
  }
}

class RecoveryTest : public ::testing::Test {
protected:
  static constexpr int kSpoolerJob = 101;

  RecoveryTest()
      : journal_((dir_.path() / "journal.db").string()),
        cloud_(testing::endpointFor("http://127.0.0.1:9"), "credential") {}

  /// The journal and spooler as a run that crashed in `state` left them.
  void crashedIn(JobState state, SpoolerJobStatus spooler) {
    protocol::JobOffer offer;
    offer.jobId = "j1";
    offer.orderId = "o1";
    offer.leaseId = "lease-1";
    journal_.recordLease(offer);
    if (state == JobState::Leased) {
      return;
    }
    journal_.advance("j1", JobState::Submitting, StepDetails::submitted(kSpoolerJob, "Front"));
    if (state == JobState::Printing) {
      protocol::JobEvent printing;
      printing.state = "printing";
      journal_.advance("j1", JobState::Printing, StepDetails{}, printing);
    }
    if (spooler.state != SpoolerJobState::Unknown) {
      FakePrintBackend::Job job;
      job.id = kSpoolerJob;
      job.printer = "Front";
      job.status = spooler;
      backend_.addJob(job, "j1");
    }
  }

  JobProcessor restart() {
    return JobProcessor(journal_, cloud_, backend_, hpke::KeyPair::generate(), "Front");
  }

  std::vector<json> events() {
    std::vector<json> out;
    for (const auto& e : journal_.eventsFor("j1")) {
      out.push_back(json::parse(e.body));
    }
    return out;
  }

  std::vector<std::string> eventStates() {
    std::vector<std::string> out;
    for (const auto& e : events()) {
      out.push_back(e["state"]);
    }
    return out;
  }

  JobState state() { return journal_.find("j1")->state; }

  /// The cloud offers j1 again under a new lease (it never heard how the job ended).
  static protocol::JobOffer offeredAgain() {
    protocol::JobOffer again;
    again.jobId = "j1";
    again.orderId = "o1";
    again.leaseId = "lease-2";
    return again;
  }

  TempDir dir_;
  Journal journal_;
  CloudClient cloud_;
  FakePrintBackend backend_;
};

/// One crash left the job in `crashed` with the spooler saying `spooler`; one recover() settles
/// it without printing anything again.
struct SettledCase {
  const char* name;
  JobState crashed;
  SpoolerJobStatus spooler;
  JobState settled;
  std::vector<std::string> events;  ///< the states reported, oldest first
  std::string messageHas;           ///< in the last event's message (empty: not checked)
  bool spoolerJobCancelled = false; ///< the incomplete spooler job was cancelled
};

class SettledAtRecoveryTest : public RecoveryTest,
                              public ::testing::WithParamInterface<SettledCase> {};

TEST_P(SettledAtRecoveryTest, IsSettledOnceAndNeverReprinted) {
  const SettledCase& c = GetParam();
  crashedIn(c.crashed, c.spooler);
  restart().recover();
  EXPECT_EQ(state(), c.settled);
  EXPECT_EQ(eventStates(), c.events);
  const json last = events().back();
  EXPECT_EQ(last["lease_id"], "lease-1");
  if (c.crashed != JobState::Leased) {
    EXPECT_EQ(last["spooler_job_id"], kSpoolerJob);
  }
  if (!c.messageHas.empty()) {
    EXPECT_NE(last["message"].get<std::string>().find(c.messageHas), std::string::npos)
        << last.dump();
    EXPECT_NE(journal_.find("j1")->lastError.find(c.messageHas), std::string::npos);
  }
  EXPECT_EQ(backend_.cancelCount(), c.spoolerJobCancelled ? 1 : 0);
  if (c.spoolerJobCancelled) {
    EXPECT_TRUE(backend_.job(kSpoolerJob)->cancelled);
  }
  EXPECT_EQ(backend_.createCount(), 0);
}

using States = std::vector<std::string>;

INSTANTIATE_TEST_SUITE_P(
    Outcomes, SettledAtRecoveryTest,
    ::testing::Values(
        SettledCase{"CompletedAtTheSpoolerBecomesPrinted", JobState::Submitting,
                    status(SpoolerJobState::Completed), JobState::Printed, States{"printed"}, "",
                    false},
        SettledCase{"ADocumentThatNeverFinishedIsCancelledAndGivenBack", JobState::Submitting,
                    status(SpoolerJobState::Held, true, {"job-incoming"}), JobState::Cancelled,
                    States{"released"}, "", true},
        SettledCase{"CanceledAtTheSpoolerIsFailedNotReprinted", JobState::Submitting,
                    status(SpoolerJobState::Canceled), JobState::Failed, States{"failed"},
                    "spooler_job_canceled", false},
        SettledCase{"AbortedWhilePrintingIsFailed", JobState::Printing,
                    status(SpoolerJobState::Aborted), JobState::Failed,
                    States{"printing", "failed"}, "spooler_job_aborted", false},
        SettledCase{"AJobTheSpoolerForgotWhilePrintingIsOutcomeUnknown", JobState::Printing,
                    status(SpoolerJobState::Unknown), JobState::OutcomeUnknown,
                    States{"printing", "outcome_unknown"}, "spooler_job_unknown", false},
        SettledCase{"AJobTheSpoolerForgotWhileSubmittingIsOutcomeUnknown", JobState::Submitting,
                    status(SpoolerJobState::Unknown), JobState::OutcomeUnknown,
                    States{"outcome_unknown"}, "spooler_job_unknown", false},
        SettledCase{"CompletedWhilePrintingBecomesPrinted", JobState::Printing,
                    status(SpoolerJobState::Completed), JobState::Printed,
                    States{"printing", "printed"}, "", false},
        SettledCase{"ALeasedJobThatNeverReachedTheSpoolerIsGivenBack", JobState::Leased,
                    status(SpoolerJobState::Unknown), JobState::Cancelled, States{"released"}, "",
                    false}),
    [](const ::testing::TestParamInfo<SettledCase>& param) {
      return std::string(param.param.name);
    });

TEST_F(RecoveryTest, AForgottenJobIsReportedWithTheEvidenceTheJournalKept) {
  crashedIn(JobState::Submitting, status(SpoolerJobState::Processing));
  {
    auto processor = restart();
    processor.recover(); // sees it processing: printing, and the state is kept as evidence
  }
  EXPECT_EQ(state(), JobState::Printing);
  EXPECT_EQ(journal_.find("j1")->spoolerState, "processing");
  const std::int64_t seenAt = journal_.find("j1")->spoolerSeenAt;
  EXPECT_GT(seenAt, 0);
  backend_.forgetJobs(kSpoolerJob); // cupsd killed before it wrote the job down
  restart().recover();
  EXPECT_EQ(state(), JobState::OutcomeUnknown);
  const json last = events().back();
  EXPECT_EQ(last["state"], "outcome_unknown");
  EXPECT_EQ(last["spooler_state"], "processing");
  EXPECT_EQ(last["spooler_seen_at"], seenAt);
  EXPECT_EQ(last["spooler_job_id"], kSpoolerJob);
  EXPECT_EQ(backend_.purgeCount(), 0) << "a forgotten job is not ours to purge";
  EXPECT_EQ(backend_.createCount(), 0) << "never printed again";
  // Settled: another restart, or the job offered again, re-reports it and prints nothing.
  auto again = restart();
  again.recover();
  EXPECT_EQ(again.followJobs(), 0u);
  EXPECT_EQ(state(), JobState::OutcomeUnknown);
  EXPECT_EQ(backend_.createCount(), 0);
}

TEST_F(RecoveryTest, StillProcessingIsFollowedUntilItCompletes) {
  crashedIn(JobState::Submitting, status(SpoolerJobState::Processing));
  auto processor = restart();
  processor.recover();
  EXPECT_EQ(state(), JobState::Printing);
  EXPECT_EQ(processor.followJobs(), 1u);
  EXPECT_EQ(state(), JobState::Printing);
  backend_.setStatus(kSpoolerJob, SpoolerJobState::Completed);
  EXPECT_EQ(processor.followJobs(), 0u);
  EXPECT_EQ(state(), JobState::Printed);
  const auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["state"], "printing");
  EXPECT_EQ(ev[1]["state"], "printed");
  EXPECT_EQ(backend_.createCount(), 0);
}

TEST_F(RecoveryTest, PendingWhilePrintingIsKeptAndFollowed) {
  crashedIn(JobState::Printing, status(SpoolerJobState::Pending));
  auto processor = restart();
  processor.recover();
  EXPECT_EQ(state(), JobState::Printing);
  EXPECT_EQ(events().size(), 1u); // nothing new to say
  EXPECT_EQ(processor.followJobs(), 1u);
}

TEST_F(RecoveryTest, WhenTheSpoolerIsDownTheJobWaitsAndIsResolvedLater) {
  crashedIn(JobState::Submitting, status(SpoolerJobState::Completed));
  backend_.setUnavailable(true);
  auto processor = restart();
  processor.recover();
  EXPECT_EQ(state(), JobState::Submitting);
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(processor.followJobs(), 1u);
  backend_.setUnavailable(false);
  EXPECT_EQ(processor.followJobs(), 0u);
  EXPECT_EQ(state(), JobState::Printed);
  EXPECT_EQ(backend_.createCount(), 0);
}

TEST_F(RecoveryTest, AJobOfferedAgainAfterPrintingIsReReportedNotReprinted) {
  crashedIn(JobState::Submitting, status(SpoolerJobState::Completed));
  auto processor = restart();
  processor.recover();
  ASSERT_EQ(state(), JobState::Printed);

  EXPECT_EQ(processor.process(offeredAgain()), JobOutcome::Ok);
  EXPECT_EQ(backend_.createCount(), 0);
  const auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1]["state"], "printed");
  EXPECT_EQ(ev[1]["lease_id"], "lease-2");
  EXPECT_EQ(ev[1]["seq"], 2);
}

TEST_F(RecoveryTest, AJobOfferedAgainWhilePrintingIsFollowedNotReprinted) {
  crashedIn(JobState::Printing, status(SpoolerJobState::Processing));
  auto processor = restart();
  processor.recover();
  EXPECT_EQ(processor.process(offeredAgain()), JobOutcome::Ok);
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(events().back()["state"], "printing");
  EXPECT_EQ(events().back()["lease_id"], "lease-2");
  backend_.setStatus(kSpoolerJob, SpoolerJobState::Completed);
  processor.followJobs();
  EXPECT_EQ(state(), JobState::Printed);
  EXPECT_EQ(events().back()["lease_id"], "lease-2");
}

TEST_F(RecoveryTest, AFailedJobOfferedAgainIsReportedFailedAgain) {
  crashedIn(JobState::Submitting, status(SpoolerJobState::Aborted));
  auto processor = restart();
  processor.recover();
  processor.process(offeredAgain());
  EXPECT_EQ(backend_.createCount(), 0);
  EXPECT_EQ(events().back()["state"], "failed");
  EXPECT_FALSE(events().back()["message"].get<std::string>().empty());
}

} // namespace
} // namespace printrelay::agent
