#include "common/util/names.h"

#include <cstdint>
#include <cstdio>

namespace printrelay {
namespace {

/// The code point starting at `text[i]` and its length in bytes; nullopt for an invalid
/// sequence (truncated, overlong, a surrogate, above U+10FFFF, a stray continuation byte).
std::optional<std::pair<char32_t, std::size_t>> decodeAt(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    return std::pair<char32_t, std::size_t>{lead, 1};
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + length > text.size()) {
    return std::nullopt;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      return std::nullopt;
    }
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return std::nullopt;
  }
  return std::pair<char32_t, std::size_t>{value, length};
}

bool isControl(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/// Names of the invisible characters, for error messages.
const char* characterName(char32_t c) {
  switch (c) {
  case 0x061C:
    return "arabic letter mark";
  case 0x200B:
    return "zero width space";
  case 0x200C:
    return "zero width non-joiner";
  case 0x200D:
    return "zero width joiner";
  case 0x200E:
    return "left-to-right mark";
  case 0x200F:
    return "right-to-left mark";
  case 0x2028:
    return "line separator";
  case 0x2029:
    return "paragraph separator";
  case 0x202A:
    return "left-to-right embedding";
  case 0x202B:
    return "right-to-left embedding";
  case 0x202C:
    return "pop directional formatting";
  case 0x202D:
    return "left-to-right override";
  case 0x202E:
    return "right-to-left override";
  case 0x2060:
    return "word joiner";
  case 0x2066:
    return "left-to-right isolate";
  case 0x2067:
    return "right-to-left isolate";
  case 0x2068:
    return "first strong isolate";
  case 0x2069:
    return "pop directional isolate";
  case 0xFEFF:
    return "zero width no-break space";
  default:
    return "a control character";
  }
}

void appendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

} // namespace

bool isHiddenInNames(char32_t c) {
  return isControl(c) || c == 0x061C || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202E) || c == 0x2060 || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

std::string NameProblem::describe() const {
  const std::string where = " at character " + std::to_string(position);
  if (!character) {
    return "invalid UTF-8" + where;
  }
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(*character));
  return std::string(code) + " (" + characterName(*character) + ")" + where;
}

std::optional<NameProblem> nameProblem(std::string_view name) {
  std::size_t position = 1;
  for (std::size_t i = 0; i < name.size(); ++position) {
    const auto decoded = decodeAt(name, i);
    if (!decoded) {
      return NameProblem{position, std::nullopt};
    }
    if (isHiddenInNames(decoded->first)) {
      return NameProblem{position, decoded->first};
    }
    i += decoded->second;
  }
  return std::nullopt;
}

std::string neutralisedName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const auto decoded = decodeAt(name, i);
    if (!decoded) {
      appendUtf8(out, 0xFFFD);
      ++i;
      continue;
    }
    const char32_t c = decoded->first;
    if (isControl(c)) {
      appendUtf8(out, 0xFFFD);
    } else if (!isHiddenInNames(c)) {
      out.append(name.substr(i, decoded->second));
    }
    i += decoded->second;
  }
  return out;
}

} // namespace printrelay
