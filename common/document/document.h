#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace printrelay::document {

// What a document is, told from its bytes (never from its name or a declared type), and how
// many pages it has. The cloud uses it on a plaintext upload before sealing, the agent on the
// decrypted bytes before printing; both run the same code so their counts agree. Everything
// works on memory: nothing here writes a file.

enum class Kind { Pdf, Png, Jpeg, Text, Unknown };

/// "application/pdf", "image/png", "image/jpeg", "text/plain"; "" for Unknown.
std::string_view mediaType(Kind kind);
/// The kind for a media type this module knows; Unknown for any other.
Kind kindOfMediaType(std::string_view mediaType);

/// How many leading bytes sniff() looks at; fewer are fine for short documents.
inline constexpr std::size_t kSniffBytes = 4096;

/// Recognises PDF ("%PDF-" within the first 1024 bytes), PNG (its 8-byte signature), JPEG
/// (FF D8 FF) and plain text (UTF-8 without NUL or control bytes other than tab, newline,
/// carriage return and form feed). Anything else, and an empty document, is Unknown.
Kind sniff(std::span<const std::uint8_t> head);

/// Lines on one page of plain text, as the agent prints it; a form feed starts a new page.
inline constexpr int kTextLinesPerPage = 60;

/// Pages of a whole document held in memory. PNG and JPEG are one page; text is split by form
/// feeds and kTextLinesPerPage. Throws Error with
///   document_unreadable     the bytes are not a well-formed document of `kind`
///   document_encrypted      a PDF that needs a password to open
///   page_count_unavailable  this build has no PDF library (the Windows agent)
int countPages(Kind kind, std::span<const std::uint8_t> bytes);

/// True when this build can count PDF pages.
bool canCountPdfPages();

} // namespace printrelay::document
