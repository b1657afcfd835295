#include "tests/support/test_pki.h"

#include <cstdio>
#include <memory>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <string>

namespace printrelay::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using FilePtr = std::unique_ptr<std::FILE, FileClose>;

[[noreturn]] void fail(const std::string& what) {
  char reason[256] = "unknown error";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, reason, sizeof reason);
  }
  throw std::runtime_error("test PKI: " + what + ": " + reason);
}

void check(int ok, const std::string& what) {
  if (ok <= 0) {
    fail(what);
  }
}

PkeyPtr newKey() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    fail("key generation");
  }
  return key;
}

void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) {
    fail(std::string("extension ") + OBJ_nid2sn(nid));
  }
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok, "X509_add_ext");
}

/// A certificate for `key` named `commonName`, signed by issuerKey (self-signed when issuer is
/// null).
X509Ptr makeCert(EVP_PKEY* key, const char* commonName, X509* issuer, EVP_PKEY* issuerKey) {
  X509Ptr cert(X509_new());
  check(cert ? 1 : 0, "X509_new");
  check(X509_set_version(cert.get(), 2), "X509_set_version");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof serial), "RAND_bytes");
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  check(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr ? 1 : 0, "serial");
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 90L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("PrintRelay tests"), -1,
                                   -1, 0),
        "subject O");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(commonName), -1, -1, 0),
        "subject CN");
  X509* signer = issuer != nullptr ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)), "issuer");
  check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  if (issuer == nullptr) {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    addExtension(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost");
    addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  check(X509_sign(cert.get(), issuerKey != nullptr ? issuerKey : key, EVP_sha256()), "X509_sign");
  return cert;
}

FilePtr openForWrite(const std::filesystem::path& path, bool secret) {
  FilePtr file(std::fopen(path.c_str(), "w"));
  if (!file) {
    throw std::runtime_error("test PKI: cannot write " + path.string());
  }
  if (secret) {
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
  }
  return file;
}

void writeCert(const std::filesystem::path& path, X509* cert) {
  auto file = openForWrite(path, false);
  check(PEM_write_X509(file.get(), cert), "PEM_write_X509");
}

void writeKey(const std::filesystem::path& path, EVP_PKEY* key) {
  auto file = openForWrite(path, true);
  check(PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_PrivateKey");
}

} // namespace

TestPki generateTestPki(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto caKey = newKey();
  const auto caCert = makeCert(caKey.get(), "PrintRelay test CA", nullptr, nullptr);
  const auto serverKey = newKey();
  const auto serverCert = makeCert(serverKey.get(), "localhost", caCert.get(), caKey.get());

  TestPki pki{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  writeCert(pki.caCert, caCert.get());
  writeCert(pki.serverCert, serverCert.get());
  writeKey(pki.serverKey, serverKey.get());
  return pki;
}

} // namespace printrelay::testing
