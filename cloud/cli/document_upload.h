#pragma once

#include "cloud/cli/cloud_session.h"
#include "common/util/encoding.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace printrelay::cli {

/// What the document is and how many pages it has, told from its bytes (the cloud and the
/// shop's agent judge it the same way): the media type to declare and the page count the order
/// is quoted on.
struct LocalDocument {
  std::string contentType;
  int pages = 0;
};

/// Reads `file` and tells its type and page count; `declared` (--content-type) must agree with
/// the bytes. Throws Error (file_unreadable, unsupported_document, document_type_mismatch, or
/// the page counter's). The bytes are wiped before it returns.
LocalDocument examineDocument(const std::filesystem::path& file,
                              const std::optional<std::string>& declared);

/// Told how many bytes of the file were sent so far (for a progress bar); may be empty.
using Progress = std::function<void(std::uint64_t)>;

/// The most bytes an upload of `plaintextBytes` may need once sealed (header, chunk framing and
/// tags), to compare with the cloud's upload limit before an order is made.
std::uint64_t sealedSizeBound(std::uint64_t plaintextBytes);

/// PUTs `file` to `path`, sealed here to the store's `publicKey` for `orderId` and streamed one
/// chunk at a time; counts the bytes sent in `sentBytes`.
httplib::Result uploadSealed(CloudSession& cloud, const std::string& path, const Bytes& publicKey,
                             const std::string& orderId, const std::filesystem::path& file,
                             std::uint64_t& sentBytes, const Progress& progress = {});

/// PUTs `file` to `path` as plaintext of `contentType` (the cloud seals it as it arrives);
/// counts the bytes sent in `sentBytes`.
httplib::Result uploadPlaintext(CloudSession& cloud, const std::string& path,
                                const std::filesystem::path& file, const std::string& contentType,
                                std::uint64_t& sentBytes, const Progress& progress = {});

} // namespace printrelay::cli
