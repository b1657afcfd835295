#include "agent/cloud/cloud_client.h"
#include "agent/jobs/job_outcome.h"
#include "common/util/error.h"

#include <gtest/gtest.h>

namespace printrelay::agent {
namespace {

TEST(JobOutcomeTest, TheTableMapsErrorCodesToOutcomes) {
  struct Case {
    const char* code;
    JobOutcome outcome;
  };
  const Case cases[] = {
      {"envelope_auth_failed", JobOutcome::Cancel},
      {"envelope_truncated", JobOutcome::Cancel},
      {"envelope_wrong_key", JobOutcome::Cancel},
      {"hpke_decap_failed", JobOutcome::Cancel},
      {"unsupported_option", JobOutcome::Cancel},
      {"spooler_format_unsupported", JobOutcome::Cancel},
      {"cloud_unreachable", JobOutcome::Retry},
      {"http_503", JobOutcome::Retry},
      {"lease_expired", JobOutcome::Retry},
      {"agent_stopping", JobOutcome::Retry},
      {"spooler_write_failed", JobOutcome::Retry},
      {"spooler_unavailable", JobOutcome::StopQueue},
      {"printer_not_found", JobOutcome::StopQueue},
      {"printer_not_accepting", JobOutcome::StopQueue},
      {"journal_unavailable", JobOutcome::StopQueue},
      {"something_new", JobOutcome::Cancel},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(outcomeForCode(c.code), c.outcome) << c.code;
  }
}

TEST(JobOutcomeTest, CloudErrorsRetryWhateverTheirCode) {
  EXPECT_EQ(outcomeFor(CloudError(409, "illegal_transition", "x")), JobOutcome::Retry);
  EXPECT_EQ(outcomeFor(CloudError(0, "cloud_unreachable", "x")), JobOutcome::Retry);
  EXPECT_EQ(outcomeFor(Error("envelope_auth_failed", "x")), JobOutcome::Cancel);
  EXPECT_EQ(outcomeFor(std::runtime_error("boom")), JobOutcome::Retry);
}

TEST(JobOutcomeTest, EveryOutcomeHasAName) {
  EXPECT_EQ(toString(JobOutcome::Ok), "ok");
  EXPECT_EQ(toString(JobOutcome::Retry), "retry");
  EXPECT_EQ(toString(JobOutcome::Hold), "hold");
  EXPECT_EQ(toString(JobOutcome::StopQueue), "stop_queue");
  EXPECT_EQ(toString(JobOutcome::Cancel), "cancel");
  EXPECT_FALSE(outcomeRules().empty());
}

TEST(CloudClientTest, ErrorBodiesBecomeTypedErrors) {
  const auto e =
      cloudErrorFor(409, R"({"error":{"code":"lease_expired","message":"gone"}})", "posting");
  EXPECT_EQ(e.code(), "lease_expired");
  EXPECT_EQ(e.status(), 409);
  EXPECT_FALSE(e.transient());
  EXPECT_FALSE(e.unauthorized());
  EXPECT_NE(std::string(e.what()).find("gone"), std::string::npos);
  const auto plain = cloudErrorFor(502, "<html>bad gateway</html>", "polling");
  EXPECT_EQ(plain.code(), "http_502");
  EXPECT_TRUE(plain.transient());
  EXPECT_TRUE(cloudErrorFor(403, "", "x").unauthorized());
}

} // namespace
} // namespace printrelay::agent
