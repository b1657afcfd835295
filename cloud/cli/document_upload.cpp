#include "cloud/cli/document_upload.h"

#include "common/crypto/envelope.h"
#include "common/document/document.h"
#include "common/util/error.h"
#include "common/util/text.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <openssl/crypto.h>
#include <vector>

namespace printrelay::cli {

LocalDocument examineDocument(const std::filesystem::path& file,
                              const std::optional<std::string>& declared) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error("file_unreadable", "cannot read " + file.string());
  }
  // One read of the whole file (a 64 MiB document is read in milliseconds; a character at a
  // time it took most of the send's CPU).
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(std::filesystem::file_size(file)));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  LocalDocument out;
  try {
    const document::Kind kind = document::sniff(bytes);
    if (kind == document::Kind::Unknown) {
      throw Error("unsupported_document", file.string() +
                                              " is not a PDF, PNG, JPEG or plain-text (UTF-8) "
                                              "file (judged by its bytes, not its name)");
    }
    out.contentType = std::string(document::mediaType(kind));
    if (declared) {
      if (mediaTypeOf(*declared) != out.contentType) {
        throw Error("document_type_mismatch",
                    file.string() + " is " + out.contentType + ", not " + *declared);
      }
    }
    out.pages = document::countPages(kind, bytes);
  } catch (...) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    throw;
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

std::uint64_t sealedSizeBound(std::uint64_t plaintextBytes) {
  // Each chunk is framed by a flag, a length and an AEAD tag (21 bytes); the header holds the
  // encapsulated key, the key id and the order id (under 1 KiB).
  constexpr std::uint64_t kPerChunk = 21;
  constexpr std::uint64_t kHeader = 1024;
  return plaintextBytes + (plaintextBytes / envelope::kDefaultChunkSize + 2) * kPerChunk + kHeader;
}

httplib::Result uploadSealed(CloudSession& cloud, const std::string& path, const Bytes& publicKey,
                             const std::string& orderId, const std::filesystem::path& file,
                             std::uint64_t& sentBytes, const Progress& progress) {
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  if (!*in) {
    throw Error("file_unreadable", "cannot read " + file.string());
  }
  httplib::DataSink* current = nullptr;
  bool sinkFailed = false;
  auto sealer = std::make_shared<envelope::Sealer>(
      publicKey, orderId, [&](std::span<const std::uint8_t> bytes) {
        if (current == nullptr ||
            !current->write(reinterpret_cast<const char*>(bytes.data()), bytes.size())) {
          sinkFailed = true;
          return false;
        }
        sentBytes += bytes.size();
        return true;
      });
  bool finished = false;
  std::uint64_t read = 0;
  auto result = cloud.client().Put(
      path, CloudSession::headers(cloud.token()),
      [&](std::size_t, httplib::DataSink& sink) {
        current = &sink;
        if (finished) {
          sink.done();
          return true;
        }
        std::vector<char> buffer(envelope::kDefaultChunkSize);
        in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<std::size_t>(in->gcount());
        try {
          if (got > 0) {
            sealer->write({reinterpret_cast<const std::uint8_t*>(buffer.data()), got});
            read += got;
            if (progress) {
              progress(read);
            }
          }
          if (in->eof()) {
            sealer->finish();
            finished = true;
            sink.done();
          } else if (!*in) {
            return false;
          }
        } catch (const Error&) {
          return false;
        }
        return !sinkFailed;
      },
      std::string(envelope::kMediaType));
  return result;
}

httplib::Result uploadPlaintext(CloudSession& cloud, const std::string& path,
                                const std::filesystem::path& file, const std::string& contentType,
                                std::uint64_t& sentBytes, const Progress& progress) {
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  if (!*in) {
    throw Error("file_unreadable", "cannot read " + file.string());
  }
  const auto size = static_cast<std::size_t>(std::filesystem::file_size(file));
  return cloud.client().Put(
      path, CloudSession::headers(cloud.token()), size,
      [in, &sentBytes, &progress](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        std::vector<char> buffer(std::min<std::size_t>(length, 64 * 1024));
        in->seekg(static_cast<std::streamoff>(offset));
        in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<std::size_t>(in->gcount());
        if (got == 0) {
          return false;
        }
        sentBytes += got;
        if (progress) {
          progress(offset + got);
        }
        return sink.write(buffer.data(), got);
      },
      contentType);
}

} // namespace printrelay::cli
