#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::agent {

/// A mistake on the command line: the program prints it with its usage and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Walks a command line word by word, for printrelay-agent and printrelayctl alike: an option
/// with a value may be written "--name VALUE" or "--name=VALUE".
class ArgumentReader {
public:
  explicit ArgumentReader(const std::vector<std::string>& args) : args_(args) {}

  bool done() const { return next_ >= args_.size(); }
  /// The word at hand (call only when not done()).
  const std::string& current() const { return args_[next_]; }
  /// Takes the word at hand.
  std::string take() { return args_[next_++]; }
  /// When the word at hand is `name`: takes it and returns true.
  bool flag(std::string_view name);
  /// When the word at hand is `name` or `name=VALUE`: takes it (and the next word, its value,
  /// in the first form) and returns the value; throws UsageError when the value is missing.
  std::optional<std::string> value(std::string_view name);
  /// The words not taken yet.
  std::vector<std::string> rest() const;

private:
  const std::vector<std::string>& args_;
  std::size_t next_ = 0;
};

} // namespace printrelay::agent
