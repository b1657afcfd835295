#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace printrelay {

/// The names of an enum whose values run 0, 1, 2, …: one table, indexed by the value, that both
/// names a value and parses a name back. Made by enumNames() beside the enum's toString.
template <typename E, std::size_t N> class EnumNames {
public:
  constexpr explicit EnumNames(std::array<std::string_view, N> names) : names_(names) {}

  /// The name of `value` ("" for a value outside the table).
  constexpr std::string_view name(E value) const {
    const auto index = static_cast<std::size_t>(value);
    return index < N ? names_[index] : std::string_view{};
  }

  /// The value named `text`, or nothing when no value has that name.
  constexpr std::optional<E> parse(std::string_view text) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names_[i] == text) {
        return static_cast<E>(i);
      }
    }
    return std::nullopt;
  }

private:
  std::array<std::string_view, N> names_;
};

/// The names of E's values 0 … `last`, in that order: `enumNames(Color::Blue, {"red", "blue"})`.
/// A list that does not name every value up to `last`, and no more, does not compile.
template <typename E, std::size_t N>
consteval EnumNames<E, N> enumNames(E last, const std::string_view (&names)[N]) {
  if (static_cast<std::size_t>(last) + 1 != N) {
    throw "enumNames: one name for each value up to the last"; // not a constant: no compile
  }
  std::array<std::string_view, N> table{};
  for (std::size_t i = 0; i < N; ++i) {
    table[i] = names[i];
  }
  return EnumNames<E, N>(table);
}

} // namespace printrelay
