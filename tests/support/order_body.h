#pragma once

// The body of POST /api/v1/orders as the test fixtures send it. Header-only.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace printrelay::testing {

/// An order of one document named `documentName` of `contentType` at `storeId`, printed with
/// `options`; `pages` is the client's own count, needed for a sealed upload.
inline nlohmann::json newOrderBody(const std::string& storeId, const std::string& documentName,
                                   const std::string& contentType, const nlohmann::json& options,
                                   std::optional<int> pages) {
  nlohmann::json body{{"store_id", storeId},
                      {"document_name", documentName},
                      {"content_type", contentType},
                      {"options", options}};
  if (pages) {
    body["pages"] = *pages;
  }
  return body;
}

} // namespace printrelay::testing
