#include "agent/jobs/journal.h"
#include "common/util/error.h"
#include "tests/agent/agent_test_support.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace printrelay::agent {
namespace {

using nlohmann::json;
using testing::TempDir;

protocol::JobOffer offer(const std::string& jobId, const std::string& lease = "lease-1") {
  protocol::JobOffer o;
  o.jobId = jobId;
  o.orderId = "order-" + jobId;
  o.leaseId = lease;
  o.documentName = "doc.pdf";
  o.envelopeSize = 100;
  o.keyId = "k";
  return o;
}

protocol::JobEvent ev(const std::string& state) {
  protocol::JobEvent e;
  e.state = state;
  return e;
}

class JournalTest : public ::testing::Test {
protected:
  TempDir dir_;
  std::string path_ = (dir_.path() / "journal.db").string();
};

TEST_F(JournalTest, AJobWalksItsStepsAndEachEventGetsTheNextSeq) {
  Journal journal(path_);
  EXPECT_EQ(journal.schemaVersion(), Journal::kSchemaVersion);
  const auto leased = journal.recordLease(offer("j1"));
  EXPECT_EQ(leased.state, JobState::Leased);
  EXPECT_EQ(leased.lastSeq, 0u);

  journal.advance("j1", JobState::Submitting, StepDetails::submitted(42, "Front"));
  auto job = *journal.find("j1");
  EXPECT_EQ(job.state, JobState::Submitting);
  EXPECT_EQ(job.spoolerJobId, 42);
  EXPECT_EQ(job.printer, "Front");

  protocol::JobEvent printing = ev("printing");
  printing.spoolerJobId = 42;
  printing.printer = "Front";
  EXPECT_EQ(journal.advance("j1", JobState::Printing, StepDetails{}, printing), 1u);
  EXPECT_EQ(journal.advance("j1", JobState::Printed, StepDetails{}, ev("printed")), 2u);

  job = *journal.find("j1");
  EXPECT_EQ(job.state, JobState::Printed);
  EXPECT_EQ(job.spoolerJobId, 42); // kept across steps
  EXPECT_EQ(job.lastSeq, 2u);
  const auto events = journal.eventsFor("j1");
  ASSERT_EQ(events.size(), 2u);
  const auto first = json::parse(events[0].body);
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["state"], "printing");
  EXPECT_EQ(first["lease_id"], "lease-1");
  EXPECT_EQ(first["spooler_job_id"], 42);
  EXPECT_EQ(first["printer"], "Front");
  EXPECT_EQ(json::parse(events[1].body)["seq"], 2);
}

TEST_F(JournalTest, IllegalStepsAreRefusedAndChangeNothing) {
  Journal journal(path_);
  journal.recordLease(offer("j1"));
  EXPECT_THROW(journal.advance("j1", JobState::Printed, StepDetails{}, ev("printed")), Error);
  EXPECT_THROW(journal.advance("j1", JobState::Printing, StepDetails{}), Error);
  EXPECT_THROW(journal.advance("nope", JobState::Submitting, StepDetails{}), Error);
  EXPECT_EQ(journal.find("j1")->state, JobState::Leased);
  EXPECT_EQ(journal.pendingCount(), 0u); // the refused step's event was not enqueued

  journal.advance("j1", JobState::Submitting, StepDetails::submitted(1, "P"));
  journal.advance("j1", JobState::Printing, StepDetails{});
  journal.advance("j1", JobState::Printed, StepDetails{});
  EXPECT_THROW(journal.advance("j1", JobState::Failed, StepDetails{}), Error);
  EXPECT_THROW(journal.recordLease(offer("j1", "lease-2")), Error); // printed: never again
}

TEST_F(JournalTest, TheStepTableIsExactlyTheDocumentedOne) {
  EXPECT_TRUE(canAdvance(JobState::Leased, JobState::Submitting));
  EXPECT_TRUE(canAdvance(JobState::Leased, JobState::Cancelled));
  EXPECT_TRUE(canAdvance(JobState::Leased, JobState::Failed));
  EXPECT_TRUE(canAdvance(JobState::Submitting, JobState::Printing));
  EXPECT_TRUE(canAdvance(JobState::Submitting, JobState::Printed));
  EXPECT_TRUE(canAdvance(JobState::Submitting, JobState::Cancelled));
  EXPECT_TRUE(canAdvance(JobState::Printing, JobState::Printed));
  EXPECT_TRUE(canAdvance(JobState::Printing, JobState::Failed));
  EXPECT_TRUE(canAdvance(JobState::Cancelled, JobState::Leased));
  EXPECT_FALSE(canAdvance(JobState::Printing, JobState::Cancelled)); // the spooler has it all
  EXPECT_FALSE(canAdvance(JobState::Printed, JobState::Leased));
  EXPECT_FALSE(canAdvance(JobState::Failed, JobState::Leased));
  EXPECT_FALSE(canAdvance(JobState::Leased, JobState::Printed));
  // The spooler forgot a job it was handed: settled as outcome_unknown, never leased again.
  EXPECT_TRUE(canAdvance(JobState::Submitting, JobState::OutcomeUnknown));
  EXPECT_TRUE(canAdvance(JobState::Printing, JobState::OutcomeUnknown));
  EXPECT_FALSE(canAdvance(JobState::Leased, JobState::OutcomeUnknown));
  EXPECT_FALSE(canAdvance(JobState::OutcomeUnknown, JobState::Leased));
  EXPECT_FALSE(canAdvance(JobState::OutcomeUnknown, JobState::Printed));
  EXPECT_TRUE(isSettled(JobState::OutcomeUnknown));
  for (auto s : {JobState::Leased, JobState::Submitting, JobState::Printing, JobState::Printed,
                 JobState::Failed, JobState::Cancelled, JobState::OutcomeUnknown}) {
    EXPECT_EQ(parseJobState(toString(s)), s);
  }
  EXPECT_FALSE(parseJobState("done"));
}

TEST_F(JournalTest, ACancelledJobMayBeLeasedAgainUnderItsNewLease) {
  Journal journal(path_);
  journal.recordLease(offer("j1", "lease-1"));
  journal.advance("j1", JobState::Submitting, StepDetails::submitted(7, "P"));
  journal.advance("j1", JobState::Cancelled, StepDetails::withError("cloud_unreachable"),
                  ev("released"));
  const auto again = journal.recordLease(offer("j1", "lease-2"));
  EXPECT_EQ(again.state, JobState::Leased);
  EXPECT_EQ(again.leaseId, "lease-2");
  EXPECT_FALSE(again.spoolerJobId); // the old spooler job is not this attempt's
  EXPECT_EQ(journal.advance("j1", JobState::Failed, StepDetails{}, ev("failed")), 2u)
      << "seq keeps growing across leases";
  EXPECT_EQ(json::parse(journal.eventsFor("j1")[1].body)["lease_id"], "lease-2");
}

TEST_F(JournalTest, TheOutboxKeepsEnqueueOrderAcrossJobs) {
  Journal journal(path_);
  journal.recordLease(offer("a"));
  journal.recordLease(offer("b"));
  journal.advance("a", JobState::Submitting, StepDetails::submitted(1, "P"));
  journal.advance("b", JobState::Submitting, StepDetails::submitted(2, "P"));
  journal.advance("a", JobState::Printing, StepDetails{}, ev("printing"));
  journal.advance("b", JobState::Printing, StepDetails{}, ev("printing"));
  journal.advance("b", JobState::Printed, StepDetails{}, ev("printed"));
  journal.advance("a", JobState::Printed, StepDetails{}, ev("printed"));
  const auto pending = journal.pendingEvents();
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[0].jobId + std::to_string(pending[0].seq), "a1");
  EXPECT_EQ(pending[1].jobId + std::to_string(pending[1].seq), "b1");
  EXPECT_EQ(pending[2].jobId + std::to_string(pending[2].seq), "b2");
  EXPECT_EQ(pending[3].jobId + std::to_string(pending[3].seq), "a2");
  EXPECT_EQ(journal.pendingEvents(2).size(), 2u);

  journal.noteAttempt(pending[0].id, "unreachable");
  EXPECT_EQ(journal.pendingEvents()[0].attempts, 1);
  journal.markSent(pending[0].id, "delivered");
  journal.markSent(pending[0].id, "delivered again"); // idempotent: the first close stands
  const auto events = journal.eventsFor("a");
  EXPECT_EQ(events[0].result, "delivered");
  EXPECT_TRUE(events[0].sentAt.has_value());
  EXPECT_EQ(journal.pendingCount(), 3u);
  EXPECT_EQ(journal.pendingEvents()[0].jobId, "b");
}

TEST_F(JournalTest, EverythingSurvivesReopening) {
  {
    Journal journal(path_);
    journal.recordLease(offer("j1"));
    journal.advance("j1", JobState::Submitting, StepDetails::submitted(9, "Front"));
    journal.enqueue("j1", ev("printing"));
  }
  Journal journal(path_);
  const auto job = journal.find("j1");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->state, JobState::Submitting);
  EXPECT_EQ(job->spoolerJobId, 9);
  EXPECT_EQ(journal.pendingCount(), 1u);
  ASSERT_EQ(journal.unsettled().size(), 1u);
}

TEST_F(JournalTest, ItRunsInWalMode) {
  Journal journal(path_);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(JournalTest, AVersionOneJournalIsMigratedKeepingItsRows) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(R"sql(
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, lease_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN
    ('leased','submitting','printing','printed','failed','cancelled')),
  spooler_job_id INTEGER, printer TEXT NOT NULL DEFAULT '',
  document_name TEXT NOT NULL DEFAULT '', last_error TEXT NOT NULL DEFAULT '',
  last_seq INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL REFERENCES jobs(job_id),
  seq INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, sent_at INTEGER,
  UNIQUE (job_id, seq));
INSERT INTO jobs VALUES ('old','o','l','printing',5,'Front','d','',1,1,1);
INSERT INTO outbox (job_id, seq, body, created_at) VALUES ('old',1,'{"seq":1}',1);
PRAGMA user_version = 1;
)sql");
  }
  Journal journal(path_);
  EXPECT_EQ(journal.schemaVersion(), Journal::kSchemaVersion);
  const auto job = journal.find("old");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->state, JobState::Printing);
  EXPECT_EQ(job->spoolerJobUuid, "") << "rows from before job-uuids have none";
  const auto pending = journal.pendingEvents();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].attempts, 0);
  EXPECT_EQ(pending[0].result, "");
  // Schema 4: the evidence columns start empty, and outcome_unknown may be stored.
  EXPECT_EQ(job->spoolerState, "");
  EXPECT_EQ(job->spoolerSeenAt, 0);
  EXPECT_FALSE(job->bytesSent.has_value());
  journal.noteSpoolerState("old", "processing", 1234);
  journal.noteSpoolerState("old", "processing", 5678); // unchanged: the first sighting is kept
  EXPECT_EQ(journal.find("old")->spoolerState, "processing");
  EXPECT_EQ(journal.find("old")->spoolerSeenAt, 1234);
  EXPECT_EQ(journal.advance("old", JobState::OutcomeUnknown, StepDetails{}, ev("outcome_unknown")),
            2u);
  EXPECT_EQ(journal.find("old")->state, JobState::OutcomeUnknown);
  EXPECT_TRUE(journal.unsettled().empty());
}

TEST_F(JournalTest, AJournalFromANewerAgentIsRefused) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 99");
  }
  try {
    Journal journal(path_);
    FAIL() << "expected journal_too_new";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "journal_too_new");
  }
}

TEST_F(JournalTest, AnUnopenablePathIsAClearError) {
  try {
    Journal journal((dir_.path() / "missing" / "dir" / "journal.db").string());
    FAIL() << "expected journal_unavailable";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "journal_unavailable");
  }
}

TEST_F(JournalTest, PruneForgetsOnlyOldSettledJobsWithNothingToSend) {
  Journal journal(path_);
  journal.recordLease(offer("done"));
  journal.advance("done", JobState::Failed, StepDetails::withError("x"), ev("failed"));
  journal.recordLease(offer("busy"));
  journal.advance("busy", JobState::Submitting, StepDetails::submitted(3, "P"));
  EXPECT_EQ(journal.prune(std::chrono::seconds(-10)), 0u) << "done still has an unsent event";
  journal.markSent(journal.pendingEvents()[0].id, "delivered");
  EXPECT_EQ(journal.prune(std::chrono::hours(1)), 0u) << "too recent";
  EXPECT_EQ(journal.prune(std::chrono::seconds(-10)), 1u);
  EXPECT_FALSE(journal.find("done"));
  EXPECT_TRUE(journal.find("busy"));
}

} // namespace
} // namespace printrelay::agent
