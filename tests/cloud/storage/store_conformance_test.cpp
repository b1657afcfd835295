// The contract every storage backend keeps, written once and run against each backend
// (SQLite in a file and in memory always; PostgreSQL when a backend for it is registered and
// PRINTRELAY_TEST_POSTGRES_URL names a database), like Kea's generic lease manager tests. This
// file instantiates the suite (store_*_test.cpp hold its tests by table group) and tests
// transactions and the factory.
#include "tests/cloud/storage/store_conformance.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace printrelay::cloud::testing {
namespace {

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
