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
  case $pkg in
    printrelay-agent)
      extra=("./usr/bin/printrelayctl" "./usr/share/man/man8/printrelay-agent.8.gz"
        "./usr/share/man/man8/printrelayctl.8.gz"
        "./usr/share/bash-completion/completions/printrelayctl") ;;
    printrelay-cloud)
      extra=("./usr/bin/printrelay" "./usr/share/man/man8/printrelay-cloud.8.gz"
        "./usr/share/man/man1/printrelay.1.gz"
        "./usr/share/bash-completion/completions/printrelay") ;;
  esac
  for expected in "${extra[@]}"; do
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
  # The packaged pages are the generated ones: they list the configuration keys and variables.
  case $pkg in
    printrelay-agent) manpage=man8/printrelay-agent.8.gz; needle=PRINTRELAY_ENROLL_CODE ;;
    printrelay-cloud) manpage=man8/printrelay-cloud.8.gz; needle=PRINTRELAY_CLOUD_MAX_UPLOAD_BYTES ;;
  esac
  zcat "$work/root-$pkg/usr/share/man/$manpage" | grep -q "$needle" ||
    fail "$pkg's $manpage does not list $needle"

  echo "== lintian $pkg"
  lintian --fail-on error --tag-display-limit 0 "$deb" | tee "$work/$pkg.lintian" ||
    fail "lintian reports errors for $pkg"
  # Every program has its man page, and the pages are well-formed.
  if grep -E "no-manual-page|groff-message|manpage-has" "$work/$pkg.lintian"; then
    fail "lintian finds a missing or broken man page in $pkg"
  fi
  if [ "$pkg" = printrelay-agent ]; then
    bash -n "$work/root-$pkg/usr/share/bash-completion/completions/printrelayctl" ||
      fail "the bash completion does not parse"
    completes() { # completes "WORDS..." EXPECTED: the completion offers EXPECTED for WORDS
      local got
      got=$(bash -c 'source /usr/share/bash-completion/bash_completion
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _printrelayctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
        "$work/root-$pkg/usr/share/bash-completion/completions/printrelayctl" $1)
      grep -qxF -- "$2" <<<"$got" || fail "completing '$1' does not offer $2 (got: $got)"
    }
    completes "printrelayctl jo" jobs
    completes "printrelayctl --json dia" diagnose
    completes "printrelayctl jobs --state fa" failed
    completes "printrelayctl key r" rotate
  fi

  echo "== systemd-analyze verify $pkg.service"
  unit="$work/$pkg.service"
  sed "s|/usr/bin/$pkg|$work/root-$pkg/usr/bin/$pkg|" \
    "$work/root-$pkg/lib/systemd/system/$pkg.service" >"$unit"
  (cd "$work" && systemd-analyze verify --man=no "$unit") || fail "$pkg.service does not verify"
done
echo "packages OK"
