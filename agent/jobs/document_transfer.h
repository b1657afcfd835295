#pragma once

#include "agent/spooler/print_backend.h"
#include "common/crypto/hpke.h"
#include "common/util/secure_bytes.h"
#include "common/wire/protocol.h"

#include <cstdint>
#include <functional>
#include <span>

namespace printrelay::agent {

class CloudClient;

/// How much of a document goes to the spooler per write (keepGoing is asked in between).
inline constexpr std::size_t kSpoolerWritePiece = 1024 * 1024;

/// Downloads an offer's sealed document and opens it into memory: the plaintext is appended in
/// bulk to a buffer reserved at the envelope's size (it never moves, so it leaves no copy
/// behind) and is at most `limit` bytes. `keepGoing` is asked for every piece that arrives;
/// false stops the download with Error{"agent_stopping"}. Throws the envelope's errors, and
/// CloudError when the download fails.
SecureBytes downloadDocument(CloudClient& cloud, const protocol::JobOffer& offer,
                             const hpke::KeyPair& key, std::uint64_t limit,
                             const std::function<bool()>& keepGoing);

/// Sends a document from memory to a spooler job in kSpoolerWritePiece pieces, asking
/// `keepGoing` before each; false throws Error{"agent_stopping"}.
void sendDocument(std::span<const std::uint8_t> document, DocumentWriter& writer,
                  const std::function<bool()>& keepGoing);

} // namespace printrelay::agent
