// Runs every fuzz target inside the normal test command (gcc, ASan): over the committed seed
// corpus, then over deterministic pseudo-random mutations of it. A broken invariant aborts.
#include "common/crypto/envelope.h"
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// Every target of this build (tests/fuzz/CMakeLists.txt writes the list).
#define PRINTRELAY_FUZZ_TARGET(name)                                                               \
  extern "C" int printrelay_fuzz_##name(const std::uint8_t* data, std::size_t size);
#include "fuzz_targets.inc"
#undef PRINTRELAY_FUZZ_TARGET

namespace {

using Input = std::vector<std::uint8_t>;
using Target = int (*)(const std::uint8_t*, std::size_t);

constexpr int kMutations = 3000;

std::vector<Input> loadCorpus(const std::string& name) {
  std::vector<Input> out;
  const std::filesystem::path dir = std::filesystem::path(PRINTRELAY_FUZZ_CORPUS_DIR) / name;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end()); // a stable order keeps the mutations reproducible
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

/// One libFuzzer-style mutation step.
void mutate(Input& data, const std::vector<Input>& corpus, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  static constexpr std::uint32_t kInteresting[] = {
      0,     1,     15,         16,         17,         0x7f,       0x80,
      0xff,  1023,  1024,       1025,       1040,       1041,       4096,
      65536, 65552, 0x00400000, 0x00400010, 0x7fffffff, 0x80000000, 0xffffffff};
  switch (rng() % 10) {
  case 0: // flip a bit
    if (!data.empty()) {
      data[pick(data.size())] ^= static_cast<std::uint8_t>(1U << (rng() % 8));
    }
    break;
  case 1: // set a random byte
    if (!data.empty()) {
      data[pick(data.size())] = static_cast<std::uint8_t>(rng());
    }
    break;
  case 2: { // insert random bytes
    const std::size_t at = pick(data.size() + 1);
    const std::size_t n = 1 + pick(16);
    for (std::size_t i = 0; i < n; ++i) {
      data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng()));
    }
    break;
  }
  case 3: { // erase a range
    if (!data.empty()) {
      const std::size_t at = pick(data.size());
      const std::size_t n = 1 + pick(std::min<std::size_t>(64, data.size() - at));
      data.erase(data.begin() + static_cast<std::ptrdiff_t>(at),
                 data.begin() + static_cast<std::ptrdiff_t>(std::min(data.size(), at + n)));
    }
    break;
  }
  case 4: // truncate
    data.resize(pick(data.size() + 1));
    break;
  case 5: { // duplicate a range in place
    if (!data.empty()) {
      const std::size_t at = pick(data.size());
      const std::size_t n = 1 + pick(std::min<std::size_t>(2048, data.size() - at));
      const Input copy(data.begin() + static_cast<std::ptrdiff_t>(at),
                       data.begin() + static_cast<std::ptrdiff_t>(at + n));
      const std::size_t to = pick(data.size() + 1);
      data.insert(data.begin() + static_cast<std::ptrdiff_t>(to), copy.begin(), copy.end());
    }
    break;
  }
  case 6: { // splice: our head, another input's tail
    const Input& other = corpus[pick(corpus.size())];
    data.resize(pick(data.size() + 1));
    const std::size_t from = pick(other.size() + 1);
    data.insert(data.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
    break;
  }
  case 7: { // write an interesting big-endian u32
    if (data.size() >= 4) {
      const std::uint32_t v = kInteresting[pick(std::size(kInteresting))];
      const std::size_t at = pick(data.size() - 3);
      for (int i = 0; i < 4; ++i) {
        data[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
      }
    }
    break;
  }
  case 8: { // write an interesting byte
    if (!data.empty()) {
      data[pick(data.size())] = static_cast<std::uint8_t>(kInteresting[pick(8)]);
    }
    break;
  }
  default: { // append random bytes
    const std::size_t n = 1 + pick(8);
    for (std::size_t i = 0; i < n; ++i) {
      data.push_back(static_cast<std::uint8_t>(rng()));
    }
    break;
  }
  }
}

void replay(const std::string& corpusName, Target target, std::uint64_t seed) {
  const std::vector<Input> corpus = loadCorpus(corpusName);
  ASSERT_FALSE(corpus.empty()) << "no seeds in corpus/" << corpusName;
  for (const auto& input : corpus) {
    target(input.data(), input.size());
  }
  target(nullptr, 0);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < kMutations; ++i) {
    Input data = corpus[rng() % corpus.size()];
    const int steps = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < steps; ++s) {
      mutate(data, corpus, rng);
    }
    target(data.data(), data.size());
  }
}

TEST(FuzzReplay, EnvelopeSeedsAreValidEnvelopes) {
  // Seeds that open reach every state of the opener; stale seeds would only test the header.
  for (const auto& seed : loadCorpus("envelope_opener")) {
    ASSERT_FALSE(seed.empty());
    printrelay::envelope::Opener opener(printrelay::fuzz::storeKey(), printrelay::fuzz::kOrderId,
                                        [](std::span<const std::uint8_t>) { return true; });
    opener.write(std::span(seed).subspan(1));
    opener.finish();
    EXPECT_TRUE(opener.complete());
  }
  for (const auto& seed : loadCorpus("envelope_framing")) {
    printrelay::envelope::FramingValidator validator;
    validator.write(seed);
    validator.finish();
  }
}

struct FuzzTarget {
  const char* name;
  Target entry;
};

constexpr FuzzTarget kTargets[] = {
#define PRINTRELAY_FUZZ_TARGET(name) {#name, printrelay_fuzz_##name},
#include "fuzz_targets.inc"
#undef PRINTRELAY_FUZZ_TARGET
};

/// The mutations' seed: the target's name (FNV-1a), so adding a target changes no other's inputs.
std::uint64_t seedOf(std::string_view name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : name) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return hash;
}

class FuzzReplayTarget : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzReplayTarget, SeedsAndMutations) {
  replay(GetParam().name, GetParam().entry, seedOf(GetParam().name));
}

INSTANTIATE_TEST_SUITE_P(FuzzReplay, FuzzReplayTarget, ::testing::ValuesIn(kTargets),
                         [](const ::testing::TestParamInfo<FuzzTarget>& param) {
                           return std::string(param.param.name);
                         });

} // namespace
