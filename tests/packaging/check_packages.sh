#!/usr/bin/env bash
# Builds the .deb packages with CPack from a finished build tree, inspects their contents and
# maintainer scripts, runs lintian (any error fails), and verifies the shipped systemd units with
# systemd-analyze against the packaged binaries.
#   check_packages.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }

for pkg in printrelay-agent printrelay-cloud; do
  deb=$(ls "$work/out/$pkg"_*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] || fail "no $pkg package was built"
  echo "== $pkg: $(basename "$deb")"
  dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
  dpkg-deb --contents "$deb" | awk '{print $6}' >"$work/$pkg.files"
  cat "$work/$pkg.files"
  short=${pkg#printrelay-}
  for expected in "./usr/bin/$pkg" "./lib/systemd/system/$pkg.service" \
      "./usr/lib/sysusers.d/$pkg.conf" "./usr/lib/tmpfiles.d/$pkg.conf" \
      "./etc/printrelay/$short.conf" "./usr/share/doc/$pkg/copyright" \
      "./usr/share/doc/$pkg/changelog.gz"; do
    grep -qxF "$expected" "$work/$pkg.files" || fail "$pkg lacks $expected"
  done
  dpkg-deb --ctrl-tarfile "$deb" | tar -t >"$work/$pkg.control"
  for script in postinst prerm postrm conffiles; do
    grep -q "$script" "$work/$pkg.control" || fail "$pkg lacks its $script"
  done
  mkdir -p "$work/root-$pkg"
  dpkg-deb -x "$deb" "$work/root-$pkg"
  [ -x "$work/root-$pkg/usr/bin/$pkg" ] || fail "$pkg binary is not executable"
  "$work/root-$pkg/usr/bin/$pkg" --help >/dev/null || fail "$pkg --help failed"

  echo "== lintian $pkg"
  lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian reports errors for $pkg"

  echo "== systemd-analyze verify $pkg.service"
  unit="$work/$pkg.service"
  sed "s|/usr/bin/$pkg|$work/root-$pkg/usr/bin/$pkg|" \
    "$work/root-$pkg/lib/systemd/system/$pkg.service" >"$unit"
  (cd "$work" && systemd-analyze verify --man=no "$unit") || fail "$pkg.service does not verify"
done
echo "packages OK"
