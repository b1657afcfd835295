#include "agent/jobs/document_transfer.h"

#include "agent/cloud/cloud_client.h"
#include "common/crypto/envelope.h"
#include "common/util/error.h"

#include <algorithm>
#include <exception>

namespace printrelay::agent {

SecureBytes downloadDocument(CloudClient& cloud, const protocol::JobOffer& offer,
                             const hpke::KeyPair& key, std::uint64_t limit,
                             const std::function<bool()>& keepGoing) {
  SecureBytes plaintext;
  if (offer.envelopeSize > 0) {
    plaintext.reserve(static_cast<std::size_t>(std::min(offer.envelopeSize, limit)));
  }
  std::exception_ptr failure;
  envelope::Opener opener(
      key, offer.orderId,
      [&plaintext](std::span<const std::uint8_t> chunk) {
        appendBytes(plaintext, chunk);
        return true;
      },
      limit);
  try {
    cloud.fetchDocument(offer.jobId, offer.leaseId, [&](std::span<const std::uint8_t> sealed) {
      if (!keepGoing()) {
        failure = std::make_exception_ptr(
            Error("agent_stopping", "the agent stopped while the document was downloading"));
        return false;
      }
      try {
        opener.write(sealed);
      } catch (...) {
        failure = std::current_exception();
        return false;
      }
      return true;
    });
  } catch (...) {
    if (failure) {
      std::rethrow_exception(failure);
    }
    throw;
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  opener.finish();
  return plaintext;
}

void sendDocument(std::span<const std::uint8_t> document, DocumentWriter& writer,
                  const std::function<bool()>& keepGoing) {
  while (!document.empty()) {
    if (!keepGoing()) {
      throw Error("agent_stopping", "the agent stopped while the document was being sent");
    }
    const std::size_t n = std::min(document.size(), kSpoolerWritePiece);
    writer.write(document.first(n));
    document = document.subspan(n);
  }
}

} // namespace printrelay::agent
