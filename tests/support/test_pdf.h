#pragma once

// One generator of well-formed PDFs for the tests of every part (common's page counter, the
// cloud's upload checks, the agent's count before printing, the end-to-end prints).

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace printrelay::testing {

/// A minimal, valid PDF with `pages` empty A4 pages and a correct cross-reference table.
/// `comments` (one line each, e.g. a marker a test looks for) go into PDF comments after the
/// header; a non-empty `filler` goes into an unreferenced stream object (bulk that counts no
/// page).
inline std::string testPdf(int pages, const std::vector<std::string>& comments = {},
                           const std::string& filler = {}) {
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
  if (!filler.empty()) {
    objects.push_back("<< /Length " + std::to_string(filler.size()) + " >>\nstream\n" + filler +
                      "\nendstream");
  }
  std::string out = "%PDF-1.4\n";
  for (const auto& line : comments) {
    out += "% " + line + "\n";
  }
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (const auto offset : offsets) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

} // namespace printrelay::testing
