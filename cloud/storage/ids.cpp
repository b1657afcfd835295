#include "cloud/storage/ids.h"

#include "common/util/encoding.h"

namespace printrelay::cloud {

std::string newId(std::string_view prefix) {
  return std::string(prefix) + "_" + hexEncode(randomBytes(16));
}

bool isWellFormedId(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

} // namespace printrelay::cloud
