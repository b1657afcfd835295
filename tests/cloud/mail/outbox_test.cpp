// Queuing a mail: one record in the outbox, due at once, sent only once the transaction commits.
#include "cloud/mail/outbox.h"
#include "cloud/storage/store_factory.h"

#include <gtest/gtest.h>

namespace printrelay::cloud::testing {
namespace {

TEST(OutboxTest, AQueuedMailIsDueAtOnceAndOnlyOnceCommitted) {
  const auto store = openStore("sqlite::memory:");
  {
    auto tx = store->begin();
    queueMail(*tx, "a@example.com", "Subject", "Body\n", 500);
    // rolled back: nothing is queued
  }
  EXPECT_TRUE(store->begin()->listMails().empty());
  {
    auto tx = store->begin();
    queueMail(*tx, "a@example.com", "Subject", "Body\n", 500);
    tx->commit();
  }
  const auto mails = store->begin()->listMails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].recipient, "a@example.com");
  EXPECT_EQ(mails[0].subject, "Subject");
  EXPECT_EQ(mails[0].body, "Body\n");
  EXPECT_EQ(mails[0].createdAt, 500);
  EXPECT_EQ(mails[0].nextAttemptAt, 500);
  EXPECT_EQ(mails[0].attempts, 0);
  EXPECT_FALSE(mails[0].sentAt);
}

} // namespace
} // namespace printrelay::cloud::testing
