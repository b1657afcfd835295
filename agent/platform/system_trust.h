#pragma once

#include <openssl/ssl.h>
#include <string>

namespace printrelay::agent {

/// Loads the platform's trusted root certificates into `ctx` for a connection made without a
/// configured ca_file: OpenSSL's default verify paths on POSIX (system_trust_posix.cpp), the
/// machine's "ROOT" certificate store on Windows (system_trust_windows.cpp), where OpenSSL's
/// default paths point into the cross-build prefix and hold nothing. Returns false and says why
/// in `error` when nothing could be loaded.
bool loadSystemTrust(SSL_CTX* ctx, std::string& error);

} // namespace printrelay::agent
