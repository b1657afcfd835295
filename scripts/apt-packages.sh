# Sourced by test-deps.sh and windows-deps.sh: which Debian packages are missing, and installing
# them (as root, or through sudo when not root).

# Prints, one a line, the packages given that are not installed.
missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || echo "$pkg"
  done
}

# install_packages TAG PACKAGE...: apt-get update, then installs the packages without their
# Recommends; TAG prefixes what it says. Exits when it is not root and there is no sudo.
install_packages() {
  local tag=$1
  shift
  local as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo)
    else
      echo "$tag: need root (or sudo) to install: $*" >&2
      exit 1
    fi
  fi
  echo "$tag: installing $*" >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@"
}
