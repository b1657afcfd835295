#include "cloud/accounts/password_hasher.h"

#include "common/util/encoding.h"
#include "common/util/error.h"

#include <argon2.h>
#include <vector>

namespace printrelay::cloud {
namespace {

constexpr std::uint32_t kSaltBytes = 16;
constexpr std::uint32_t kHashBytes = 32;

std::size_t codePoints(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

} // namespace

std::string passwordProblem(std::string_view password) {
  const std::size_t chars = codePoints(password);
  if (chars < kMinPasswordChars) {
    return "must be at least " + std::to_string(kMinPasswordChars) + " characters long";
  }
  if (chars > kMaxPasswordChars) {
    return "must be at most " + std::to_string(kMaxPasswordChars) + " characters long";
  }
  return {};
}

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) {
  dummyHash_ = hash(randomToken(24));
}

std::string PasswordHasher::hash(std::string_view password) const {
  const Bytes salt = randomBytes(kSaltBytes);
  std::vector<char> encoded(argon2_encodedlen(params_.iterations, params_.memoryKiB,
                                              params_.parallelism, kSaltBytes, kHashBytes,
                                              Argon2_id) +
                            1);
  const int rc = argon2id_hash_encoded(params_.iterations, params_.memoryKiB, params_.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw Error("hash_failed", std::string("argon2id: ") + argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

bool PasswordHasher::verify(std::string_view encoded, std::string_view password) const {
  if (encoded.rfind("$argon2id$", 0) != 0) {
    return false;
  }
  ++verifications_;
  const std::string copy(encoded); // argon2 wants a NUL-terminated string
  return argon2id_verify(copy.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool PasswordHasher::verifyDummy(std::string_view password) const {
  ++dummyVerifications_;
  verify(dummyHash_, password);
  return false;
}

} // namespace printrelay::cloud
