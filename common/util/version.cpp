#include "common/util/version.h"

namespace printrelay {

std::string_view version() {
  return PRINTRELAY_VERSION; // set for this file alone by common/CMakeLists.txt
}

} // namespace printrelay
