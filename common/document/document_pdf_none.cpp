// Builds without a PDF library (the MinGW-w64 agent: Debian ships no MinGW qpdf). The agent
// reports no count of its own there, and the cloud keeps the count it quoted.
#include "common/document/document.h"
#include "common/util/error.h"

namespace printrelay::document {

bool canCountPdfPages() {
  return false;
}

int countPdfPages(std::span<const std::uint8_t> /*bytes*/) {
  throw Error("page_count_unavailable", "this build cannot count PDF pages");
}

} // namespace printrelay::document
