#include "agent/daemon/command_line.h"

#include <algorithm>

namespace printrelay::agent {

bool ArgumentReader::flag(std::string_view name) {
  if (done() || current() != name) {
    return false;
  }
  ++next_;
  return true;
}

std::optional<std::string> ArgumentReader::value(std::string_view name) {
  if (done()) {
    return std::nullopt;
  }
  const std::string& word = current();
  if (word == name) {
    if (next_ + 1 >= args_.size()) {
      throw UsageError(std::string(name) + " needs a value");
    }
    next_ += 2;
    return args_[next_ - 1];
  }
  if (word.size() > name.size() && word.starts_with(name) && word[name.size()] == '=') {
    ++next_;
    return word.substr(name.size() + 1);
  }
  return std::nullopt;
}

std::vector<std::string> ArgumentReader::rest() const {
  return {args_.begin() + static_cast<std::ptrdiff_t>(std::min(next_, args_.size())), args_.end()};
}

} // namespace printrelay::agent
