#pragma once
// The store conformance suite's fixture: a fresh store of each backend (instantiated in
// store_conformance_test.cpp) and helpers that seed records.
#include "cloud/storage/store_factory.h"
#include "common/util/error.h"
#include "tests/support/temp_dir.h"

#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <ostream>
#include <string>

namespace printrelay::cloud::testing {

/// How to get a fresh, empty store of one backend.
struct BackendParam {
  std::string name;
  /// Database URL for a fresh store in `dir` (an empty database).
  std::function<std::string(const std::filesystem::path& dir)> url;
  bool persistent = true;
};

/// Names the backend in test listings (instead of the parameter's bytes).
inline void PrintTo(const BackendParam& param, std::ostream* os) {
  *os << param.name;
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

  /// ord_full (queued, with everything an order can have; its second job is a reprint) and
  /// ord_bare (awaiting upload, with nothing but itself).
  void seedViewOrders() {
    auto tx = store_->begin();
    OrderRecord full = seedOrder(*tx, "ord_full", OrderState::Queued, 10);
    full.updatedAt = 40;
    tx->updateOrder(full);
    seedOrder(*tx, "ord_bare", OrderState::AwaitingUpload, 20);
    seedJob(*tx, "job_first", "ord_full", 11);
    JobRecord reprint = seedJob(*tx, "job_reprint", "ord_full", 12);
    reprint.printer = "Office";
    reprint.spoolerJobId = 7;
    tx->updateJob(reprint);
    tx->appendOrderHistory({"ord_full", OrderState::Queued, 15, "first queued"});
    tx->appendOrderHistory({"ord_full", OrderState::Dispatched, 25, ""});
    tx->appendOrderHistory({"ord_full", OrderState::Queued, 35, "back in the queue"});
    OrderPagesRecord pages;
    pages.orderId = "ord_full";
    pages.clientPages = 3;
    pages.quotedPages = 3;
    pages.source = "client";
    tx->putOrderPages(pages);
    OrderChargeRecord charge;
    charge.orderId = "ord_full";
    charge.totalMinor = 30;
    charge.currency = "EUR";
    charge.paymentState = "paid";
    charge.paidMinor = 30;
    charge.paidAt = 16;
    tx->putOrderCharge(charge);
    OrderLifecycleRecord lifecycle;
    lifecycle.orderId = "ord_full";
    lifecycle.storeId = "st_1";
    lifecycle.wantsHold = true;
    lifecycle.pickupCode = "123456";
    tx->putOrderLifecycle(lifecycle);
    tx->commit();
  }

  printrelay::testing::TempDir dir_{"printrelay-store-test"};
  std::unique_ptr<Store> store_;
};

} // namespace printrelay::cloud::testing
