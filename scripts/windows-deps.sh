#!/usr/bin/env bash
# Cross-builds what the Windows agent links against, from Debian's own SOURCE packages, with
# Debian's MinGW-w64 compiler (x86_64, posix threads): OpenSSL (libcrypto + libssl), SQLite,
# SQLiteCpp, cpp-httplib's single header, and GoogleTest (from /usr/src/googletest).
#
# Each result is installed into its own prefix under the cache, keyed by the source package
# version, the compiler version and the recipe revision below, so a second run only checks:
#   ${PRINTRELAY_MINGW_CACHE:-$HOME/.cache/printrelay/mingw-w64}/<name>-<version>-<key>/
# The list of prefixes is written to <cache>/prefixes (one line, ';'-separated) for CMake's
# CMAKE_FIND_ROOT_PATH (see packaging/windows/mingw-w64.cmake and scripts/build-windows.sh).
#
# Idempotent: packages are installed (apt-get) only when missing; deb-src for bookworm is
# enabled in /etc/apt/sources.list.d/printrelay-deb-src.sources only when no source index is
# configured yet. Runs as root, or through sudo when not root.
set -euo pipefail

cache=${PRINTRELAY_MINGW_CACHE:-$HOME/.cache/printrelay/mingw-w64}
triplet=x86_64-w64-mingw32
# Bump when a recipe below changes, so cached results built the old way are not reused.
recipe=1
jobs=$(nproc 2>/dev/null || echo 2)
root_dir=$(cd "$(dirname "$0")/.." && pwd)
toolchain="$root_dir/packaging/windows/mingw-w64.cmake"

say() { echo "windows-deps: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    say "need root (or sudo) for: $*"
    exit 1
  fi
}

# --- host packages ----------------------------------------------------------------------------
packages=(
  mingw-w64 g++-mingw-w64-x86-64-posix # the cross compiler
  wine wine64                          # the test runner (wine: /usr/bin/wine, only a
                                       # Recommends of wine64)
  googletest nlohmann-json3-dev                # sources / headers used as they are
  dpkg-dev cmake make perl tcl                 # apt-get source, the builds (OpenSSL: perl;
                                               # SQLite's amalgamation: tclsh)
)
source "$root_dir/scripts/apt-packages.sh"
mapfile -t missing < <(missing_packages "${packages[@]}")
if ((${#missing[@]} > 0)); then
  install_packages windows-deps "${missing[@]}"
fi

cc=$triplet-gcc-posix
cxx=$triplet-g++-posix
compiler_key="gcc$($cc -dumpversion)-mingw$(dpkg-query -W -f='${Version}' mingw-w64-x86-64-dev)"

# --- deb-src ----------------------------------------------------------------------------------
# (No `grep -q` after a pipe here: with pipefail the writer's SIGPIPE would fail the pipeline.)
have_sources() { apt-cache showsrc --only-source openssl 2>/dev/null | grep '^Package:' >/dev/null; }
deb_src=/etc/apt/sources.list.d/printrelay-deb-src.sources
if ! have_sources; then
  if [[ ! -f "$deb_src" ]]; then
    say "enabling deb-src for bookworm in $deb_src"
    as_root tee "$deb_src" >/dev/null <<'EOF'
# Written by PrintRelay's scripts/windows-deps.sh: the Windows agent's libraries are
# cross-built from Debian's source packages (apt-get source).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  have_sources || {
    say "no source packages after apt-get update"
    exit 1
  }
fi

# Versions of a source package the indexes list, newest first. A mirror may list a version
# its pool no longer serves, so the builder falls back to older ones.
source_versions() {
  local v sorted=() i
  while read -r v; do
    [[ -n "$v" ]] || continue
    i=${#sorted[@]}
    sorted+=("$v")
    while ((i > 0)) && dpkg --compare-versions "${sorted[i - 1]}" lt "$v"; do
      sorted[i]=${sorted[i - 1]}
      sorted[i - 1]=$v
      i=$((i - 1))
    done
  done < <(apt-cache showsrc --only-source "$1" 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -u)
  ((${#sorted[@]} > 0)) || {
    say "no source package $1 in the apt indexes"
    exit 1
  }
  printf '%s\n' "${sorted[@]}"
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one builder at a time per cache

# Left over by a run that was killed (we hold the lock, so nobody else is using them).
rm -rf "$cache"/*.partial "$cache"/.work.*
work=$(mktemp -d "$cache/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

prefixes=()
built=()
chosen=""  # the version build_from_source settled on

# Runs recipe FUNCTION SRC OUT into a fresh prefix and moves it to DEST when it succeeds.
run_recipe() {
  local name=$1 fn=$2 src=$3 dest=$4
  rm -rf "$dest" "$dest.partial"
  mkdir -p "$dest.partial"
  local log="$work/$name-build.log"
  # A fresh shell, so that errexit holds inside the recipe (it would not in an `if`).
  if ! bash -euo pipefail -c '"$@"' recipe "$fn" "$src" "$dest.partial" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    say "building $name failed (log above)"
    exit 1
  fi
  # The trees hold no absolute paths that matter (CMake package files are relocatable), so the
  # finished prefix can be moved into place; .complete marks it usable.
  mv "$dest.partial" "$dest"
  touch "$dest/.complete"
  built+=("$name")
}

# build_from_source NAME PACKAGE FUNCTION [KEY_SUFFIX]: the newest version of source PACKAGE
# that is cached, or else that apt-get source can fetch, built by FUNCTION SRC OUT.
build_from_source() {
  local name=$1 pkg=$2 fn=$3 suffix=${4:-} version dest dir
  for version in $(source_versions "$pkg"); do
    dest="$cache/$name-$version$suffix-r$recipe-$compiler_key"
    if [[ -f "$dest/.complete" ]]; then
      prefixes+=("$dest")
      chosen=$version
      return
    fi
    rm -rf "$work/$pkg"
    mkdir -p "$work/$pkg"
    if ! (cd "$work/$pkg" && apt-get source -qq "$pkg=$version" >"$work/$pkg.log" 2>&1); then
      say "cannot fetch source $pkg $version; trying an older one"
      continue
    fi
    dir=$(find "$work/$pkg" -mindepth 1 -maxdepth 1 -type d -print -quit)
    [[ -n "$dir" ]] || {
      say "apt-get source $pkg=$version unpacked nothing"
      exit 1
    }
    say "building $name $version (once; cached in $dest)"
    run_recipe "$name" "$fn" "$dir" "$dest"
    prefixes+=("$dest")
    chosen=$version
    return
  done
  cat "$work/$pkg.log" >&2
  say "no version of source package $pkg could be fetched"
  exit 1
}

# --- OpenSSL: libcrypto + libssl only, static, no apps/tests/docs/modules ------------------
# Only what the agent uses: HPKE (X25519, HKDF-SHA256, AES-256-GCM) and TLS 1.2/1.3 for
# cpp-httplib and diagnose (RSA/ECDSA certificates, ECDHE/DHE, AES-GCM, ChaCha20-Poly1305).
# Legacy ciphers and digests, engines, CMS/TS/OCSP/CT/CMP, SRP/PSK, DTLS and deprecated APIs
# are left out: about a quarter fewer objects to compile on a cold cache. Changing this list
# changes the cache key (openssl_lean), so cached builds made the old way are not reused.
openssl_lean=(
  no-shared no-tests no-module no-legacy no-engine no-dso no-comp no-deprecated
  no-ui-console no-ocsp no-cms no-ts no-ct no-cmp no-rfc3779 no-srp no-psk no-dtls no-sctp
  no-srtp no-nextprotoneg no-weak-ssl-ciphers no-idea no-mdc2 no-md4 no-rc2 no-rc4 no-rc5
  no-seed no-sm2 no-sm3 no-sm4 no-whirlpool no-camellia no-aria no-bf no-cast no-gost
  no-siphash no-ec2m no-scrypt no-ocb no-siv no-dsa no-rmd160
)
openssl_options="${openssl_lean[*]}" # exported as a string: the recipe runs in a fresh bash
openssl_key=$(echo "$openssl_options" | sha256sum | cut -c1-8)
build_openssl() {
  local src=$1 out=$2
  cd "$src"
  # no-docs and no-apps exist from OpenSSL 3.2 on; with 3.0 (bookworm) they are refused, and
  # `make build_libs` + `make install_dev` already build no apps and install no docs.
  local lean option
  read -ra lean <<<"$openssl_options"
  for option in docs apps; do
    if grep -q "^ *\"$option\",\$" Configure; then
      lean+=("no-$option")
    fi
  done
  CC=$cc AR=$triplet-ar RANLIB=$triplet-ranlib RC=$triplet-windres \
    ./Configure mingw64 --prefix="$out" --libdir=lib --openssldir="$out/ssl" "${lean[@]}"
  make -j"$jobs" build_libs
  make install_dev
}

# --- SQLite: the amalgamation generated from Debian's source tree, compiled as a static lib ---
build_sqlite() {
  local src=$1 out=$2
  mkdir -p "$src/host-build"
  cd "$src/host-build"
  ../configure --disable-tcl --disable-readline
  make -j"$jobs" sqlite3.c sqlite3.h
  # The same compile-time options as Debian's libsqlite3 where they matter to SQLiteCpp.
  $cc -O2 -DNDEBUG -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_COLUMN_METADATA \
    -DSQLITE_OMIT_LOAD_EXTENSION -c sqlite3.c -o sqlite3.o
  mkdir -p "$out/include" "$out/lib"
  $triplet-ar rcs "$out/lib/libsqlite3.a" sqlite3.o
  cp sqlite3.h "$src/src/sqlite3ext.h" "$out/include/"
}

# --- SQLiteCpp, with CMake and our toolchain, against the SQLite above -------------------------
build_sqlitecpp() {
  local src=$1 out=$2
  cmake -S "$src" -B "$src/mingw-build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DPRINTRELAY_MINGW_PREFIXES="$sqlite_prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$out" -DSQLITECPP_INTERNAL_SQLITE=OFF \
    -DSQLITECPP_BUILD_TESTS=OFF -DSQLITECPP_BUILD_EXAMPLES=OFF -DSQLITECPP_RUN_CPPLINT=OFF \
    -DSQLITECPP_RUN_CPPCHECK=OFF -DSQLITECPP_USE_STACK_PROTECTION=OFF \
    -DSQLITE_OMIT_LOAD_EXTENSION=ON # as the SQLite above: no loadable extensions
  cmake --build "$src/mingw-build" -j"$jobs"
  cmake --install "$src/mingw-build"
}

# --- cpp-httplib: the source package carries the full single header --------------------------
build_httplib() {
  local src=$1 out=$2
  mkdir -p "$out/include"
  cp "$src/httplib.h" "$out/include/"
}

# --- GoogleTest from /usr/src/googletest (package googletest) ----------------------------------
build_googletest() {
  local src=$1 out=$2
  # GoogleTest only: no test of the Windows build uses GoogleMock.
  cmake -S "$src" -B "$work/googletest-build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$out" -DBUILD_GMOCK=OFF
  cmake --build "$work/googletest-build" -j"$jobs"
  cmake --install "$work/googletest-build"
}

export -f say build_openssl build_sqlite build_sqlitecpp build_httplib build_googletest
export cc cxx triplet jobs work toolchain openssl_options

start=$(date +%s)
build_from_source openssl openssl build_openssl "-lean$openssl_key"
build_from_source sqlite3 sqlite3 build_sqlite
sqlite_version=$chosen
export sqlite_prefix=${prefixes[-1]}
build_from_source sqlitecpp sqlitecpp build_sqlitecpp "-sqlite$sqlite_version-noext"
build_from_source cpp-httplib cpp-httplib build_httplib

gtest_dest="$cache/googletest-$(dpkg-query -W -f='${Version}' googletest)-nogmock-r$recipe-$compiler_key"
if [[ ! -f "$gtest_dest/.complete" ]]; then
  say "building googletest (once; cached in $gtest_dest)"
  run_recipe googletest build_googletest /usr/src/googletest "$gtest_dest"
fi
prefixes+=("$gtest_dest")

(
  IFS=';'
  echo "${prefixes[*]}"
) >"$cache/prefixes.tmp"
mv "$cache/prefixes.tmp" "$cache/prefixes"

if ((${#built[@]} > 0)); then
  say "built ${built[*]} in $(($(date +%s) - start)) s; cache: $cache"
else
  say "all ${#prefixes[@]} dependencies cached ($cache)"
fi
