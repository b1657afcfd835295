// Envelope throughput and memory: seals and opens documents in streaming mode and prints MiB/s
// (median of several runs) and the process's peak RSS, to show memory does not grow with size.
//
//   envelope_bench [--mib N] [--runs R] [--stream-mib A,B]
#include "bench/bench_support.h"
#include "common/crypto/envelope.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace printrelay;
using bench::fillRandom;
using bench::peakRssKiB;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kPiece = kMiB; // how much the caller hands over per write()

/// A document of any length made on the fly: piece i is a fixed random MiB with i stamped
/// into its first 8 bytes, so content and order are both checked at memcpy speed.
class Document {
public:
  Document() : base_(kPiece) { fillRandom(base_); }

  /// Piece `index` of the document.
  const std::vector<std::uint8_t>& piece(std::uint64_t index) {
    if (index != current_) {
      current_ = index;
      piece_ = base_;
      std::memcpy(piece_.data(), &index, sizeof index);
    }
    return piece_;
  }

private:
  std::vector<std::uint8_t> base_;
  std::vector<std::uint8_t> piece_;
  std::uint64_t current_ = UINT64_MAX;
};

/// Checks streamed plaintext against the document as it arrives.
class Verifier {
public:
  void add(std::span<const std::uint8_t> data) {
    while (!data.empty()) {
      const std::size_t at = offset_ % kPiece;
      const std::size_t n = std::min(data.size(), kPiece - at);
      const auto& expected = document_.piece(offset_ / kPiece);
      if (std::memcmp(expected.data() + at, data.data(), n) != 0) {
        ok_ = false;
      }
      offset_ += n;
      data = data.subspan(n);
    }
  }
  bool ok() const { return ok_; }
  std::uint64_t bytes() const { return offset_; }

private:
  Document document_;
  std::uint64_t offset_ = 0;
  bool ok_ = true;
};

const char* aeadName(hpke::Aead aead) {
  switch (aead) {
  case hpke::Aead::Aes128Gcm:
    return "AES-128-GCM";
  case hpke::Aead::Aes256Gcm:
    return "AES-256-GCM";
  case hpke::Aead::ChaCha20Poly1305:
    return "ChaCha20-Poly1305";
  case hpke::Aead::ExportOnly:
    break;
  }
  return "?";
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Seals `mib` MiB from the generator straight into an opener: nothing is ever held but the
/// current piece and each side's chunk.
void streamThrough(const hpke::KeyPair& key, std::size_t mib) {
  Verifier verifier;
  std::uint64_t envelopeBytes = 0;
  envelope::Opener opener(key, "ord_bench", [&](std::span<const std::uint8_t> plain) {
    verifier.add(plain);
    return true;
  });
  envelope::Sealer sealer(key.publicKey(), "ord_bench", [&](std::span<const std::uint8_t> b) {
    envelopeBytes += b.size();
    opener.write(b);
    return true;
  });
  Document document;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < mib; ++i) {
    sealer.write(document.piece(i));
  }
  sealer.finish();
  opener.finish();
  const double t = seconds(start);
  const bool ok = verifier.ok() && verifier.bytes() == mib * kMiB;
  std::printf("  %4zu MiB  generate -> seal -> open -> verify: %7.1f MiB/s, envelope %llu "
              "bytes, content %s, peak RSS %ld KiB\n",
              mib, static_cast<double>(mib) / t, static_cast<unsigned long long>(envelopeBytes),
              ok ? "ok" : "MISMATCH", peakRssKiB());
}

/// Memory-to-memory: seal a document held in memory into memory, then open it back.
void memoryToMemory(const hpke::KeyPair& key, std::size_t mib, int runs, hpke::Aead aead) {
  std::vector<std::uint8_t> plain(mib * kMiB);
  fillRandom(plain);
  std::vector<std::uint8_t> sealed;
  sealed.reserve(plain.size() + plain.size() / 1000 + 4096);
  std::vector<std::uint8_t> opened;
  opened.reserve(plain.size());
  std::vector<double> sealTimes;
  std::vector<double> openTimes;
  for (int run = 0; run < runs; ++run) {
    sealed.clear();
    auto start = std::chrono::steady_clock::now();
    envelope::Sealer sealer(
        key.publicKey(), "ord_bench",
        [&](std::span<const std::uint8_t> b) {
          sealed.insert(sealed.end(), b.begin(), b.end());
          return true;
        },
        envelope::kDefaultChunkSize, aead);
    for (std::size_t off = 0; off < plain.size(); off += kPiece) {
      sealer.write(std::span(plain).subspan(off, std::min(kPiece, plain.size() - off)));
    }
    sealer.finish();
    sealTimes.push_back(seconds(start));

    opened.clear();
    start = std::chrono::steady_clock::now();
    envelope::Opener opener(key, "ord_bench", [&](std::span<const std::uint8_t> b) {
      opened.insert(opened.end(), b.begin(), b.end());
      return true;
    });
    for (std::size_t off = 0; off < sealed.size(); off += kPiece) {
      opener.write(std::span(sealed).subspan(off, std::min(kPiece, sealed.size() - off)));
    }
    opener.finish();
    openTimes.push_back(seconds(start));
  }
  const bool same = opened == plain;
  std::printf("  %-18s %4zu MiB  seal %8.1f MiB/s   open %8.1f MiB/s   (median of %d, "
              "overhead %zu bytes, round trip %s)\n",
              aeadName(aead), mib, static_cast<double>(mib) / median(sealTimes),
              static_cast<double>(mib) / median(openTimes), runs, sealed.size() - plain.size(),
              same ? "ok" : "MISMATCH");
}

} // namespace

int main(int argc, char** argv) {
  std::size_t mib = 64;
  int runs = 5;
  std::vector<std::size_t> streamSizes = {16, 256};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mib") {
      mib = std::strtoul(argv[i + 1], nullptr, 10);
    } else if (flag == "--runs") {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--stream-mib") {
      streamSizes.clear();
      for (const char* p = argv[i + 1]; *p != '\0';) {
        char* end = nullptr;
        streamSizes.push_back(std::strtoul(p, &end, 10));
        p = *end == ',' ? end + 1 : end;
      }
    } else {
      std::fprintf(stderr, "usage: %s [--mib N] [--runs R] [--stream-mib A,B]\n", argv[0]);
      return 2;
    }
  }
  const hpke::KeyPair key = hpke::KeyPair::generate();
  std::printf("envelope_bench: chunk %u KiB, writes of %zu KiB\n",
              envelope::kDefaultChunkSize / 1024, kPiece / 1024);
  std::printf("peak RSS at start: %ld KiB\n", peakRssKiB());
  std::printf("streaming (memory must not grow with the document):\n");
  for (std::size_t size : streamSizes) {
    streamThrough(key, size);
  }
  std::printf("memory to memory (buffers of the document's size are held on purpose):\n");
  for (hpke::Aead aead :
       {hpke::Aead::Aes256Gcm, hpke::Aead::Aes128Gcm, hpke::Aead::ChaCha20Poly1305}) {
    memoryToMemory(key, mib, runs, aead);
  }
  std::printf("peak RSS at end: %ld KiB\n", peakRssKiB());
  return 0;
}
