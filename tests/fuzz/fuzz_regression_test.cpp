// Bugs the fuzzers found in parsers no other suite reads directly (the inputs are in the corpora
// as regression-*; cups_config_text_test and the CLI's KnownStoresTest pin the others).
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"

#include <cstdint>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace printrelay::cloud {
namespace {

TEST(FuzzRegressions, RequiredIntegerAppliesTheMinimumToNumbersReadAsUnsigned) {
  // JSON reads 0 as unsigned; "pages": 0 passed a minimum of 1 (found by fuzz_order_body).
  const auto body =
      nlohmann::json::parse(R"({"pages": 0, "one": 1, "big": 18446744073709551615, "neg": -1})");
  EXPECT_THROW(requiredInteger(body, "pages", 1, 100000), ApiError);
  EXPECT_EQ(requiredInteger(body, "pages", 0, 100000), 0);
  EXPECT_EQ(requiredInteger(body, "one", 1, 1), 1);
  EXPECT_THROW(requiredInteger(body, "one", 2, 5), ApiError);
  EXPECT_THROW(requiredInteger(body, "one", -5, -1), ApiError);
  EXPECT_THROW(requiredInteger(body, "big", 0, INT64_MAX), ApiError);
  EXPECT_EQ(requiredInteger(body, "neg", -1, 0), -1);
  EXPECT_THROW(requiredInteger(body, "neg", 0, 10), ApiError);
}

} // namespace
} // namespace printrelay::cloud
