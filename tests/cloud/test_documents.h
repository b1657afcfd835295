#pragma once

// Documents for cloud tests, made in memory: valid PDFs with a chosen number of pages, and the
// smallest byte strings that are PNG, JPEG, or something else the cloud must refuse.

#include "tests/support/test_pdf.h"

#include <cstdio>
#include <string>
#include <vector>

namespace printrelay::cloud::testing {

/// A minimal, valid PDF with `pages` empty pages; `comment` lines go into PDF comments after the
/// header (tests/support/test_pdf.h).
inline std::string pdfWithPages(int pages, const std::vector<std::string>& comment = {}) {
  return printrelay::testing::testPdf(pages, comment);
}

/// Bytes that start like a PNG (signature and the IHDR chunk's start).
inline std::string pngBytes() {
  return std::string("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01", 24) +
         std::string(64, '\x00');
}

/// Bytes that start like a JPEG (SOI and an APP0 JFIF marker).
inline std::string jpegBytes() {
  return std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01", 13) + std::string(64, '\x00');
}

/// The start of a Windows executable.
inline std::string exeBytes() {
  return std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00", 16) +
         std::string(5000, '\x00');
}

/// The start of a zip archive.
inline std::string zipBytes() {
  return std::string("PK\x03\x04\x14\x00\x00\x00\x08\x00", 10) + std::string(100, '\x01');
}

} // namespace printrelay::cloud::testing
