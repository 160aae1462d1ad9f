#!/usr/bin/env bash
# Installs every Debian 12 package ciamd needs to build, test and run. Idempotent: packages that are
# already present are left alone, so a second run costs one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git ca-certificates openssl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3
  libpq-dev postgresql
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev
  curl jq wrk
  # scripts/test-package.sh: dpkg-shlibdeps (dpkg-dev) computes the package's Depends, and
  # systemd-analyze checks its unit. Every Debian 12 machine has systemd; containers may not.
  dpkg-dev systemd
  # scripts/fuzz.sh: clang, and the sanitizer and libFuzzer runtimes, which clang only recommends
  # (this script installs without recommends).
  clang libclang-rt-14-dev
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

# The tests start a throwaway cluster of their own (scripts/pg-cluster.sh); the server package must
# not create and start the default "main" cluster, a service that would run on every boot.
# postgresql-common skips it when createcluster.conf says create_main_cluster = false
# (createcluster.conf(5)). Written before the install, so only when postgresql is missing: an
# existing installation and its clusters are left as they are.
if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  cc_conf=/etc/postgresql-common/createcluster.conf
  $SUDO mkdir -p "$(dirname "$cc_conf")"
  if [ -f "$cc_conf" ] && grep -Eq '^[#[:space:]]*create_main_cluster[[:space:]]*=' "$cc_conf"; then
    $SUDO sed -i -E 's/^[#[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
      "$cc_conf"
  else
    echo "create_main_cluster = false" | $SUDO tee -a "$cc_conf" >/dev/null
  fi
fi

$SUDO apt-get update -qq
# Boost 1.81 conflicts with the default 1.74 headers; apt resolves that by removing 1.74.
# Keeping our createcluster.conf: dpkg's --force-confold covers conffiles, but postgresql-common
# installs that file through ucf, which reads UCF_FORCE_CONFFOLD instead. env passes the variables
# through sudo, which would otherwise drop them.
$SUDO env DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 \
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}"
