#pragma once

#include <filesystem>
#include <string>

namespace printrelay::cli {

/// The store keys this user has sealed documents to, pinned on first use per cloud and store:
/// $XDG_CONFIG_HOME/printrelay/known_stores.json (mode 0600; default ~/.config/printrelay/).
/// A later key that differs is refused until the user accepts it (printrelay trust-store).
class KnownStores {
public:
  /// The known-stores file of `cloudUrl` at `file` (default: knownStoresFile()).
  explicit KnownStores(std::string cloudUrl, std::filesystem::path file = knownStoresFile());

  /// Checks the key id the cloud gave for `storeId`: pins it when the store is new here
  /// (returns true), passes when it is the pinned one (returns false), and throws
  /// Error{"store_key_changed"} naming the old and new fingerprints and the command that
  /// accepts the change when it differs.
  bool checkOrPin(const std::string& storeId, const std::string& keyId);

  /// Pins `keyId` for `storeId`, replacing any pinned key.
  void pin(const std::string& storeId, const std::string& keyId);

  /// The pinned key id of `storeId`, or "" when none is.
  std::string pinned(const std::string& storeId) const;

  /// A key id for people: its 32 hex digits in groups of four ("1a2b 3c4d …").
  static std::string fingerprint(const std::string& keyId);

  static std::filesystem::path knownStoresFile();

private:
  std::string cloudUrl_;
  std::filesystem::path file_;
};

} // namespace printrelay::cli
