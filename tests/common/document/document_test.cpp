// Document sniffing and page counting on bytes in memory, with hostile inputs.
#include "common/document/document.h"
#include "common/util/error.h"
#include "tests/support/test_pdf.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace printrelay::document {
namespace {

std::span<const std::uint8_t> bytesOf(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string pdfWithPages(int pages) {
  return printrelay::testing::testPdf(pages);
}

std::string codeOf(Kind kind, const std::string& bytes) {
  try {
    countPages(kind, bytesOf(bytes));
  } catch (const Error& e) {
    return e.code();
  }
  return "";
}

TEST(DocumentTest, SniffsByBytesNotByName) {
  EXPECT_EQ(sniff(bytesOf(pdfWithPages(1))), Kind::Pdf);
  EXPECT_EQ(sniff(bytesOf(std::string("\x89PNG\r\n\x1a\n....", 12))), Kind::Png);
  EXPECT_EQ(sniff(bytesOf(std::string("\xFF\xD8\xFF\xE0 JFIF", 9))), Kind::Jpeg);
  EXPECT_EQ(sniff(bytesOf("Hello, shop.\nTwo lines, caf\xC3\xA9.\f")), Kind::Text);
  EXPECT_EQ(sniff(bytesOf("")), Kind::Unknown);
  EXPECT_EQ(sniff(bytesOf(std::string("MZ\x90\0\3\0", 6))), Kind::Unknown); // an .exe
  EXPECT_EQ(sniff(bytesOf(std::string("PK\3\4", 4))), Kind::Unknown);       // a zip/docx
  EXPECT_EQ(sniff(bytesOf("caf\xC3")), Kind::Text);         // cut mid-character at the end
  EXPECT_EQ(sniff(bytesOf("caf\xC3(")), Kind::Unknown);     // broken UTF-8
  EXPECT_EQ(sniff(bytesOf("\xED\xA0\x80")), Kind::Unknown); // a surrogate
  EXPECT_EQ(sniff(bytesOf("bell\a")), Kind::Unknown);
  EXPECT_EQ(mediaType(Kind::Pdf), "application/pdf");
  EXPECT_EQ(kindOfMediaType("image/jpeg"), Kind::Jpeg);
  EXPECT_EQ(kindOfMediaType("application/postscript"), Kind::Unknown);
}

TEST(DocumentTest, CountsPdfPagesWithQpdf) {
  if (!canCountPdfPages()) {
    GTEST_SKIP() << "this build has no PDF library";
  }
  EXPECT_EQ(countPages(Kind::Pdf, bytesOf(pdfWithPages(1))), 1);
  EXPECT_EQ(countPages(Kind::Pdf, bytesOf(pdfWithPages(7))), 7);
}

TEST(DocumentTest, HostilePdfsAreUnreadableNotCrashes) {
  if (!canCountPdfPages()) {
    GTEST_SKIP() << "this build has no PDF library";
  }
  EXPECT_EQ(codeOf(Kind::Pdf, "%PDF-1.4\nnothing else"), "document_unreadable");
  EXPECT_EQ(codeOf(Kind::Pdf, pdfWithPages(0)), "document_unreadable");
  std::string truncated = pdfWithPages(3);
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(codeOf(Kind::Pdf, truncated), "document_unreadable");
  // A page tree that points at itself.
  std::string loop = pdfWithPages(1);
  const auto kids = loop.find("[3 0 R ]");
  ASSERT_NE(kids, std::string::npos);
  loop.replace(kids, 8, "[2 0 R ]");
  const std::string loopCode = codeOf(Kind::Pdf, loop);
  EXPECT_TRUE(loopCode.empty() || loopCode == "document_unreadable") << loopCode;
  // Every prefix of a valid PDF: an error or a count, never a crash.
  const std::string whole = pdfWithPages(2);
  for (std::size_t n = 0; n < whole.size(); n += 7) {
    const std::string code = codeOf(Kind::Pdf, whole.substr(0, n));
    EXPECT_TRUE(code.empty() || code == "document_unreadable") << n << ": " << code;
  }
}

TEST(DocumentTest, CountsTextPagesByLinesAndFormFeeds) {
  EXPECT_EQ(countPages(Kind::Text, bytesOf("one line")), 1);
  EXPECT_EQ(countPages(Kind::Text, bytesOf("")), 1);
  std::string sixty;
  for (int i = 0; i < kTextLinesPerPage; ++i) {
    sixty += "line\n";
  }
  EXPECT_EQ(countPages(Kind::Text, bytesOf(sixty)), 1);
  EXPECT_EQ(countPages(Kind::Text, bytesOf(sixty + "one more")), 2);
  EXPECT_EQ(countPages(Kind::Text, bytesOf("a\fb\fc")), 3);
  EXPECT_EQ(countPages(Kind::Text, bytesOf("a\f")), 1);
  EXPECT_EQ(codeOf(Kind::Text, std::string("a\0b", 3)), "document_unreadable");
}

TEST(DocumentTest, ImagesAreOnePageAndMustCarryTheirSignature) {
  EXPECT_EQ(countPages(Kind::Png, bytesOf(std::string("\x89PNG\r\n\x1a\nIHDR", 12))), 1);
  EXPECT_EQ(codeOf(Kind::Jpeg, "not a jpeg"), "document_unreadable");
  EXPECT_EQ(codeOf(Kind::Unknown, "anything"), "document_unreadable");
}

} // namespace
} // namespace printrelay::document
