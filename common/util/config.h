#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay {

/// The type of one configuration key; values are checked against it when loaded.
enum class ConfigType { String, Integer, Boolean, Path, Secret };

/// One row of a program's configuration table: the single source for parsing, defaults,
/// environment overrides and the documented template.
struct ConfigKey {
  std::string name; ///< e.g. "cloud_url"
  ConfigType type;
  std::string defaultValue; ///< empty means "unset"
  std::string help;
};

/// Rows of a configuration table, one maker per type: the key's name, its default as a value of
/// the type (a secret has none) and its help.
ConfigKey stringKey(std::string name, std::string defaultValue, std::string help);
ConfigKey pathKey(std::string name, std::string defaultValue, std::string help);
ConfigKey integerKey(std::string name, long long defaultValue, std::string help);
ConfigKey booleanKey(std::string name, bool defaultValue, std::string help);
ConfigKey secretKey(std::string name, std::string help);

/// Configuration loaded from a `key = value` file (comments start with '#'), then overridden by
/// environment variables named PREFIX + upper-case key (e.g. PRINTRELAY_AGENT_CLOUD_URL).
/// Unknown keys and ill-typed values throw Error{"config_invalid"} naming the file and line.
class Config {
public:
  Config(std::vector<ConfigKey> table, std::string envPrefix);

  /// Reads the file; a missing file is an error only when `required`.
  void loadFile(const std::string& path, bool required);
  /// Applies environment overrides.
  void loadEnvironment();
  /// Sets one value (command-line overrides, tests); checks name and type.
  void set(const std::string& name, const std::string& value);

  std::string getString(const std::string& name) const;
  long long getInt(const std::string& name) const;
  /// The integer `name`, which must lie in [min, max]; otherwise a config_invalid error that
  /// names the key, the range and the value.
  long long getIntInRange(const std::string& name, long long min, long long max) const;
  bool getBool(const std::string& name) const;
  bool isSet(const std::string& name) const;

  /// All keys with their effective values, secrets shown as "<redacted>".
  std::string dumpRedacted() const;
  /// A commented template of every key with its help and default.
  std::string renderTemplate() const;

  const std::vector<ConfigKey>& table() const { return table_; }

private:
  const ConfigKey& keyFor(const std::string& name) const;
  void setChecked(const ConfigKey& key, const std::string& value, const std::string& where);

  std::vector<ConfigKey> table_;
  std::string envPrefix_;
  std::map<std::string, std::string> values_;
};

} // namespace printrelay
