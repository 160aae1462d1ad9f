#!/usr/bin/env bash
# Installs every Debian 12 package ciamd needs to build, test and run. Idempotent: packages that are
# already present are left alone, so a second run costs one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git ca-certificates openssl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev
  libcurl4-openssl-dev
  curl jq
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js and npm run tests/jose, the id_token verifier built on a JOSE library that is not ours.
# Checked by command, not by package: a node from elsewhere (NodeSource, nvm) serves as well, and
# Debian's npm package conflicts with NodeSource's nodejs, which bundles its own npm.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Boost 1.81 conflicts with the default 1.74 headers; apt resolves that by removing 1.74.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
