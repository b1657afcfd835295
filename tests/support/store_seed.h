#pragma once
// Seeding a store with orders as the cloud leaves them, for tests and benchmarks that read them
// back (header only: the benchmarks link no test library).
#include "cloud/storage/store.h"

#include <string>

namespace printrelay::cloud::testing {

/// The store st_1 ("Shop") and its customer cu_1, as the seeded orders need them.
inline void seedStoreAndCustomer(StoreTransaction& tx) {
  tx.insertStore({"st_1", "Shop", "1 Street", 52.5, 13.4, "", "", 1});
  UserRecord customer;
  customer.id = "cu_1";
  customer.email = "cu_1@example.com";
  customer.role = "customer";
  tx.insertUser(customer);
}

/// A printed order `id` of cu_1 at st_1, created at `createdAt`, with everything its view shows:
/// its job (id "job_" + the order id's digits), history, page counts, charge and lifecycle.
inline void seedPrintedOrder(StoreTransaction& tx, const std::string& id, std::int64_t createdAt) {
  OrderRecord order;
  order.id = id;
  order.storeId = "st_1";
  order.customerId = "cu_1";
  order.state = OrderState::Printed;
  order.optionsJson = R"({"copies":1,"color":"monochrome"})";
  order.documentName = "document-" + id + ".pdf";
  order.contentType = "application/pdf";
  order.documentSize = 40'000;
  order.createdAt = order.updatedAt = createdAt;
  tx.insertOrder(order);
  tx.appendOrderHistory({id, OrderState::AwaitingUpload, createdAt, ""});
  tx.appendOrderHistory({id, OrderState::Queued, createdAt + 5, ""});
  tx.appendOrderHistory({id, OrderState::Dispatched, createdAt + 6, ""});
  tx.appendOrderHistory({id, OrderState::Printed, createdAt + 9, ""});
  JobRecord job;
  job.id = "job_" + id.substr(id.find('_') + 1);
  job.orderId = id;
  job.storeId = "st_1";
  job.printer = "Office";
  tx.insertJob(job);
  OrderPagesRecord pages;
  pages.orderId = id;
  pages.cloudPages = pages.quotedPages = pages.agentPages = 3;
  pages.source = "cloud";
  tx.putOrderPages(pages);
  OrderChargeRecord charge;
  charge.orderId = id;
  charge.totalMinor = charge.quotedTotalMinor = 45;
  charge.currency = "EUR";
  charge.finalizedAt = createdAt + 9;
  tx.putOrderCharge(charge);
  OrderLifecycleRecord lifecycle;
  lifecycle.orderId = id;
  lifecycle.storeId = "st_1";
  tx.putOrderLifecycle(lifecycle);
}

} // namespace printrelay::cloud::testing
