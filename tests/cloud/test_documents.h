#pragma once

// Documents for cloud tests, made in memory: valid PDFs with a chosen number of pages, and the
// smallest byte strings that are PNG, JPEG, or something else the cloud must refuse.

#include <cstdio>
#include <string>
#include <vector>

namespace printrelay::cloud::testing {

/// A minimal, valid PDF with `pages` empty pages and a correct cross-reference table. `comment`
/// (one line per entry, e.g. a marker a test looks for) goes into PDF comments after the header.
inline std::string pdfWithPages(int pages, const std::vector<std::string>& comment = {}) {
  std::vector<std::string> objects;
  std::string kids;
  for (int i = 0; i < pages; ++i) {
    kids += std::to_string(3 + i) + " 0 R ";
  }
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
  for (int i = 0; i < pages; ++i) {
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>");
  }
  std::string out = "%PDF-1.4\n";
  for (const auto& line : comment) {
    out += "% " + line + "\n";
  }
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto off : offsets) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
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
