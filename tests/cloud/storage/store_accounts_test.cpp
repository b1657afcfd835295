// The store conformance suite (store_conformance.h): users, shopkeepers' stores, sessions,
// tokens and the mail outbox.
#include "tests/cloud/storage/store_conformance.h"

namespace printrelay::cloud::testing {
namespace {

TEST_P(StoreConformanceTest, UsersRoundTripByIdAndEmail) {
  auto tx = store_->begin();
  UserRecord u = makeUser("usr_1", "ann@example.com", "shopkeeper");
  u.name = "Robert'); DROP TABLE users;--";
  tx->insertUser(u);
  EXPECT_EQ(tx->findUserByEmail("ann@example.com")->id, "usr_1");
  const auto found = tx->findUser("usr_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, u.name);
  EXPECT_EQ(found->role, "shopkeeper");
  EXPECT_FALSE(found->emailVerifiedAt);
  EXPECT_FALSE(tx->findUserByEmail("other@example.com"));
  try {
    tx->insertUser(makeUser("usr_2", "ann@example.com"));
    ADD_FAILURE() << "a second account with the same e-mail address was stored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "duplicate_email");
  }
  u.emailVerifiedAt = 5;
  u.deactivatedAt = 6;
  u.passwordHash = "new";
  u.updatedAt = 7;
  tx->updateUser(u);
  const auto updated = *tx->findUser("usr_1");
  EXPECT_EQ(updated.emailVerifiedAt, 5);
  EXPECT_EQ(updated.deactivatedAt, 6);
  EXPECT_EQ(updated.passwordHash, "new");
  tx->insertUser(makeUser("usr_3", "bob@example.com"));
  EXPECT_EQ(tx->listUsers().size(), 2u);
}

TEST_P(StoreConformanceTest, ShopkeepersAreAssignedStores) {
  auto tx = store_->begin();
  tx->insertStore(makeStore("st_b", "B"));
  tx->insertStore(makeStore("st_a", "A"));
  tx->insertUser(makeUser("usr_1", "s@example.com", "shopkeeper"));
  tx->assignStore("usr_1", "st_b", 1);
  tx->assignStore("usr_1", "st_a", 2);
  tx->assignStore("usr_1", "st_a", 3); // twice is fine
  EXPECT_EQ(tx->storesOfUser("usr_1"), (std::vector<std::string>{"st_a", "st_b"}));
  EXPECT_TRUE(tx->unassignStore("usr_1", "st_b"));
  EXPECT_FALSE(tx->unassignStore("usr_1", "st_b"));
  EXPECT_EQ(tx->storesOfUser("usr_1"), (std::vector<std::string>{"st_a"}));
}

TEST_P(StoreConformanceTest, SessionsRefreshTokensAndRevocation) {
  auto tx = store_->begin();
  tx->insertUser(makeUser("usr_1", "a@example.com"));
  tx->insertSession({"ses_1", "usr_1", 10, 1000, std::nullopt, ""});
  tx->insertSession({"ses_2", "usr_1", 10, 1000, std::nullopt, ""});
  tx->insertRefreshToken({"rt_hash", "ses_1", 10, 500, std::nullopt});
  EXPECT_EQ(tx->findRefreshToken("rt_hash")->sessionId, "ses_1");
  EXPECT_TRUE(tx->markRefreshTokenUsed("rt_hash", 20));
  EXPECT_FALSE(tx->markRefreshTokenUsed("rt_hash", 21));
  EXPECT_EQ(tx->findRefreshToken("rt_hash")->usedAt, 20);
  tx->revokeSession("ses_1", 30, "logout");
  tx->revokeSession("ses_1", 40, "again");
  EXPECT_EQ(tx->findSession("ses_1")->revokedAt, 30);
  EXPECT_EQ(tx->findSession("ses_1")->revokedReason, "logout");
  EXPECT_EQ(tx->revokeUserSessions("usr_1", 50, "password changed"), 1);
  EXPECT_EQ(tx->findSession("ses_2")->revokedAt, 50);
  tx->denyAccessToken("jti-1", 100);
  EXPECT_TRUE(tx->isAccessTokenDenied("jti-1"));
  EXPECT_FALSE(tx->isAccessTokenDenied("jti-2"));
  tx->purgeExpired(100);
  EXPECT_FALSE(tx->isAccessTokenDenied("jti-1"));
}

TEST_P(StoreConformanceTest, AccountTokensAreSingleUse) {
  auto tx = store_->begin();
  tx->insertUser(makeUser("usr_1", "a@example.com"));
  tx->insertAccountToken({"h1", "usr_1", "reset_password", 1, 100, std::nullopt});
  tx->insertAccountToken({"h2", "usr_1", "reset_password", 2, 100, std::nullopt});
  tx->insertAccountToken({"h3", "usr_1", "verify_email", 2, 100, std::nullopt});
  EXPECT_EQ(tx->findAccountToken("h1")->purpose, "reset_password");
  EXPECT_TRUE(tx->markAccountTokenUsed("h1", 5));
  EXPECT_FALSE(tx->markAccountTokenUsed("h1", 6));
  tx->retireAccountTokens("usr_1", "reset_password", 7);
  EXPECT_EQ(tx->findAccountToken("h2")->usedAt, 7);
  EXPECT_FALSE(tx->findAccountToken("h3")->usedAt);
  tx->purgeExpired(100);
  EXPECT_FALSE(tx->findAccountToken("h3"));
}

TEST_P(StoreConformanceTest, MailOutboxClaimsDueMailOldestFirst) {
  auto tx = store_->begin();
  MailRecord m;
  m.recipient = "a@example.com";
  m.subject = "one";
  m.body = "body with 'quotes'; DROP TABLE mail_outbox;--";
  m.createdAt = m.nextAttemptAt = 10;
  const auto first = tx->enqueueMail(m);
  m.subject = "two";
  m.nextAttemptAt = 50;
  tx->enqueueMail(m);
  auto due = tx->claimDueMails(20, 320, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, first);
  EXPECT_EQ(due[0].body, m.body);
  EXPECT_TRUE(tx->claimDueMails(20, 320, 10).empty()); // claimed until 320
  due = tx->claimDueMails(60, 360, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].subject, "two");
  due[0].sentAt = 61;
  due[0].attempts = 1;
  tx->updateMail(due[0]);
  EXPECT_EQ(tx->claimDueMails(400, 700, 10).size(), 1u); // "one" again, "two" is sent
  EXPECT_EQ(tx->listMails().size(), 2u);
  EXPECT_EQ(tx->listMails()[1].sentAt, 61);
}

} // namespace
} // namespace printrelay::cloud::testing
