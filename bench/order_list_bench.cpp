// A page of orders read two ways from a SQLite store holding 200 orders of one customer: the
// old way (the page, then per order its job, pages, charge, lifecycle, store settings and
// history: six more queries each) and listOrderViews (one query). Prints the median time of
// each and their ratio.
//
//   order_list_bench [--runs R]
#include "cloud/storage/sqlite/sqlite_store.h"
#include "tests/support/store_seed.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

using namespace printrelay;
using namespace printrelay::cloud;

namespace {

constexpr int kOrders = 200;
constexpr int kPage = 20;

void fill(Store& store) {
  auto tx = store.begin();
  cloud::testing::seedStoreAndCustomer(*tx);
  for (int i = 0; i < kOrders; ++i) {
    cloud::testing::seedPrintedOrder(*tx, "ord_" + std::to_string(1000 + i), 1'700'000'000 + i);
  }
  tx->commit();
}

/// The page and, per order, what orderJson used to find for it one query at a time.
std::size_t readTheOldWay(Store& store, const OrderListQuery& query) {
  auto read = store.beginRead();
  std::size_t found = 0;
  for (const auto& order : read->listOrders(query)) {
    found += read->findJobByOrder(order.id) ? 1 : 0;
    found += read->findOrderPages(order.id) ? 1 : 0;
    found += read->findOrderCharge(order.id) ? 1 : 0;
    found += read->findOrderLifecycle(order.id) ? 1 : 0;
    found += read->findStoreLifecycle(order.storeId) ? 1 : 0;
    found += read->orderHistory(order.id).size();
  }
  return found;
}

std::size_t readTheViews(Store& store, const OrderListQuery& query) {
  auto read = store.beginRead();
  return read->listOrderViews(query).size();
}

template <typename Read> double medianMicroseconds(int runs, Read read) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    read();
    times.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  int runs = 200;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0) {
      runs = std::max(1, std::atoi(argv[i + 1]));
    }
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   ("printrelay-order-list-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  double oldWay = 0;
  double views = 0;
  {
    SqliteStore store((dir / "bench.db").string());
    fill(store);
    OrderListQuery query;
    query.customerId = "cu_1";
    query.limit = kPage;
    oldWay = medianMicroseconds(runs, [&] { readTheOldWay(store, query); });
    views = medianMicroseconds(runs, [&] { readTheViews(store, query); });
  }
  std::filesystem::remove_all(dir);
  std::printf("page of %d of %d orders, median of %d runs\n", kPage, kOrders, runs);
  std::printf("  per-order finds (1 + 6 x %d queries): %8.1f us\n", kPage, oldWay);
  std::printf("  listOrderViews (1 query):             %8.1f us\n", views);
  std::printf("  ratio: %.1fx\n", oldWay / views);
  return 0;
}
