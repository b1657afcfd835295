#!/bin/sh
# The arrows between the source folders point one way: the domain (cloud/orders, accounts, mail,
# storage) never includes the HTTP edge (cloud/routes, cloud/server), common/ includes neither
# the cloud nor the agent, and the HTTP core (cloud/http) includes only common/. Prints every include that points the wrong way; fails when there is one.
set -eu
root=${1:-$(dirname "$0")/../..}
cd "$root"
found=0
check() {
  # $1: folders to search, $2: the include pattern they must not use
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]($2)" $1 2>/dev/null || true)
  if [ -n "$hits" ]; then
    echo "$hits"
    found=1
  fi
}
check "cloud/orders cloud/accounts cloud/mail cloud/storage" "cloud/routes/|cloud/server/"
check "common" "cloud/|agent/"
check "cloud/http" "cloud/(accounts|cli|config|mail|orders|routes|server|storage)/|agent/"
if [ "$found" -ne 0 ]; then
  echo "layout: the includes above point from a lower layer to a higher one" >&2
  exit 1
fi
echo "layout: every include points the right way"
