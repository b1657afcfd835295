#pragma once

#include <string_view>

namespace printrelay {

/// PrintRelay's version ("0.1.0"), the project version CMake gives; every program and the
/// User-Agent and health answers say this one.
std::string_view version();

} // namespace printrelay
