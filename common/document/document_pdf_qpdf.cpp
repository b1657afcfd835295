// PDF page counting with qpdf (Debian's libqpdf), on a document held in memory.
#include "common/document/document.h"
#include "common/util/error.h"

// No PointerHolder compatibility: this code uses only std::shared_ptr APIs.
#define POINTERHOLDER_TRANSITION 4
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <string>

namespace printrelay::document {

bool canCountPdfPages() {
  return true;
}

int countPdfPages(std::span<const std::uint8_t> bytes) {
  try {
    QPDF pdf;
    pdf.setSuppressWarnings(true);
    // An empty password opens documents that only carry an owner password (printing allowed).
    pdf.processMemoryFile("document", reinterpret_cast<const char*>(bytes.data()), bytes.size(),
                          "");
    const auto pages = QPDFPageDocumentHelper(pdf).getAllPages().size();
    if (pages == 0) {
      throw Error("document_unreadable", "the PDF has no pages");
    }
    return static_cast<int>(std::min<std::size_t>(pages, 10000000));
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) {
      throw Error("document_encrypted", "the PDF is protected by a password; send it unprotected");
    }
    throw Error("document_unreadable", std::string("the PDF cannot be read: ") + e.what());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("document_unreadable", std::string("the PDF cannot be read: ") + e.what());
  }
}

} // namespace printrelay::document
