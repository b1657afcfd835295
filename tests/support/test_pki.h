#pragma once

#include <filesystem>

namespace printrelay::testing {

/// PEM files of a throwaway certificate authority and a server certificate it signed.
struct TestPki {
  std::filesystem::path caCert;     ///< the CA certificate, for clients' ca_file
  std::filesystem::path serverCert; ///< leaf certificate, SAN IP:127.0.0.1, IP:::1, DNS:localhost
  std::filesystem::path serverKey;  ///< the leaf's private key (mode 0600)
};

/// Generates a fresh CA (P-256, valid for a day) and a server certificate for the loopback
/// names into `dir` as ca.pem, server.pem and server.key. Throws std::runtime_error with
/// OpenSSL's reason on failure.
TestPki generateTestPki(const std::filesystem::path& dir);

} // namespace printrelay::testing
