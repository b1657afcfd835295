#pragma once

// Helpers shared by the agent tests: temporary state directories, environment overrides,
// sealed test documents and job offers.

#include "common/crypto/envelope.h"
#include "common/crypto/hpke.h"
#include "common/util/encoding.h"
#include "common/wire/http_client.h"
#include "common/wire/protocol.h"
#include "tests/support/test_env.h"
#include "tests/support/test_pdf.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace printrelay::agent::testing {

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("printrelay-agent-test-" + hexEncode(randomBytes(8)));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

/// Sets an environment variable for the scope, restoring the previous value.
class ScopedEnv {
public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str()); old != nullptr) {
      previous_ = old;
    }
    test_env::set(name_.c_str(), value.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (previous_) {
      test_env::set(name_.c_str(), previous_->c_str());
    } else {
      test_env::unset(name_.c_str());
    }
  }

private:
  std::string name_;
  std::optional<std::string> previous_;
};

/// An endpoint for a test server (designated initializers would leave caFile to a warning).
inline CloudEndpoint endpointFor(std::string url) {
  CloudEndpoint endpoint;
  endpoint.baseUrl = std::move(url);
  return endpoint;
}

/// Deterministic test bytes.
inline Bytes patternBytes(std::size_t size, std::uint8_t salt = 0) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::uint8_t>((i * 131 + (i >> 8) * 7 + salt) & 0xFF);
  }
  return out;
}

/// A deterministic plain-text document of exactly `size` bytes (lines of words, so the agent
/// recognises it as text/plain and counts kTextLinesPerPage lines per page).
inline Bytes textBytes(std::size_t size, std::uint8_t salt = 0) {
  static const char* const kWords[] = {"invoice", "poster", "thesis", "chapter", "receipt",
                                       "flyer",   "menu",   "ticket", "draft",   "summary"};
  std::string text;
  text.reserve(size + 80);
  for (std::size_t line = 0; text.size() < size; ++line) {
    text += "line " + std::to_string(line) + ":";
    for (std::size_t w = 0; w < 6; ++w) {
      text += ' ';
      text += kWords[(line * 7 + w * 3 + salt) % std::size(kWords)];
    }
    text += '\n';
  }
  text.resize(size);
  return Bytes(text.begin(), text.end());
}

/// A minimal valid PDF with `pages` empty pages (tests/support/test_pdf.h), as bytes.
inline Bytes pdfBytes(int pages) {
  const std::string pdf = printrelay::testing::testPdf(pages);
  return Bytes(pdf.begin(), pdf.end());
}

/// Seals `plaintext` to `recipient` for `orderId`, as the browser or the cloud would.
inline Bytes seal(const hpke::KeyPair& recipient, const std::string& orderId,
                  const Bytes& plaintext, std::uint32_t chunkSize = 4096) {
  Bytes out;
  envelope::Sealer sealer(
      recipient.publicKey(), orderId,
      [&out](std::span<const std::uint8_t> data) {
        out.insert(out.end(), data.begin(), data.end());
        return true;
      },
      chunkSize);
  sealer.write(plaintext);
  sealer.finish();
  return out;
}

/// An offer for a sealed plain-text document (set contentType for others).
inline protocol::JobOffer makeOffer(const std::string& jobId, const hpke::KeyPair& key,
                                    const Bytes& sealed) {
  protocol::JobOffer offer;
  offer.jobId = jobId;
  offer.orderId = "order-" + jobId;
  offer.leaseId = "lease-" + jobId + "-1";
  offer.leaseExpiresAt = 4102444800; // 2100-01-01
  offer.documentName = "flyer.txt";
  offer.contentType = "text/plain";
  offer.envelopeSize = sealed.size();
  offer.keyId = envelope::keyIdFor(key.publicKey());
  return offer;
}

/// Polls `predicate` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& predicate,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (predicate()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return predicate();
}

} // namespace printrelay::agent::testing
