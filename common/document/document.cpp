#include "common/document/document.h"

#include "common/util/enum_names.h"
#include "common/util/error.h"

#include <algorithm>
#include <array>

namespace printrelay::document {
namespace {

bool startsWith(std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> prefix) {
  return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

/// Length of the UTF-8 sequence starting with `lead`, 0 when `lead` cannot start one.
std::size_t sequenceLength(std::uint8_t lead) {
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    return 4;
  }
  return 0;
}

/// UTF-8 text without control bytes other than \t \n \r \f; a sequence cut off at the end of the
/// sample is allowed (the sample may end mid-character).
bool looksLikeText(std::span<const std::uint8_t> head) {
  std::size_t i = 0;
  while (i < head.size()) {
    const std::uint8_t c = head[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
      return false;
    }
    if (c == 0x7F) {
      return false;
    }
    const std::size_t n = sequenceLength(c);
    if (n == 0) {
      return false;
    }
    for (std::size_t k = 1; k < n; ++k) {
      if (i + k >= head.size()) {
        return true;
      }
      if ((head[i + k] & 0xC0) != 0x80) {
        return false;
      }
    }
    if (n == 3 && ((c == 0xE0 && head[i + 1] < 0xA0) || (c == 0xED && head[i + 1] >= 0xA0))) {
      return false; // overlong, or a UTF-16 surrogate
    }
    if (n == 4 && ((c == 0xF0 && head[i + 1] < 0x90) || (c == 0xF4 && head[i + 1] >= 0x90))) {
      return false; // overlong, or past U+10FFFF
    }
    i += n;
  }
  return true;
}

int countTextPages(std::span<const std::uint8_t> bytes) {
  if (!looksLikeText(bytes)) {
    throw Error("document_unreadable", "the text document holds bytes that are not UTF-8 text");
  }
  int pages = 0;
  int lines = 0; // lines started on the current page
  bool pageHasInk = false;
  bool lineOpen = false;
  const auto endPage = [&] {
    ++pages;
    lines = 0;
    pageHasInk = false;
    lineOpen = false;
  };
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::uint8_t c = bytes[i];
    if (c == '\f') {
      endPage();
      continue;
    }
    if (!lineOpen) {
      if (lines == kTextLinesPerPage) {
        endPage();
      }
      ++lines;
      lineOpen = true;
      pageHasInk = true;
    }
    if (c == '\n') {
      lineOpen = false;
    }
  }
  if (pageHasInk || pages == 0) {
    ++pages;
  }
  return pages;
}

} // namespace

int countPdfPages(std::span<const std::uint8_t> bytes); // document_pdf_*.cpp

constexpr auto kMediaTypes =
    enumNames(Kind::Unknown, {"application/pdf", "image/png", "image/jpeg", "text/plain", ""});

std::string_view mediaType(Kind kind) {
  return kMediaTypes.name(kind);
}

Kind kindOfMediaType(std::string_view type) {
  return kMediaTypes.parse(type).value_or(Kind::Unknown);
}

Kind sniff(std::span<const std::uint8_t> head) {
  static constexpr std::array<std::uint8_t, 8> kPng{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  static constexpr std::array<std::uint8_t, 3> kJpeg{0xFF, 0xD8, 0xFF};
  static constexpr std::array<std::uint8_t, 5> kPdf{'%', 'P', 'D', 'F', '-'};
  if (head.size() > kSniffBytes) {
    head = head.first(kSniffBytes);
  }
  if (head.empty()) {
    return Kind::Unknown;
  }
  if (startsWith(head, kPng)) {
    return Kind::Png;
  }
  if (startsWith(head, kJpeg)) {
    return Kind::Jpeg;
  }
  // PDF readers accept the header anywhere in the first 1024 bytes (some writers put junk first).
  const auto window = head.first(std::min<std::size_t>(head.size(), 1024));
  if (std::search(window.begin(), window.end(), kPdf.begin(), kPdf.end()) != window.end()) {
    return Kind::Pdf;
  }
  return looksLikeText(head) ? Kind::Text : Kind::Unknown;
}

int countPages(Kind kind, std::span<const std::uint8_t> bytes) {
  switch (kind) {
  case Kind::Png:
  case Kind::Jpeg:
    if (sniff(bytes) != kind) {
      throw Error("document_unreadable", "the image does not start with its signature");
    }
    return 1;
  case Kind::Text:
    return countTextPages(bytes);
  case Kind::Pdf:
    return countPdfPages(bytes);
  case Kind::Unknown:
    break;
  }
  throw Error("document_unreadable", "not a PDF, PNG, JPEG or plain-text document");
}

} // namespace printrelay::document
