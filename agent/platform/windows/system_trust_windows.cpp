#include "agent/platform/system_trust.h"

#include <openssl/x509.h>

// clang-format off
#include <windows.h> // first: wincrypt.h needs its macros
#include <wincrypt.h>
// clang-format on

namespace printrelay::agent {

bool loadSystemTrust(SSL_CTX* ctx, std::string& error) {
  HCERTSTORE store = CertOpenSystemStoreW(0, L"ROOT");
  if (store == nullptr) {
    error = "cannot open the Windows ROOT certificate store (error " +
            std::to_string(GetLastError()) + ")";
    return false;
  }
  X509_STORE* trusted = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  PCCERT_CONTEXT cert = nullptr;
  while ((cert = CertEnumCertificatesInStore(store, cert)) != nullptr) {
    const unsigned char* der = cert->pbCertEncoded;
    X509* x509 = d2i_X509(nullptr, &der, static_cast<long>(cert->cbCertEncoded));
    if (x509 != nullptr) {
      if (X509_STORE_add_cert(trusted, x509) == 1) {
        ++added;
      }
      X509_free(x509);
    }
  }
  CertCloseStore(store, 0);
  if (added == 0) {
    error = "the Windows ROOT certificate store holds no usable certificate";
    return false;
  }
  return true;
}

} // namespace printrelay::agent
