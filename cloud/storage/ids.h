#pragma once

#include <string>
#include <string_view>

namespace printrelay::cloud {

/// A new random identifier: `prefix` + '_' + 32 lower-case hex digits (128 random bits),
/// e.g. "ord_3f…". Prefixes in use: st (store), ag (agent), cu (customer), ord (order),
/// job (job), lease (lease).
std::string newId(std::string_view prefix);

/// True for strings that may be an identifier: 1..64 characters from [A-Za-z0-9_-]. Anything
/// else (path separators, dots, NUL, …) is refused before it reaches the database or the disk.
bool isWellFormedId(std::string_view id);

} // namespace printrelay::cloud
