#pragma once

#include "common/hpke.h"

#include <filesystem>
#include <span>
#include <string>
#include <sys/types.h>

namespace printrelay::agent {

/// Where the agent keeps its state inside state_dir.
struct StatePaths {
  explicit StatePaths(std::filesystem::path dir) : stateDir(std::move(dir)) {}
  std::filesystem::path stateDir;
  std::filesystem::path storeKey() const { return stateDir / "store.key"; }
  std::filesystem::path credential() const { return stateDir / "credential"; }
  std::filesystem::path identity() const { return stateDir / "agent.json"; }
  std::filesystem::path journal() const { return stateDir / "journal.db"; }
};

/// Creates the directory (and parents) if missing; a new directory gets mode 0700.
void ensurePrivateDirectory(const std::filesystem::path& dir);

/// Replaces `path` atomically with `data`: writes a temporary file created with
/// O_CREAT|O_EXCL and `mode`, fsyncs it, renames it over `path` and fsyncs the directory, so a
/// crash leaves either the old file or the new one, never a torn or world-readable one.
void writeFileAtomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                     mode_t mode);

/// Reads a file that holds a secret; throws Error{"state_insecure"} when group or others may
/// read or write it, Error{"state_missing"} when it does not exist.
std::string readPrivateFile(const std::filesystem::path& path);

/// Writes the store's private key (base64, mode 0600).
void saveStoreKey(const std::filesystem::path& path, const hpke::KeyPair& key);
/// Reads the store key written by saveStoreKey; throws Error{"state_invalid"} when malformed.
hpke::KeyPair loadStoreKey(const std::filesystem::path& path);

} // namespace printrelay::agent
