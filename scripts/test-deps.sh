#!/usr/bin/env bash
# Installs what PrintRelay needs to build and run its tests, from Debian 12 packages.
# Idempotent: packages already installed are skipped, and apt-get runs only if one is missing.
# Runs as root, or through sudo when not root.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang-format ccache
  libcpp-httplib-dev libcups2-dev libssl-dev libsqlitecpp-dev libsqlite3-dev
  nlohmann-json3-dev libpoco-dev libgtest-dev libgmock-dev libsystemd-dev libargon2-dev libqpdf-dev
  # PDF receipts (libharu)
  libhpdf-dev
  # the cloud's event-driven HTTP core (Boost.Beast, Boost.Asio); wrk for its bench
  libboost1.81-dev wrk
  # tests with real parts: a private cupsd (cups-daemon), lp/lpadmin/lpstat (cups-client),
  # CUPS's socket:// backend (shipped in package cups), openssl, qpdf
  cups-daemon cups-client cups openssl qpdf
  # pdftotext reads the cloud's PDF receipts back in its tests
  poppler-utils
  # a real SMTP server for the cloud's mail tests (python3 -m aiosmtpd)
  python3-aiosmtpd
  # the short libFuzzer runs (scripts/fuzz.sh): clang with libFuzzer, lld
  clang lld
  # the package checks: dpkg-deb, lintian, systemd-analyze, the bash completion's helpers
  dpkg-dev lintian systemd bash-completion
)

source "$(dirname "$0")/apt-packages.sh"
mapfile -t missing < <(missing_packages "${packages[@]}")
if ((${#missing[@]} > 0)); then
  install_packages test-deps "${missing[@]}"
else
  echo "test-deps: all ${#packages[@]} packages present"
fi

# The cups package links its backends into place from backend-available/ when it is
# configured; the cupsd tests need socket:// among them.
if [[ ! -x /usr/lib/cups/backend/socket ]]; then
  echo "test-deps: /usr/lib/cups/backend/socket is missing (is package cups configured?)" >&2
  exit 1
fi
