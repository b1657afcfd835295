// libFuzzer target: the payment provider's webhook signature header (cloud/orders/payments,
// `Stripe-Signature: t=…,v1=…`), checked against the body it signs.
#include "cloud/orders/payments.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace printrelay;
using namespace printrelay::cloud;

namespace {

constexpr std::string_view kSecret = "whsec_fuzz";
constexpr std::int64_t kNow = 1'700'000'000;

/// Verifies; returns the error code, "" when the signature is accepted.
std::string verdict(std::string_view header, std::string_view body) {
  try {
    verifyWebhookSignature(kSecret, header, body, kNow);
    return {};
  } catch (const Error& e) {
    PRINTRELAY_FUZZ_CHECK(e.code() == "bad_signature" || e.code() == "signature_expired");
    return e.code();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The header, a newline, the body.
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  const std::string found = verdict(header, body);
  if (found.empty()) {
    // Accepted: the header names the right HMAC; the same header over another body is refused.
    PRINTRELAY_FUZZ_CHECK(verdict(header, std::string(body) + "x") == "bad_signature");
  }
  // What the provider sends is accepted now and refused once it is stale or for another body.
  const std::string good = webhookSignatureHeader(kSecret, kNow, body);
  PRINTRELAY_FUZZ_CHECK(verdict(good, body).empty());
  PRINTRELAY_FUZZ_CHECK(verdict(webhookSignatureHeader(kSecret, kNow - 301, body), body) ==
                        "signature_expired");
  PRINTRELAY_FUZZ_CHECK(verdict(webhookSignatureHeader("whsec_other", kNow, body), body) ==
                        "bad_signature");
  // More items after a valid signature: accepted unless they make the header ill-formed.
  if (!header.empty()) {
    const std::string more = verdict(good + "," + std::string(header), body);
    PRINTRELAY_FUZZ_CHECK(more.empty() || more == "bad_signature");
  }
  return 0;
}
