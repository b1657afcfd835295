#pragma once

#include "common/crypto/hpke.h"

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
  std::filesystem::path lock() const { return stateDir / "agent.lock"; }
};

// The platform parts (makePrivateDirectory, writeFileAtomic, makePrivateFile, readPrivateFile)
// live in state_files_posix.cpp and state_files_windows.cpp. On Windows, "private" is an ACL
// instead of a mode: a protected DACL (nothing inherited) that grants only SYSTEM, Administrators
// and the account running the agent (the service's account); `mode` bits for group or others add
// read access for Users.

/// Creates the directory (and parents) if missing; a new directory gets mode 0700 (Windows:
/// the private ACL, inherited by what is created inside).
void ensurePrivateDirectory(const std::filesystem::path& dir);
/// The platform part of ensurePrivateDirectory: creates `dir` itself (its parent exists) with
/// mode 0700 / the private ACL; one that already exists is left as it is.
void makePrivateDirectory(const std::filesystem::path& dir);
/// A fresh name next to `path` for writing its replacement (".NAME.tmp-RANDOM").
std::filesystem::path temporaryPathFor(const std::filesystem::path& path);

/// Replaces `path` atomically with `data`: writes a temporary file created exclusively
/// (O_CREAT|O_EXCL; Windows: CREATE_NEW) with `mode` (Windows: the private ACL), flushes it to
/// disk, renames it over `path` (Windows: MoveFileEx, write-through) and syncs the directory,
/// so a crash leaves either the old file or the new one, never a torn or world-readable one.
void writeFileAtomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                     mode_t mode);

/// Makes `path` a private file for a program that creates it by itself (SQLite): creates it
/// empty with mode 0600 when missing and takes group and other bits away from an existing one.
/// Windows: nothing to do, files inherit the state directory's private ACL.
void makePrivateFile(const std::filesystem::path& path);

/// Reads a file that holds a secret; throws Error{"state_insecure"} when group or others may
/// read or write it (Windows: when its ACL lets any other account read or change it),
/// Error{"state_missing"} when it does not exist.
std::string readPrivateFile(const std::filesystem::path& path);

/// Writes the store's private key (base64, mode 0600).
void saveStoreKey(const std::filesystem::path& path, const hpke::KeyPair& key);
/// Reads the store key written by saveStoreKey; throws Error{"state_invalid"} when malformed.
hpke::KeyPair loadStoreKey(const std::filesystem::path& path);

} // namespace printrelay::agent
