#include "agent/identity/state_files.h"

#include "common/util/encoding.h"
#include "common/util/error.h"

#include <cctype>
#include <openssl/crypto.h>

namespace printrelay::agent {
namespace {

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.pop_back();
  }
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start])) != 0) {
    ++start;
  }
  return text.substr(start);
}

} // namespace

void ensurePrivateDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return;
  }
  if (!dir.parent_path().empty() && dir.parent_path() != dir) {
    std::filesystem::create_directories(dir.parent_path(), ec);
  }
  makePrivateDirectory(dir);
}

std::filesystem::path temporaryPathFor(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  return dir / ("." + path.filename().string() + ".tmp-" + hexEncode(randomBytes(6)));
}

void saveStoreKey(const std::filesystem::path& path, const hpke::KeyPair& key) {
  std::string text = base64Encode(key.privateKey()) + "\n";
  try {
    writeFileAtomic(path, asBytes(text), 0600);
  } catch (...) {
    OPENSSL_cleanse(text.data(), text.size());
    throw;
  }
  OPENSSL_cleanse(text.data(), text.size());
}

hpke::KeyPair loadStoreKey(const std::filesystem::path& path) {
  std::string text = readPrivateFile(path);
  std::string trimmed = trim(text);
  OPENSSL_cleanse(text.data(), text.size());
  Bytes raw;
  try {
    raw = base64Decode(trimmed);
  } catch (const Error&) {
    OPENSSL_cleanse(trimmed.data(), trimmed.size());
    throw Error("state_invalid", path.string() + " does not hold a base64 store key");
  }
  OPENSSL_cleanse(trimmed.data(), trimmed.size());
  if (raw.size() != 32) {
    OPENSSL_cleanse(raw.data(), raw.size());
    throw Error("state_invalid", path.string() + " does not hold a 32-byte X25519 key");
  }
  auto key = hpke::KeyPair::fromPrivateKey(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return key;
}

} // namespace printrelay::agent
