#include "agent/platform/system_trust.h"

#include <openssl/err.h>

namespace printrelay::agent {

bool loadSystemTrust(SSL_CTX* ctx, std::string& error) {
  if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    char buffer[256] = {};
    ERR_error_string_n(ERR_get_error(), buffer, sizeof buffer);
    error = buffer;
    return false;
  }
  return true;
}

} // namespace printrelay::agent
