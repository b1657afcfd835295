// The contract every storage backend keeps, written once and run against each backend
// (SQLite in a file and in memory always; PostgreSQL when a backend for it is registered and
// PRINTRELAY_TEST_POSTGRES_URL names a database), like Kea's generic lease manager tests.
#include "cloud/storage/store_factory.h"
#include "common/util/error.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <cstdlib>
#include <gtest/gtest.h>
#include <thread>

namespace printrelay::cloud::testing {
namespace {

/// How to get a fresh, empty store of one backend.
struct BackendParam {
  std::string name;
  /// Database URL for a fresh store in `dir` (an empty database).
  std::function<std::string(const std::filesystem::path& dir)> url;
  bool persistent = true;
};

/// Names the backend in test listings (instead of the parameter's bytes).
void PrintTo(const BackendParam& param, std::ostream* os) {
  *os << param.name;
}

std::vector<BackendParam> backends() {
  std::vector<BackendParam> out{
      {"SqliteFile",
       [](const std::filesystem::path& dir) { return "sqlite:" + (dir / "store.db").string(); },
       true},
      {"SqliteMemory", [](const std::filesystem::path&) { return std::string("sqlite::memory:"); },
       false},
  };
  const char* pg = std::getenv("PRINTRELAY_TEST_POSTGRES_URL");
  const auto schemes = storeBackendSchemes();
  if (pg != nullptr && *pg != '\0' &&
      std::find(schemes.begin(), schemes.end(), "postgresql") != schemes.end()) {
    out.push_back(
        {"PostgreSQL", [url = std::string(pg)](const std::filesystem::path&) { return url; }});
  }
  return out;
}

class StoreConformanceTest : public ::testing::TestWithParam<BackendParam> {
protected:
  void SetUp() override { store_ = openStore(GetParam().url(dir_.path())); }

  StoreRecord makeStore(const std::string& id, const std::string& name) {
    StoreRecord s;
    s.id = id;
    s.name = name;
    s.address = "1 Street";
    s.latitude = 52.5;
    s.longitude = 13.4;
    s.createdAt = 100;
    return s;
  }

  static UserRecord makeUser(const std::string& id, const std::string& email,
                             const std::string& role = "customer") {
    UserRecord u;
    u.id = id;
    u.email = email;
    u.role = role;
    u.name = "Name of " + id;
    u.passwordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    u.createdAt = u.updatedAt = 1;
    return u;
  }

  /// A store, a customer and an order in `state`, with a job when it was uploaded.
  OrderRecord seedOrder(StoreTransaction& tx, const std::string& orderId, OrderState state,
                        std::int64_t at) {
    if (!tx.findStore("st_1")) {
      tx.insertStore(makeStore("st_1", "Shop"));
      tx.insertUser(makeUser("cu_1", "cu_1@example.com"));
    }
    OrderRecord o;
    o.id = orderId;
    o.storeId = "st_1";
    o.customerId = "cu_1";
    o.state = state;
    o.optionsJson = R"({"copies":1})";
    o.documentName = "doc.pdf";
    o.contentType = "application/pdf";
    o.createdAt = o.updatedAt = at;
    tx.insertOrder(o);
    return o;
  }

  JobRecord seedJob(StoreTransaction& tx, const std::string& jobId, const std::string& orderId,
                    std::int64_t at) {
    JobRecord j;
    j.id = jobId;
    j.orderId = orderId;
    j.storeId = "st_1";
    j.createdAt = j.updatedAt = at;
    tx.insertJob(j);
    return j;
  }

  printrelay::testing::TempDir dir_{"printrelay-store-test"};
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformanceTest, StoresRoundTripAndListByName) {
  {
    auto tx = store_->begin();
    tx->insertStore(makeStore("st_b", "Beta"));
    tx->insertStore(makeStore("st_a", "Alpha"));
    tx->commit();
  }
  auto tx = store_->begin();
  const auto found = tx->findStore("st_b");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "Beta");
  EXPECT_DOUBLE_EQ(found->latitude, 52.5);
  EXPECT_TRUE(found->publicKey.empty());
  EXPECT_FALSE(tx->findStore("st_missing"));
  const auto all = tx->listStores();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "st_a");
  tx->setStoreKey("st_b", "cHVibGlj", "keyid");
  EXPECT_EQ(tx->findStore("st_b")->keyId, "keyid");
  EXPECT_EQ(tx->findStore("st_b")->publicKey, "cHVibGlj");
}

TEST_P(StoreConformanceTest, TextIsStoredVerbatim) {
  const std::string nasty = "Robert'); DROP TABLE stores;-- \"%_\\ \xc3\xbc \xf0\x9f\x96\xa8";
  {
    auto tx = store_->begin();
    tx->insertStore(makeStore("st_x", nasty));
    tx->commit();
  }
  auto tx = store_->begin();
  EXPECT_EQ(tx->findStore("st_x")->name, nasty);
  EXPECT_EQ(tx->listStores().size(), 1u);
}

TEST_P(StoreConformanceTest, UncommittedTransactionRollsBack) {
  {
    auto tx = store_->begin();
    tx->insertStore(makeStore("st_gone", "Gone"));
  }
  auto tx = store_->begin();
  EXPECT_FALSE(tx->findStore("st_gone"));
}

TEST_P(StoreConformanceTest, EnrollmentCodesAreUsedOnce) {
  auto tx = store_->begin();
  tx->insertStore(makeStore("st_1", "Shop"));
  tx->insertEnrollmentCode({"codehash", "st_1", 10, 20, std::nullopt, ""});
  EXPECT_FALSE(tx->findEnrollmentCode("other"));
  EXPECT_TRUE(tx->markEnrollmentCodeUsed("codehash", 15, "ag_1"));
  EXPECT_FALSE(tx->markEnrollmentCodeUsed("codehash", 16, "ag_2"));
  EXPECT_FALSE(tx->markEnrollmentCodeUsed("missing", 16, "ag_2"));
  const auto code = tx->findEnrollmentCode("codehash");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->usedAt, 15);
  EXPECT_EQ(code->usedByAgentId, "ag_1");
  EXPECT_EQ(code->expiresAt, 20);
}

TEST_P(StoreConformanceTest, AgentsAreFoundByCredentialHashAndRevokedOnce) {
  auto tx = store_->begin();
  tx->insertStore(makeStore("st_1", "Shop"));
  AgentRecord a;
  a.id = "ag_1";
  a.storeId = "st_1";
  a.name = "pc";
  a.version = "1";
  a.publicKey = "pk";
  a.keyId = "kid";
  a.credentialHash = "credhash";
  a.createdAt = 5;
  tx->insertAgent(a);
  EXPECT_EQ(tx->findAgentByCredentialHash("credhash")->id, "ag_1");
  EXPECT_FALSE(tx->findAgentByCredentialHash("nope"));
  EXPECT_FALSE(tx->lastAgentContact("st_1"));
  tx->touchAgent("ag_1", 50);
  EXPECT_EQ(tx->lastAgentContact("st_1"), 50);
  EXPECT_TRUE(tx->revokeAgent("ag_1", 60));
  EXPECT_TRUE(tx->revokeAgent("ag_1", 70));
  EXPECT_EQ(tx->findAgent("ag_1")->revokedAt, 60);
  EXPECT_FALSE(tx->revokeAgent("ag_missing", 70));
  EXPECT_FALSE(tx->lastAgentContact("st_1")); // revoked agents do not count
}

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

TEST_P(StoreConformanceTest, StoresCanBeEditedAndListTheirOrders) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
  seedOrder(*tx, "ord_2", OrderState::AwaitingUpload, 20);
  auto store = *tx->findStore("st_1");
  store.name = "Renamed";
  store.latitude = 1.5;
  EXPECT_TRUE(tx->updateStore(store));
  EXPECT_EQ(tx->findStore("st_1")->name, "Renamed");
  EXPECT_EQ(tx->findStore("st_1")->latitude, 1.5);
  store.id = "st_missing";
  EXPECT_FALSE(tx->updateStore(store));
  const auto orders = tx->listOrdersByStore("st_1");
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].id, "ord_2");
  EXPECT_TRUE(tx->listOrdersByStore("st_other").empty());
}

TEST_P(StoreConformanceTest, OrdersRoundTripAndListNewestFirst) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
  seedOrder(*tx, "ord_2", OrderState::AwaitingUpload, 20);
  tx->insertUser(makeUser("cu_other", "other@example.com"));
  auto order = *tx->findOrder("ord_1");
  EXPECT_EQ(order.state, OrderState::AwaitingUpload);
  EXPECT_FALSE(order.documentSize);
  order.state = OrderState::Queued;
  order.documentSize = 1234;
  order.keyId = "kid";
  order.updatedAt = 30;
  tx->updateOrder(order);
  const auto reread = *tx->findOrder("ord_1");
  EXPECT_EQ(reread.state, OrderState::Queued);
  EXPECT_EQ(reread.documentSize, 1234u);
  EXPECT_EQ(reread.keyId, "kid");
  EXPECT_EQ(reread.optionsJson, R"({"copies":1})");
  const auto list = tx->listOrdersByCustomer("cu_1");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "ord_2");
  EXPECT_TRUE(tx->listOrdersByCustomer("cu_other").empty());
  OrderRecord missing = order;
  missing.id = "ord_missing";
  EXPECT_THROW(tx->updateOrder(missing), Error);
}

TEST_P(StoreConformanceTest, OrderHistoryKeepsItsOrder) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
  tx->appendOrderHistory({"ord_1", OrderState::AwaitingUpload, 10, "created"});
  tx->appendOrderHistory({"ord_1", OrderState::Queued, 10, ""});
  tx->appendOrderHistory({"ord_1", OrderState::Dispatched, 9, "clock skew keeps insert order"});
  const auto history = tx->orderHistory("ord_1");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].state, OrderState::AwaitingUpload);
  EXPECT_EQ(history[0].note, "created");
  EXPECT_EQ(history[2].state, OrderState::Dispatched);
  EXPECT_TRUE(tx->orderHistory("ord_none").empty());
}

TEST_P(StoreConformanceTest, QueuedJobsComeOutOldestFirst) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Queued, 10);
  seedOrder(*tx, "ord_2", OrderState::Queued, 11);
  seedOrder(*tx, "ord_3", OrderState::Dispatched, 9);
  seedJob(*tx, "job_2", "ord_2", 21);
  seedJob(*tx, "job_1", "ord_1", 20);
  seedJob(*tx, "job_3", "ord_3", 19);
  EXPECT_EQ(tx->nextQueuedJob("st_1")->id, "job_1");
  EXPECT_FALSE(tx->nextQueuedJob("st_other"));
  EXPECT_EQ(tx->findJobByOrder("ord_2")->id, "job_2");
  auto order = *tx->findOrder("ord_1");
  order.state = OrderState::Dispatched;
  tx->updateOrder(order);
  EXPECT_EQ(tx->nextQueuedJob("st_1")->id, "job_2");
}

TEST_P(StoreConformanceTest, LeasesExpireOnlyForDispatchedOrders) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Dispatched, 10);
  seedOrder(*tx, "ord_2", OrderState::Printing, 10);
  seedOrder(*tx, "ord_3", OrderState::Dispatched, 10);
  auto j1 = seedJob(*tx, "job_1", "ord_1", 10);
  auto j2 = seedJob(*tx, "job_2", "ord_2", 10);
  auto j3 = seedJob(*tx, "job_3", "ord_3", 10);
  j1.leaseId = "lease_1";
  j1.leaseExpiresAt = 100;
  j1.agentId = "ag_1";
  j1.spoolerJobId = 7;
  j1.printer = "p";
  j1.lastEventSeq = 3;
  tx->updateJob(j1);
  j2.leaseId = "lease_2";
  j2.leaseExpiresAt = 50;
  tx->updateJob(j2);
  j3.leaseId = "lease_3";
  j3.leaseExpiresAt = 200;
  tx->updateJob(j3);

  const auto reread = *tx->findJob("job_1");
  EXPECT_EQ(reread.leaseId, "lease_1");
  EXPECT_EQ(reread.spoolerJobId, 7);
  EXPECT_EQ(reread.printer, "p");
  EXPECT_EQ(reread.lastEventSeq, 3u);
  EXPECT_EQ(reread.agentId, "ag_1");

  EXPECT_TRUE(tx->expiredLeases(99, "").empty());
  const auto expired = tx->expiredLeases(100, "");
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, "job_1");
  EXPECT_EQ(tx->expiredLeases(1000, "st_1").size(), 2u);
  EXPECT_TRUE(tx->expiredLeases(1000, "st_other").empty());
  EXPECT_EQ(tx->nextLeaseExpiry("st_1"), 100);
  EXPECT_FALSE(tx->nextLeaseExpiry("st_other"));
}

TEST_P(StoreConformanceTest, JobEventsAreUniquePerJobAndSeq) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Dispatched, 10);
  seedOrder(*tx, "ord_2", OrderState::Dispatched, 10);
  seedJob(*tx, "job_1", "ord_1", 10);
  seedJob(*tx, "job_2", "ord_2", 10);
  tx->insertJobEvent({"job_1", 1, R"({"a":1})", R"({"ok":true})", 11});
  tx->insertJobEvent({"job_2", 1, R"({"a":2})", R"({"ok":true})", 11});
  try {
    tx->insertJobEvent({"job_1", 1, "{}", "{}", 12});
    FAIL() << "a duplicate (job, seq) was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "duplicate_event");
  }
  const auto e = tx->findJobEvent("job_1", 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payloadJson, R"({"a":1})");
  EXPECT_EQ(e->responseJson, R"({"ok":true})");
  EXPECT_FALSE(tx->findJobEvent("job_1", 2));
  // The transaction is still usable after the refused insert.
  tx->commit();
  EXPECT_TRUE(store_->begin()->findJobEvent("job_2", 1));
}

// Issue 4 — DOCUMENTS
TEST_P(StoreConformanceTest, OrderPagesAreInsertedThenOverwritten) {
  {
    auto tx = store_->begin();
    seedOrder(*tx, "ord_1", OrderState::AwaitingUpload, 10);
    EXPECT_FALSE(tx->findOrderPages("ord_1"));
    OrderPagesRecord p;
    p.orderId = "ord_1";
    p.clientPages = 4;
    tx->putOrderPages(p);
    tx->commit();
  }
  auto tx = store_->begin();
  auto p = tx->findOrderPages("ord_1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->clientPages, 4);
  EXPECT_FALSE(p->cloudPages);
  EXPECT_FALSE(p->agentPages);
  EXPECT_FALSE(p->quotedPages);
  EXPECT_EQ(p->source, "");
  EXPECT_FALSE(p->approvedAt);
  p->cloudPages = 5;
  p->quotedPages = 5;
  p->agentPages = 7;
  p->source = "cloud";
  p->agentContentType = "application/pdf";
  p->holdReason = "page_count";
  p->approvedAt = 99;
  tx->putOrderPages(*p);
  const auto again = tx->findOrderPages("ord_1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->cloudPages, 5);
  EXPECT_EQ(again->clientPages, 4);
  EXPECT_EQ(again->agentPages, 7);
  EXPECT_EQ(again->quotedPages, 5);
  EXPECT_EQ(again->source, "cloud");
  EXPECT_EQ(again->agentContentType, "application/pdf");
  EXPECT_EQ(again->holdReason, "page_count");
  EXPECT_EQ(again->approvedAt, 99);
}

TEST_P(StoreConformanceTest, StorePrintDefaultsAreInsertedThenOverwritten) {
  auto tx = store_->begin();
  tx->insertStore(makeStore("st_1", "Shop"));
  EXPECT_FALSE(tx->findStorePrintDefaults("st_1"));
  StorePrintDefaultsRecord d;
  d.storeId = "st_1";
  d.printer = "Front";
  d.optionsJson = R"({"media":"A4"})";
  d.updatedAt = 5;
  tx->putStorePrintDefaults(d);
  d.printer = "";
  d.optionsJson = "{}";
  d.updatedAt = 6;
  tx->putStorePrintDefaults(d);
  const auto found = tx->findStorePrintDefaults("st_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->printer, "");
  EXPECT_EQ(found->optionsJson, "{}");
  EXPECT_EQ(found->updatedAt, 6);
}

TEST_P(StoreConformanceTest, ConcurrentTransactionsDoNotLoseWrites) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto tx = store_->begin();
        const std::string id = "cu_" + std::to_string(t) + "_" + std::to_string(i);
        tx->insertUser(makeUser(id, id + "@example.com"));
        tx->commit();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  auto tx = store_->begin();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string id = "cu_" + std::to_string(t) + "_" + std::to_string(i);
      EXPECT_TRUE(tx->findUser(id)) << id;
    }
  }
}

TEST_P(StoreConformanceTest, DataSurvivesReopening) {
  if (!GetParam().persistent) {
    GTEST_SKIP() << "in-memory backend";
  }
  {
    auto tx = store_->begin();
    tx->insertStore(makeStore("st_keep", "Kept"));
    tx->commit();
  }
  store_.reset();
  store_ = openStore(GetParam().url(dir_.path()));
  EXPECT_EQ(store_->begin()->findStore("st_keep")->name, "Kept");
}

// Issue 4 — commerce
TEST_P(StoreConformanceTest, PricesChargesAndPaymentEventsRoundTrip) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Queued, 10);
  EXPECT_FALSE(tx->findStorePrices("st_1"));
  tx->putStorePrices({"st_1", R"({"currency":"EUR"})", "print_then_pay", 20});
  tx->putStorePrices({"st_1", R"({"currency":"JPY"})", "pay_first", 21});
  const auto prices = tx->findStorePrices("st_1");
  ASSERT_TRUE(prices);
  EXPECT_EQ(prices->priceListJson, R"({"currency":"JPY"})");
  EXPECT_EQ(prices->paymentPolicy, "pay_first");
  EXPECT_EQ(prices->updatedAt, 21);

  EXPECT_FALSE(tx->findOrderCharge("ord_1"));
  OrderChargeRecord c;
  c.orderId = "ord_1";
  c.pages = 3;
  c.pagesSource = "cloud";
  c.priceListJson = "{}";
  c.breakdownJson = R"({"total_minor":357})";
  c.totalMinor = 357;
  c.currency = "EUR";
  c.quotedTotalMinor = 357;
  c.createdAt = c.updatedAt = 30;
  tx->putOrderCharge(c);
  c.paymentState = "refunded";
  c.paymentMethod = "card";
  c.paidMinor = 357;
  c.paidAt = 31;
  c.paymentReference = "cs_1";
  c.refundedMinor = 357;
  c.refundedAt = 32;
  c.refundReason = "printing failed";
  c.finalizedAt = 33;
  c.updatedAt = 33;
  tx->putOrderCharge(c);
  const auto got = tx->findOrderCharge("ord_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->pages, 3);
  EXPECT_EQ(got->breakdownJson, c.breakdownJson);
  EXPECT_EQ(got->paymentState, "refunded");
  EXPECT_EQ(got->paymentMethod, "card");
  EXPECT_EQ(got->paidAt, 31);
  EXPECT_EQ(got->paymentReference, "cs_1");
  EXPECT_EQ(got->refundedMinor, 357);
  EXPECT_EQ(got->refundedAt, 32);
  EXPECT_EQ(got->refundReason, "printing failed");
  EXPECT_EQ(got->finalizedAt, 33);
  EXPECT_EQ(got->createdAt, 30);

  EXPECT_TRUE(tx->insertPaymentEvent({"evt_1", "checkout.session.completed", "ord_1", "paid", 40}));
  EXPECT_FALSE(tx->insertPaymentEvent({"evt_1", "other", "", "ignored", 41}));
  const auto event = tx->findPaymentEvent("evt_1");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "checkout.session.completed");
  EXPECT_EQ(event->outcome, "paid");
  EXPECT_EQ(event->receivedAt, 40);
  EXPECT_FALSE(tx->findPaymentEvent("evt_2"));
  tx->commit();
  EXPECT_TRUE(store_->begin()->findOrderCharge("ord_1"));
}

// Issue 4 — lifecycle

TEST_P(StoreConformanceTest, LifecycleSettingsAndRecordsAreUpserted) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Held, 10);
  EXPECT_FALSE(tx->findStoreLifecycle("st_1"));
  StoreLifecycleRecord settings;
  settings.storeId = "st_1";
  settings.holdByDefault = true;
  settings.releaseWindowSeconds = 7200;
  settings.updatedAt = 5;
  tx->putStoreLifecycle(settings);
  settings.retentionSeconds = 0;
  tx->putStoreLifecycle(settings);
  const auto read = tx->findStoreLifecycle("st_1");
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->holdByDefault);
  EXPECT_EQ(read->releaseWindowSeconds, 7200);
  EXPECT_EQ(read->retentionSeconds, 0);
  EXPECT_EQ(read->uploadWindowSeconds, 3600);

  EXPECT_FALSE(tx->findOrderLifecycle("ord_1"));
  OrderLifecycleRecord lc{"ord_1", "st_1", true, "pickup", "012345", std::nullopt};
  tx->putOrderLifecycle(lc);
  lc.documentDeletedAt = 99;
  lc.holdReason.clear();
  tx->putOrderLifecycle(lc);
  const auto reread = tx->findOrderLifecycle("ord_1");
  ASSERT_TRUE(reread);
  EXPECT_TRUE(reread->wantsHold);
  EXPECT_EQ(reread->pickupCode, "012345");
  EXPECT_EQ(reread->holdReason, "");
  EXPECT_EQ(reread->documentDeletedAt, 99);
}

TEST_P(StoreConformanceTest, PickupCodesAreReservedWhileTheOrderMayBeCollected) {
  auto tx = store_->begin();
  const std::vector<std::pair<std::string, OrderState>> orders = {
      {"ord_held", OrderState::Held},       {"ord_printed", OrderState::Printed},
      {"ord_gone", OrderState::Printed},    {"ord_cancelled", OrderState::Cancelled},
      {"ord_expired", OrderState::Expired},
  };
  for (const auto& [id, state] : orders) {
    seedOrder(*tx, id, state, 10);
    tx->putOrderLifecycle({id, "st_1", true, "", "424242",
                           id == "ord_gone" ? std::optional<std::int64_t>(20) : std::nullopt});
  }
  std::vector<std::string> ids;
  for (const auto& o : tx->ordersWithPickupCode("st_1", "424242")) {
    ids.push_back(o.id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"ord_held", "ord_printed"}));
  EXPECT_TRUE(tx->ordersWithPickupCode("st_1", "000000").empty());
  EXPECT_TRUE(tx->ordersWithPickupCode("st_other", "424242").empty());
}

TEST_P(StoreConformanceTest, OrdersInAStateSinceCountFromTheirLatestEntry) {
  auto tx = store_->begin();
  auto held = seedOrder(*tx, "ord_1", OrderState::Held, 10);
  tx->appendOrderHistory({"ord_1", OrderState::Held, 10, ""});
  tx->appendOrderHistory({"ord_1", OrderState::Queued, 20, ""});
  tx->appendOrderHistory({"ord_1", OrderState::Held, 50, "held again"});
  auto printed = seedOrder(*tx, "ord_2", OrderState::Printed, 10);
  printed.documentSize = 100;
  tx->updateOrder(printed);
  tx->appendOrderHistory({"ord_2", OrderState::Printed, 30, ""});
  seedOrder(*tx, "ord_3", OrderState::Printed, 10); // never uploaded
  tx->appendOrderHistory({"ord_3", OrderState::Printed, 30, ""});

  EXPECT_TRUE(tx->ordersInStateSince("st_1", OrderState::Held, 49, false, 10).empty());
  ASSERT_EQ(tx->ordersInStateSince("st_1", OrderState::Held, 50, false, 10).size(), 1u);
  EXPECT_EQ(tx->ordersInStateSince("st_1", OrderState::Printed, 30, false, 10).size(), 2u);
  auto stored = tx->ordersInStateSince("st_1", OrderState::Printed, 30, true, 10);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, "ord_2");
  tx->putOrderLifecycle({"ord_2", "st_1", false, "", "", 40});
  EXPECT_TRUE(tx->ordersInStateSince("st_1", OrderState::Printed, 100, true, 10).empty());
  EXPECT_EQ(tx->ordersInStateSince("st_1", OrderState::Printed, 100, false, 1).size(), 1u);
  EXPECT_TRUE(tx->ordersInStateSince("st_other", OrderState::Held, 100, false, 10).empty());
  (void)held;
}

TEST_P(StoreConformanceTest, OrderPagesAreFilteredAndStable) {
  auto tx = store_->begin();
  // Five orders, three of them in the same second.
  seedOrder(*tx, "ord_a", OrderState::Queued, 10);
  seedOrder(*tx, "ord_b", OrderState::Held, 20);
  seedOrder(*tx, "ord_c", OrderState::Queued, 20);
  seedOrder(*tx, "ord_d", OrderState::Printed, 20);
  seedOrder(*tx, "ord_e", OrderState::Queued, 30);
  const auto ids = [](const std::vector<OrderRecord>& orders) {
    std::vector<std::string> out;
    for (const auto& o : orders) {
      out.push_back(o.id);
    }
    return out;
  };
  OrderListQuery q;
  q.customerId = "cu_1";
  q.limit = 2;
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_e", "ord_d"}));
  q.after = std::make_pair(std::int64_t{20}, std::string("ord_d"));
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_c", "ord_b"}));
  q.oldestFirst = true;
  q.after = std::make_pair(std::int64_t{20}, std::string("ord_b"));
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_c", "ord_d"}));
  q = OrderListQuery{};
  q.storeId = "st_1";
  q.states = {OrderState::Queued};
  q.createdAfter = 10;
  q.createdBefore = 30;
  q.limit = 10;
  EXPECT_EQ(ids(tx->listOrders(q)), (std::vector<std::string>{"ord_c"}));
  q.states = {};
  q.customerId = "cu_other";
  EXPECT_TRUE(tx->listOrders(q).empty());
}

TEST_P(StoreConformanceTest, AReprintedOrdersNewestJobIsItsCurrentOne) {
  auto tx = store_->begin();
  seedOrder(*tx, "ord_1", OrderState::Queued, 10);
  auto old = seedJob(*tx, "job_old", "ord_1", 10);
  old.leaseId = "lease_stale";
  old.leaseExpiresAt = 5;
  tx->updateJob(old);
  seedJob(*tx, "job_new", "ord_1", 50);
  EXPECT_EQ(tx->findJobByOrder("ord_1")->id, "job_new");
  EXPECT_EQ(tx->findJob("job_old")->orderId, "ord_1");
  EXPECT_EQ(tx->nextQueuedJob("st_1")->id, "job_new");
  auto order = *tx->findOrder("ord_1");
  order.state = OrderState::Dispatched;
  tx->updateOrder(order);
  // The old job's stale lease is not the order's: it neither expires nor wakes a poll.
  EXPECT_TRUE(tx->expiredLeases(100, "st_1").empty());
  EXPECT_FALSE(tx->nextLeaseExpiry("st_1"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest, ::testing::ValuesIn(backends()),
                         [](const ::testing::TestParamInfo<BackendParam>& param) {
                           return param.param.name;
                         });

TEST(StoreFactoryTest, UnknownSchemeIsAConfigurationError) {
  try {
    openStore("mysql://db/printrelay");
    FAIL() << "an unknown scheme was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "config_invalid");
    EXPECT_NE(std::string(e.what()).find("sqlite"), std::string::npos) << e.what();
  }
  EXPECT_THROW(openStore("no-scheme-here"), Error);
  EXPECT_THROW(openStore("sqlite:"), Error);
}

TEST(StoreFactoryTest, RegisteredBackendIsPickedByScheme) {
  std::string seen;
  registerStoreBackend("fake", [&](const std::string& location) -> std::unique_ptr<Store> {
    seen = location;
    return openStore("sqlite::memory:");
  });
  auto store = openStore("fake:somewhere");
  EXPECT_EQ(seen, "somewhere");
  EXPECT_EQ(store->backendName(), "sqlite");
}

} // namespace
} // namespace printrelay::cloud::testing
