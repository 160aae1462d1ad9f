#!/usr/bin/env bash
# Builds the Debian package of ciamd (CPack DEB, settings in cmake/packaging.cmake) and prints its
# path: build-release-all/packages/ciamd_<VERSION>-1_<arch>.deb. docs/deployment.md says what it
# installs and how to set it up.
#
# It reuses the Release tree scripts/test.sh builds (build-release-all, or
# CIAMD_PACKAGE_BUILD_DIR), configured the same way, so in the test command the binary is already
# compiled, and builds only the `ciamd` target in it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
build_dir=${CIAMD_PACKAGE_BUILD_DIR:-build-release-all}
# The flags of scripts/test.sh's Release tree, so neither script undoes the other's configuration,
# plus the package's system files. CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack installs without first
# building every target of the tree (the tests), only what the package holds.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCIAMD_BUILD_TESTS=ON -DCIAMD_WERROR=ON \
  -DCIAMD_INSTALL_SYSTEM_FILES=ON -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target ciamd >&2  # stdout: only the path, for scripts

rm -f "$build_dir"/packages/ciamd_*.deb
(cd "$build_dir" && cpack -G DEB >cpack.log 2>&1) || {
  cat "$build_dir/cpack.log" >&2
  exit 1
}
deb=$(ls "$build_dir"/packages/ciamd_*.deb)
echo "$deb"
