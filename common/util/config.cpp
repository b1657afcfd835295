#include "common/util/config.h"

#include "common/util/error.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace printrelay {
namespace {

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  const auto end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

bool parseBool(const std::string& value, bool& out) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "true" || v == "yes" || v == "on" || v == "1") {
    out = true;
    return true;
  }
  if (v == "false" || v == "no" || v == "off" || v == "0") {
    out = false;
    return true;
  }
  return false;
}

bool parseInt(const std::string& value, long long& out) {
  if (value.empty()) {
    return false;
  }
  std::size_t used = 0;
  try {
    out = std::stoll(value, &used, 10);
  } catch (const std::exception&) {
    return false;
  }
  return used == value.size();
}

} // namespace

ConfigKey stringKey(std::string name, std::string defaultValue, std::string help) {
  return {std::move(name), ConfigType::String, std::move(defaultValue), std::move(help)};
}

ConfigKey pathKey(std::string name, std::string defaultValue, std::string help) {
  return {std::move(name), ConfigType::Path, std::move(defaultValue), std::move(help)};
}

ConfigKey integerKey(std::string name, long long defaultValue, std::string help) {
  return {std::move(name), ConfigType::Integer, std::to_string(defaultValue), std::move(help)};
}

ConfigKey booleanKey(std::string name, bool defaultValue, std::string help) {
  return {std::move(name), ConfigType::Boolean, defaultValue ? "true" : "false", std::move(help)};
}

ConfigKey secretKey(std::string name, std::string help) {
  return {std::move(name), ConfigType::Secret, "", std::move(help)};
}

Config::Config(std::vector<ConfigKey> table, std::string envPrefix)
    : table_(std::move(table)), envPrefix_(std::move(envPrefix)) {
  for (const auto& key : table_) {
    if (!key.defaultValue.empty()) {
      values_[key.name] = key.defaultValue;
    }
  }
}

const ConfigKey& Config::keyFor(const std::string& name) const {
  for (const auto& key : table_) {
    if (key.name == name) {
      return key;
    }
  }
  throw Error("config_invalid", "unknown configuration key '" + name + "'");
}

void Config::setChecked(const ConfigKey& key, const std::string& value, const std::string& where) {
  if (value.find('\0') != std::string::npos) {
    throw Error("config_invalid", where + ": '" + key.name + "' contains a NUL byte");
  }
  if (key.type == ConfigType::Integer) {
    long long n = 0;
    if (!parseInt(value, n)) {
      throw Error("config_invalid", where + ": '" + key.name + "' must be an integer");
    }
  } else if (key.type == ConfigType::Boolean) {
    bool b = false;
    if (!parseBool(value, b)) {
      throw Error("config_invalid", where + ": '" + key.name + "' must be true or false");
    }
  }
  if (value.empty()) {
    values_.erase(key.name);
  } else {
    values_[key.name] = value;
  }
}

void Config::loadFile(const std::string& path, bool required) {
  std::ifstream in(path);
  if (!in) {
    if (required) {
      throw Error("config_invalid", "cannot read configuration file " + path);
    }
    return;
  }
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string where = path + ":" + std::to_string(lineNo);
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') {
      continue;
    }
    const auto eq = text.find('=');
    if (eq == std::string::npos) {
      throw Error("config_invalid", where + ": expected 'key = value'");
    }
    const std::string name = trim(std::string_view(text).substr(0, eq));
    std::string value = trim(std::string_view(text).substr(eq + 1));
    // A '#' after white space starts a comment, so "key = value  # note" works.
    if (!value.empty() && value.front() == '"') {
      // Quoted values keep everything between the quotes.
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(std::string_view(value).substr(0, hash));
    } else if (const auto tab = value.find("\t#"); tab != std::string::npos) {
      value = trim(std::string_view(value).substr(0, tab));
    }
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    const ConfigKey* key = nullptr;
    for (const auto& k : table_) {
      if (k.name == name) {
        key = &k;
      }
    }
    if (key == nullptr) {
      throw Error("config_invalid", where + ": unknown key '" + name + "'");
    }
    setChecked(*key, value, where);
  }
}

void Config::loadEnvironment() {
  for (const auto& key : table_) {
    std::string env = envPrefix_;
    for (char c : key.name) {
      env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (const char* value = std::getenv(env.c_str()); value != nullptr) {
      setChecked(key, value, "environment " + env);
    }
  }
}

void Config::set(const std::string& name, const std::string& value) {
  setChecked(keyFor(name), value, "option --" + name);
}

bool Config::isSet(const std::string& name) const {
  keyFor(name);
  return values_.count(name) > 0;
}

std::string Config::getString(const std::string& name) const {
  keyFor(name);
  const auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second;
}

long long Config::getInt(const std::string& name) const {
  long long n = 0;
  const std::string value = getString(name);
  if (!parseInt(value, n)) {
    throw Error("config_invalid", "'" + name + "' is not set to an integer");
  }
  return n;
}

long long Config::getIntInRange(const std::string& name, long long min, long long max) const {
  const long long value = getInt(name);
  if (value < min || value > max) {
    throw Error("config_invalid", "'" + name + "' must be between " + std::to_string(min) +
                                      " and " + std::to_string(max) + " (got " +
                                      std::to_string(value) + ")");
  }
  return value;
}

bool Config::getBool(const std::string& name) const {
  bool b = false;
  const std::string value = getString(name);
  if (value.empty()) {
    return false;
  }
  parseBool(value, b);
  return b;
}

std::string Config::dumpRedacted() const {
  std::ostringstream out;
  for (const auto& key : table_) {
    const auto it = values_.find(key.name);
    out << key.name << " = ";
    if (it == values_.end()) {
      out << "(unset)";
    } else if (key.type == ConfigType::Secret) {
      out << "<redacted>";
    } else {
      out << it->second;
    }
    out << '\n';
  }
  return out.str();
}

std::string Config::renderTemplate() const {
  std::ostringstream out;
  for (const auto& key : table_) {
    out << "# " << key.help << '\n';
    out << "#" << key.name << " = " << key.defaultValue << "\n\n";
  }
  return out.str();
}

} // namespace printrelay
