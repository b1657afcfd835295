// libFuzzer target: telling a document's type from its bytes and counting the pages of text,
// PNG and JPEG (common/document), and the cloud's checks of a plaintext upload on top
// (cloud/orders/order_documents). PDF page counting has its own target (fuzz_pdf_pages).
#include "cloud/orders/order_documents.h"
#include "common/document/document.h"
#include "common/util/error.h"
#include "common/wire/protocol.h"
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

using namespace printrelay;
using document::Kind;

namespace {

bool isOneOf(const std::string& code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const Kind kind = document::sniff(bytes);
  // sniff looks at the head only.
  PRINTRELAY_FUZZ_CHECK(kind ==
                        document::sniff(bytes.first(std::min(size, document::kSniffBytes))));
  PRINTRELAY_FUZZ_CHECK(size > 0 || kind == Kind::Unknown);
  const std::string type(document::mediaType(kind));
  PRINTRELAY_FUZZ_CHECK(document::kindOfMediaType(type) == kind);
  PRINTRELAY_FUZZ_CHECK(cloud::isCountableDocumentType(type) == (kind != Kind::Unknown));

  // The cloud's check of an upload's first bytes against its declared type.
  for (const Kind declared : {Kind::Pdf, Kind::Png, Kind::Jpeg, Kind::Text}) {
    try {
      cloud::checkDocumentBytes(bytes, std::string(document::mediaType(declared)));
      PRINTRELAY_FUZZ_CHECK(declared == kind);
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(kind == Kind::Unknown ? e.code() == "unsupported_document"
                                                  : e.code() == "document_type_mismatch");
      PRINTRELAY_FUZZ_CHECK(declared != kind);
    }
  }

  const auto formFeeds = static_cast<std::size_t>(std::count(data, data + size, '\f'));
  const auto newlines = static_cast<std::size_t>(std::count(data, data + size, '\n'));
  for (const Kind counted : {Kind::Png, Kind::Jpeg, Kind::Text, Kind::Unknown}) {
    try {
      const int pages = document::countPages(counted, bytes);
      PRINTRELAY_FUZZ_CHECK(counted != Kind::Unknown);
      PRINTRELAY_FUZZ_CHECK(pages >= 1);
      if (counted == Kind::Text) {
        // A page ends at a form feed or after kTextLinesPerPage lines; the last may be open.
        PRINTRELAY_FUZZ_CHECK(static_cast<std::size_t>(pages) <=
                              formFeeds + newlines / document::kTextLinesPerPage + 1);
        PRINTRELAY_FUZZ_CHECK(static_cast<std::size_t>(pages) >= formFeeds);
      } else {
        PRINTRELAY_FUZZ_CHECK(pages == 1 && kind == counted);
      }
      const int uploaded =
          cloud::countUploadedPages(bytes, std::string(document::mediaType(counted)));
      PRINTRELAY_FUZZ_CHECK(uploaded == pages && uploaded <= protocol::kMaxPageNumber);
    } catch (const Error& e) {
      PRINTRELAY_FUZZ_CHECK(isOneOf(e.code(), {"document_unreadable", "too_many_pages"}));
      // What sniffs as an image counts as one; short text that sniffs as text counts.
      PRINTRELAY_FUZZ_CHECK(counted == Kind::Text || counted == Kind::Unknown || counted != kind);
      PRINTRELAY_FUZZ_CHECK(!(counted == Kind::Text && kind == Kind::Text &&
                              size <= document::kSniffBytes && e.code() == "document_unreadable"));
    }
  }
  return 0;
}
