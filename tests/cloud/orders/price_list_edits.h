#pragma once

// A good price list (its JSON) with one thing changed, for the tests that feed hostile lists to
// the parser (pricing_test.cpp) and to PUT /prices (quotes_test.cpp).
#include <nlohmann/json.hpp>
#include <string>

namespace printrelay::cloud::testing {

struct PriceListEdits {
  nlohmann::json base; ///< the good list

  /// The list with its field `key` set to `value`.
  nlohmann::json with(const std::string& key, const nlohmann::json& value) const {
    nlohmann::json j = base;
    j[key] = value;
    return j;
  }

  /// The list with its per-side price for `mode` and `media` set to `value`.
  nlohmann::json side(const std::string& mode, const std::string& media,
                      const nlohmann::json& value) const {
    nlohmann::json j = base;
    j["per_side_minor"][mode][media] = value;
    return j;
  }
};

} // namespace printrelay::cloud::testing
