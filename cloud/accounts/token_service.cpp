#include "cloud/accounts/token_service.h"

#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <unistd.h>

namespace printrelay::cloud {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTokenLength = 4096;
constexpr std::size_t kSecretBytes = 32;
/// Tolerated clock skew between nodes for iat and nbf (never for exp).
constexpr std::int64_t kSkewSeconds = 60;

[[noreturn]] void refuse(const std::string& why) {
  throw Error("invalid_token", "the access token is not valid: " + why);
}

json decodeJsonPart(std::string_view part, const char* what) {
  const auto bytes = base64UrlDecode(part);
  if (!bytes) {
    refuse(std::string(what) + " is not base64url");
  }
  json value = json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    refuse(std::string(what) + " is not a JSON object");
  }
  return value;
}

std::string stringClaim(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    refuse(std::string("claim '") + name + "' is missing");
  }
  return it->get<std::string>();
}

std::int64_t timeClaim(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) {
    refuse(std::string("claim '") + name + "' is missing or not a whole number");
  }
  return it->get<std::int64_t>();
}

SigningKey newKey(std::int64_t now) {
  SigningKey key;
  key.secret = randomBytes(kSecretBytes);
  key.kid = "k" + std::to_string(now) + "-" + hexEncode(randomBytes(4));
  key.createdAt = now;
  return key;
}

} // namespace

std::string hs256Signature(std::span<const std::uint8_t> key, std::string_view signingInput) {
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(),
                mac, sizeof mac, &length) == nullptr) {
    throw Error("crypto_failed", "HMAC-SHA256 failed");
  }
  return base64UrlEncode({mac, length});
}

TokenService::TokenService(TokenSettings settings, Clock clock)
    : settings_(std::move(settings)), clock_(std::move(clock)) {
  if (std::ifstream in(settings_.keyFile); in) {
    const json ring = json::parse(in, nullptr, false);
    if (ring.is_discarded() || !ring.contains("keys") || !ring["keys"].is_array()) {
      throw Error("config_invalid", settings_.keyFile.string() + " is not a signing key ring");
    }
    for (const auto& k : ring["keys"]) {
      SigningKey key;
      key.kid = k.value("kid", "");
      const auto secret = base64UrlDecode(k.value("secret", ""));
      key.createdAt = k.value("created_at", std::int64_t{0});
      if (key.kid.empty() || !secret || secret->size() < kSecretBytes) {
        throw Error("config_invalid", settings_.keyFile.string() + " holds an unusable key");
      }
      key.secret = *secret;
      keys_.push_back(std::move(key));
    }
    std::sort(keys_.begin(), keys_.end(),
              [](const SigningKey& a, const SigningKey& b) { return a.createdAt < b.createdAt; });
  }
  if (keys_.empty()) {
    keys_.push_back(newKey(clock_()));
    save();
    log::notice("generated the token signing key ring " + settings_.keyFile.string());
  }
  rotateIfDue();
}

void TokenService::save() const {
  json ring{{"keys", json::array()}};
  for (const auto& k : keys_) {
    ring["keys"].push_back(
        {{"kid", k.kid}, {"secret", base64UrlEncode(k.secret)}, {"created_at", k.createdAt}});
  }
  const std::string text = ring.dump(2) + "\n";
  const auto tmp = settings_.keyFile.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error("io_failed", "cannot create " + tmp + ": " + std::strerror(errno));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), settings_.keyFile.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error("io_failed", "cannot write " + settings_.keyFile.string());
  }
}

void TokenService::dropRetired(std::int64_t now) {
  // A key stopped signing when the next one was made; its tokens are dead accessTtl later.
  std::vector<SigningKey> kept;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const bool newest = i + 1 == keys_.size();
    if (newest || now <= keys_[i + 1].createdAt + settings_.accessTtlSeconds) {
      kept.push_back(keys_[i]);
    }
  }
  keys_ = std::move(kept);
}

bool TokenService::rotateIfDue() {
  std::unique_lock lock(mutex_);
  const std::int64_t now = clock_();
  const std::size_t before = keys_.size();
  const std::string newestBefore = keys_.back().kid;
  if (now - keys_.back().createdAt >= settings_.keyRotationSeconds) {
    keys_.push_back(newKey(now));
  }
  dropRetired(now);
  const bool changed = keys_.size() != before || keys_.back().kid != newestBefore;
  if (changed) {
    save();
    log::notice("token signing keys rotated; signing with " + keys_.back().kid);
  }
  return changed;
}

void TokenService::rotateNow() {
  std::unique_lock lock(mutex_);
  const std::int64_t now = clock_();
  keys_.push_back(newKey(now));
  dropRetired(now);
  save();
}

std::vector<std::string> TokenService::keyIds() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& k : keys_) {
    ids.push_back(k.kid);
  }
  return ids;
}

std::string TokenService::issue(const std::string& subject, const std::string& role,
                                const std::string& sessionId, AccessClaims* claims) {
  AccessClaims c;
  c.subject = subject;
  c.role = role;
  c.sessionId = sessionId;
  c.tokenId = hexEncode(randomBytes(16));
  c.issuedAt = c.notBefore = clock_();
  c.expiresAt = c.issuedAt + settings_.accessTtlSeconds;
  std::shared_lock lock(mutex_);
  const SigningKey& key = keys_.back();
  const json header{{"alg", kJwtAlgorithm}, {"typ", kAccessTokenType}, {"kid", key.kid}};
  const json payload{{"iss", settings_.issuer}, {"aud", settings_.audience}, {"sub", c.subject},
                     {"role", c.role},          {"sid", c.sessionId},        {"jti", c.tokenId},
                     {"iat", c.issuedAt},       {"nbf", c.notBefore},        {"exp", c.expiresAt}};
  const std::string input =
      base64UrlEncode(asBytes(header.dump())) + "." + base64UrlEncode(asBytes(payload.dump()));
  const std::string token = input + "." + hs256Signature(key.secret, input);
  if (claims != nullptr) {
    *claims = c;
  }
  return token;
}

AccessClaims TokenService::verify(std::string_view token) const {
  if (token.size() > kMaxTokenLength) {
    refuse("too long");
  }
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    refuse("not a compact JWS (three dot-separated parts)");
  }
  const std::string_view headerPart = token.substr(0, dot1);
  const std::string_view payloadPart = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signaturePart = token.substr(dot2 + 1);

  // The header decides nothing but which of our keys to try: alg must be the one algorithm we
  // issue (so "none", "None", "RS256", "HS512" … all fail here), and key-locating fields such as
  // jku, x5u, jwk and x5c are never looked at.
  const json header = decodeJsonPart(headerPart, "the header");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || *alg != kJwtAlgorithm) {
    refuse("alg must be " + std::string(kJwtAlgorithm));
  }
  const auto typ = header.find("typ");
  if (typ == header.end() || !typ->is_string() || *typ != kAccessTokenType) {
    refuse("typ must be " + std::string(kAccessTokenType));
  }
  if (header.contains("crit")) {
    refuse("critical header extensions are not supported");
  }
  const auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) {
    refuse("kid is missing");
  }
  const auto signature = base64UrlDecode(signaturePart);
  if (!signature || signature->size() != 32) {
    refuse("the signature is malformed");
  }
  {
    std::shared_lock lock(mutex_);
    const auto key = std::find_if(keys_.begin(), keys_.end(), [&](const SigningKey& k) {
      return k.kid == kid->get_ref<const std::string&>();
    });
    if (key == keys_.end()) {
      refuse("unknown kid");
    }
    const std::string expected =
        hs256Signature(key->secret, token.substr(0, headerPart.size() + 1 + payloadPart.size()));
    if (!constantTimeEquals(expected, signaturePart)) {
      refuse("bad signature");
    }
  }

  const json payload = decodeJsonPart(payloadPart, "the payload");
  if (stringClaim(payload, "iss") != settings_.issuer) {
    refuse("wrong issuer");
  }
  const auto aud = payload.find("aud");
  bool audienceOk = false;
  if (aud != payload.end() && aud->is_string()) {
    audienceOk = *aud == settings_.audience;
  } else if (aud != payload.end() && aud->is_array()) {
    audienceOk = std::find(aud->begin(), aud->end(), json(settings_.audience)) != aud->end();
  }
  if (!audienceOk) {
    refuse("wrong audience");
  }
  AccessClaims c;
  c.subject = stringClaim(payload, "sub");
  c.role = stringClaim(payload, "role");
  c.sessionId = stringClaim(payload, "sid");
  c.tokenId = stringClaim(payload, "jti");
  c.issuedAt = timeClaim(payload, "iat");
  c.notBefore = timeClaim(payload, "nbf");
  c.expiresAt = timeClaim(payload, "exp");
  const std::int64_t now = clock_();
  if (c.expiresAt <= now) {
    throw Error("token_expired", "the access token has expired; refresh it");
  }
  if (c.notBefore > now + kSkewSeconds) {
    refuse("not valid yet (nbf)");
  }
  if (c.issuedAt > now + kSkewSeconds) {
    refuse("issued in the future (iat)");
  }
  if (c.expiresAt - c.issuedAt > settings_.accessTtlSeconds) {
    refuse("lifetime longer than this server issues");
  }
  return c;
}

} // namespace printrelay::cloud
