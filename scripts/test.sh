#!/usr/bin/env bash
# The whole test suite from a clean clone: installs what it needs, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# ccache keys on paths relative to the checkout, so a second clone on the same machine reuses the
# first one's objects.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

build_dir=${CIAMD_TEST_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCIAMD_BUILD_TESTS=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
cd "$build_dir"
ctest --output-on-failure --no-tests=error -j"$(nproc)"
