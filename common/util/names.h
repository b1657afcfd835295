#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace printrelay {

// The one rule for names people type and others read (account, store, agent, printer and
// document names): no character that hides or disguises text. Refused or neutralised are
//   - invalid UTF-8;
//   - C0 and C1 controls and DEL (U+0000-U+001F, U+007F-U+009F, so also U+0085 and U+009B);
//   - bidirectional overrides, embeddings, isolates and marks (U+202A-U+202E, U+2066-U+2069,
//     U+200E, U+200F, U+061C);
//   - zero-width characters (U+200B-U+200D, U+2060, U+FEFF);
//   - the line and paragraph separators U+2028 and U+2029.
// A name typed for itself (account, store, agent) or one that must stay exact (a printer's queue
// name, by which the agent prints) is refused with the character and its position; a name taken
// from elsewhere and only shown (a document's file name) is neutralised. docs/openapi.yaml
// (components/schemas/Name) says the same.

/// Whether `c` is one of the characters above.
bool isHiddenInNames(char32_t c);

/// The first thing wrong with a name: where (1-based, in characters) and which character
/// (none: an invalid UTF-8 sequence starts there).
struct NameProblem {
  std::size_t position = 0;
  std::optional<char32_t> character;

  /// "U+202E (right-to-left override) at character 4", "invalid UTF-8 at character 2".
  std::string describe() const;
};

/// The first problem of `name` under the rule above; nullopt when it has none.
std::optional<NameProblem> nameProblem(std::string_view name);

/// `name` under the rule above: controls and invalid UTF-8 sequences become U+FFFD (visible),
/// bidirectional and zero-width characters and the separators are removed (they show nothing).
std::string neutralisedName(std::string_view name);

} // namespace printrelay
