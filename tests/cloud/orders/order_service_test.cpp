// The order service on its own, against an in-memory store: each kind of transition writes the
// state, its history row, the job and its lease, and its side effects; illegal ones are refused
// and change nothing; wake-ups are sent only after the commit.
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_service.h"
#include "cloud/storage/store_factory.h"
#include "common/util/error.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <vector>

namespace printrelay::cloud::testing {
namespace {

constexpr std::int64_t kNow = 1'000'000;
constexpr std::int64_t kLease = 120;

class OrderServiceTest : public ::testing::Test {
protected:
  void SetUp() override {
    store_ = openStore("sqlite::memory:");
    auto tx = store_->begin();
    StoreRecord shop;
    shop.id = "st_1";
    shop.name = "Corner Shop";
    shop.address = "1 Street";
    shop.keyId = "k1";
    tx->insertStore(shop);
    UserRecord customer;
    customer.id = "cu_1";
    customer.email = "cu@example.com";
    customer.role = "customer";
    customer.passwordHash = "x";
    tx->insertUser(customer);
    tx->commit();
  }

  OrderServiceHooks hooks() {
    OrderServiceHooks h;
    h.leaseSeconds = kLease;
    h.jobQueued = [this](const std::string& storeId) { woken_.push_back(storeId); };
    h.mailQueued = [this] { ++mails_; };
    return h;
  }

  /// A new order that reached `state` through the service.
  OrderRecord orderIn(OrderState state, bool hold = false) {
    auto tx = store_->begin();
    OrderService orders(*tx, hooks(), kNow);
    OrderRecord order;
    order.id = "ord_" + std::to_string(++count_);
    order.storeId = "st_1";
    order.customerId = "cu_1";
    order.state = OrderState::AwaitingUpload;
    order.optionsJson = "{}";
    order.documentName = "a.pdf";
    order.contentType = "application/pdf";
    order.createdAt = order.updatedAt = kNow;
    orders.create(order, "order created");
    recordHoldChoice(*tx, order, hold);
    if (state != OrderState::AwaitingUpload) {
      orders.documentArrived(order, "document stored");
    }
    if (state == OrderState::Dispatched || state == OrderState::Printing ||
        state == OrderState::Printed || state == OrderState::Failed) {
      orders.dispatch(order, "ag_1");
    }
    if (state == OrderState::Printing) {
      orders.agentReport(order, OrderState::Printing, "agent: printing", "");
    }
    if (state == OrderState::Printed || state == OrderState::Failed) {
      orders.agentReport(order, state, "agent: done", "");
    }
    orders.commit();
    woken_.clear();
    mails_ = 0;
    return order;
  }

  OrderRecord reload(const OrderRecord& order) { return *store_->begin()->findOrder(order.id); }
  JobRecord jobOf(const OrderRecord& order) { return *store_->begin()->findJobByOrder(order.id); }
  std::vector<OrderStateChange> history(const OrderRecord& order) {
    return store_->begin()->orderHistory(order.id);
  }

  std::unique_ptr<Store> store_;
  std::vector<std::string> woken_;
  int mails_ = 0;
  int count_ = 0;
};

TEST_F(OrderServiceTest, CreateWritesTheFirstStateAndItsHistory) {
  const OrderRecord order = orderIn(OrderState::AwaitingUpload);
  EXPECT_EQ(reload(order).state, OrderState::AwaitingUpload);
  ASSERT_EQ(history(order).size(), 1u);
  EXPECT_EQ(history(order)[0].note, "order created");
  EXPECT_FALSE(store_->begin()->findJobByOrder(order.id));
}

TEST_F(OrderServiceTest, ADocumentQueuesTheOrderWithAJobAndWakesItsStoreAfterCommit) {
  OrderRecord order = orderIn(OrderState::AwaitingUpload);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 1);
  EXPECT_EQ(orders.documentArrived(order, "document stored"), OrderState::Queued);
  EXPECT_TRUE(woken_.empty()) << "nobody is woken before the commit";
  orders.commit();
  EXPECT_EQ(woken_, std::vector<std::string>{"st_1"});
  EXPECT_EQ(reload(order).state, OrderState::Queued);
  EXPECT_TRUE(jobOf(order).leaseId.empty());
  EXPECT_EQ(history(order).back().state, OrderState::Queued);
}

TEST_F(OrderServiceTest, AnOrderThatWaitsForItsCustomerIsHeldWithAPickupCode) {
  const OrderRecord order = orderIn(OrderState::Held, true);
  EXPECT_EQ(reload(order).state, OrderState::Held);
  auto tx = store_->begin();
  const OrderLifecycleRecord lc = orderLifecycle(*tx, order);
  EXPECT_EQ(lc.holdReason, kHoldForPickup);
  EXPECT_TRUE(isPickupCode(lc.pickupCode));
  OrderService orders(*tx, hooks(), kNow + 1);
  const OrderRecord released = orders.releaseByPickupCode("st_1", lc.pickupCode, "the shop");
  orders.commit();
  EXPECT_EQ(released.state, OrderState::Queued);
  EXPECT_EQ(woken_, std::vector<std::string>{"st_1"});
  EXPECT_TRUE(orderLifecycle(*store_->begin(), order).holdReason.empty());
}

TEST_F(OrderServiceTest, DispatchLeasesTheJobAndReportsMoveTheLease) {
  OrderRecord order = orderIn(OrderState::Queued);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 10);
  const JobRecord leased = orders.dispatch(order, "ag_1");
  EXPECT_FALSE(leased.leaseId.empty());
  // Until the agent acknowledges the offer, the lease ends with the acknowledgement deadline.
  EXPECT_EQ(leased.leaseExpiresAt, kNow + 10 + OrderServiceHooks{}.offerAckSeconds);
  EXPECT_EQ(leased.agentId, "ag_1");
  EXPECT_EQ(orders.acknowledgeOffer(leased.id, leased.leaseId).leaseExpiresAt, kNow + 10 + kLease);
  EXPECT_THROW(orders.acknowledgeOffer(leased.id, "lease_other"), Error);
  orders.commit();

  auto tx2 = store_->begin();
  OrderService later(*tx2, hooks(), kNow + 50);
  later.agentReport(order, OrderState::Printing, "agent: printing", "");
  EXPECT_EQ(tx2->findJobByOrder(order.id)->leaseExpiresAt, kNow + 50 + kLease);
  later.agentReport(order, OrderState::Printed, "agent: printed", "");
  later.commit();
  EXPECT_TRUE(jobOf(order).leaseId.empty());
  EXPECT_EQ(reload(order).state, OrderState::Printed);
  EXPECT_EQ(mails_, 1) << "the customer hears that the print is ready";
}

TEST_F(OrderServiceTest, AFailureTellsTheCustomerWhy) {
  OrderRecord order = orderIn(OrderState::Printing);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 5);
  orders.agentReport(order, OrderState::Failed, "agent: failed: paper jam", "paper jam");
  orders.commit(); // queued in the transaction, once the refund (if any) is written
  const auto mail = store_->begin()->listMails();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_NE(mail[0].body.find("paper jam"), std::string::npos);
  EXPECT_EQ(mails_, 1);
}

TEST_F(OrderServiceTest, ALeaseThatRanOutReturnsTheJobToTheQueue) {
  const OrderRecord order = orderIn(OrderState::Dispatched);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + kLease + 1);
  orders.expireLeases("st_1");
  orders.commit();
  EXPECT_EQ(reload(order).state, OrderState::Queued);
  EXPECT_EQ(history(order).back().note, "lease expired");
  EXPECT_TRUE(jobOf(order).leaseId.empty());
  EXPECT_EQ(woken_, std::vector<std::string>{"st_1"});
}

TEST_F(OrderServiceTest, APageCountHoldEndsTheLeaseAndIsNotReleasedByCode) {
  OrderRecord order = orderIn(OrderState::Printing);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 5);
  orders.pagesCounted(order, false, "agent counted 9 page(s)");
  orders.commit();
  EXPECT_EQ(reload(order).state, OrderState::Held);
  EXPECT_TRUE(jobOf(order).leaseId.empty());
  EXPECT_EQ(orderLifecycle(*store_->begin(), order).holdReason, kHoldForPageCount);
}

TEST_F(OrderServiceTest, ACountWithinTheQuoteIsNotedAndTheLeaseRunsOn) {
  OrderRecord order = orderIn(OrderState::Dispatched);
  const std::size_t before = history(order).size();
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 30);
  orders.pagesCounted(order, true, "agent counted 2 page(s)");
  orders.commit();
  EXPECT_EQ(reload(order).state, OrderState::Dispatched);
  EXPECT_EQ(history(order).size(), before + 1);
  EXPECT_EQ(jobOf(order).leaseExpiresAt, kNow + 30 + kLease);
}

TEST_F(OrderServiceTest, CancelEndsTheLeaseAndIsRefusedOncePrintingStarted) {
  OrderRecord dispatched = orderIn(OrderState::Dispatched);
  OrderRecord printing = orderIn(OrderState::Printing);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 5);
  orders.cancel(dispatched, "cancelled by the customer");
  try {
    orders.cancel(printing, "too late");
    FAIL() << "a printing order was cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "printing_started");
  }
  orders.commit();
  EXPECT_EQ(reload(dispatched).state, OrderState::Cancelled);
  EXPECT_TRUE(jobOf(dispatched).leaseId.empty());
  EXPECT_EQ(reload(printing).state, OrderState::Printing);
}

TEST_F(OrderServiceTest, AReprintIsANewJobAndNeedsTheDocument) {
  printrelay::testing::TempDir dir{"printrelay-order-service"};
  DocumentDirectory documents(dir.path());
  OrderRecord order = orderIn(OrderState::Printed);
  const std::string firstJob = jobOf(order).id;
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 5);
  try {
    orders.reprint(order, documents, "reprint");
    FAIL() << "reprinted without a document";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "document_gone");
  }
  auto upload = documents.beginUpload(order.id);
  const std::uint8_t byte = 1;
  upload->write({&byte, 1});
  upload->commit();
  orders.reprint(order, documents, "reprint");
  orders.commit();
  EXPECT_EQ(reload(order).state, OrderState::Queued);
  EXPECT_NE(jobOf(order).id, firstJob);
}

TEST_F(OrderServiceTest, IllegalTransitionsAreRefusedAndChangeNothing) {
  printrelay::testing::TempDir dir{"printrelay-order-service"};
  const DocumentDirectory documents(dir.path());
  OrderRecord queued = orderIn(OrderState::Queued);
  OrderRecord awaiting = orderIn(OrderState::AwaitingUpload);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 5);
  const auto codeOf = [](const auto& change) {
    try {
      change();
    } catch (const Error& e) {
      return e.code();
    }
    return std::string("none");
  };
  EXPECT_EQ(codeOf([&] { orders.agentReport(queued, OrderState::Printed, "agent", ""); }),
            "illegal_transition");
  EXPECT_EQ(codeOf([&] { orders.dispatch(awaiting, "ag_1"); }), "illegal_transition");
  EXPECT_EQ(codeOf([&] { orders.approvePages(queued, "shop"); }), "no_page_count_hold");
  EXPECT_EQ(codeOf([&] { orders.reprint(queued, documents, "x"); }), "illegal_transition");
  EXPECT_FALSE(orders.paid(queued, "paid"));
  orders.commit();
  EXPECT_EQ(reload(queued).state, OrderState::Queued);
  EXPECT_EQ(reload(awaiting).state, OrderState::AwaitingUpload);
  EXPECT_TRUE(woken_.empty());
}

TEST_F(OrderServiceTest, ExpiryMovesAWaitingOrderToExpired) {
  OrderRecord order = orderIn(OrderState::Held, true);
  auto tx = store_->begin();
  OrderService orders(*tx, hooks(), kNow + 5);
  orders.expire(order, "expired: not released within a day");
  orders.commit();
  EXPECT_EQ(reload(order).state, OrderState::Expired);
  EXPECT_EQ(history(order).back().note, "expired: not released within a day");
  EXPECT_TRUE(orderLifecycle(*store_->begin(), order).holdReason.empty());
}

} // namespace
} // namespace printrelay::cloud::testing
