// libFuzzer target: counting the pages of a PDF (common/document with qpdf), as the cloud does
// on a plaintext upload and the agent on every decrypted document.
#include "common/document/document.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <span>

using namespace printrelay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    const int pages = document::countPages(document::Kind::Pdf, bytes);
    PRINTRELAY_FUZZ_CHECK(pages >= 1 && pages <= 10'000'000);
  } catch (const Error& e) {
    // (page_count_unavailable: a build without qpdf, the Windows agent's replay under wine)
    PRINTRELAY_FUZZ_CHECK(e.code() == "document_unreadable" || e.code() == "document_encrypted" ||
                          (e.code() == "page_count_unavailable" && !document::canCountPdfPages()));
  }
  return 0;
}
