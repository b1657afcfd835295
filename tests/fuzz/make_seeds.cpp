// Writes the envelope seeds of the fuzz corpus: envelopes sealed to the fuzz store key for the
// fuzz order id. Usage: fuzz_make_seeds <corpus dir>. The output is committed; rerun only when
// the format changes (the ephemeral keys are random, so the bytes differ each run).
#include "common/crypto/envelope.h"
#include "tests/fuzz/fuzz_support.h"

#include <filesystem>
#include <fstream>
#include <string>

using namespace printrelay;

namespace {

Bytes sealed(std::size_t size, std::uint32_t chunk, hpke::Aead aead) {
  Bytes doc(size);
  for (std::size_t i = 0; i < size; ++i) {
    doc[i] = static_cast<std::uint8_t>('a' + i % 26);
  }
  Bytes out;
  envelope::Sealer sealer(
      fuzz::storeKey().publicKey(), fuzz::kOrderId,
      [&](std::span<const std::uint8_t> b) {
        out.insert(out.end(), b.begin(), b.end());
        return true;
      },
      chunk, aead);
  sealer.write(doc);
  sealer.finish();
  return out;
}

void save(const std::filesystem::path& path, std::uint8_t firstByte, const Bytes& data) {
  std::ofstream out(path, std::ios::binary);
  if (firstByte != 0xff) {
    out.put(static_cast<char>(firstByte));
  }
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  struct Seed {
    const char* name;
    std::size_t size;
    std::uint32_t chunk;
    hpke::Aead aead;
    std::uint8_t piece; // the opener target's first byte: write size (0 = all at once)
  };
  const Seed seeds[] = {
      {"empty", 0, 1024, hpke::Aead::Aes256Gcm, 0},
      {"one-byte", 1, 1024, hpke::Aead::Aes256Gcm, 7},
      {"one-chunk", 1024, 1024, hpke::Aead::Aes128Gcm, 0},
      {"chunk-plus-one", 1025, 1024, hpke::Aead::ChaCha20Poly1305, 100},
      {"three-chunks", 2600, 1024, hpke::Aead::Aes256Gcm, 1},
      {"default-chunk", 300, envelope::kDefaultChunkSize, hpke::Aead::Aes256Gcm, 0},
  };
  std::filesystem::create_directories(dir / "envelope_opener");
  std::filesystem::create_directories(dir / "envelope_framing");
  for (const auto& s : seeds) {
    const Bytes envelope = sealed(s.size, s.chunk, s.aead);
    save(dir / "envelope_opener" / s.name, s.piece, envelope);
    save(dir / "envelope_framing" / s.name, 0xff, envelope);
  }
  return 0;
}
