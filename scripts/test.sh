#!/usr/bin/env bash
# The whole test suite from a clean clone: installs what it needs, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# The npm tools the tests run, each at the versions its package-lock.json pins: tests/jose (the
# jose library, an independent id_token verifier) and tests/openapi-lint (@redocly/cli, the
# linter of docs/openapi.yaml). npm ci wipes and reinstalls, so it runs only when no install has
# completed yet (npm writes node_modules/.package-lock.json last) or the lock file has changed
# since: repeated runs stay fast and need no network.
for npm_dir in tests/jose tests/openapi-lint; do
  npm_stamp=$npm_dir/node_modules/.package-lock.json
  if [ ! -f "$npm_stamp" ] || [ $npm_dir/package-lock.json -nt "$npm_stamp" ]; then
    npm ci --prefix $npm_dir --no-audit --no-fund
  fi
done

# ccache keys on paths relative to the checkout, so a second clone on the same machine reuses the
# first one's objects.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

# Warnings are errors here (CIAMD_WERROR), in both trees; a user's own build only prints them.
build_dir=${CIAMD_TEST_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCIAMD_BUILD_TESTS=ON -DCIAMD_WERROR=ON \
  >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

# ctest runs every integration test twice, on SQLite and on PostgreSQL; the PostgreSQL run uses a
# throwaway cluster in $build_dir/pg-cluster that ctest's `postgres` fixture starts and stops. A run
# interrupted before the fixture's cleanup would leave that server running, so stop it on any exit
# (start also stops a leftover one first).
pg_cluster_dir="$(cd "$build_dir" && pwd)/pg-cluster"
pg_cluster="$PWD/scripts/pg-cluster.sh"
trap '"$pg_cluster" stop "$pg_cluster_dir" || true' EXIT
ctest_log="$(cd "$build_dir" && pwd)/ctest.log"
(cd "$build_dir" && ctest --output-on-failure --no-tests=error -j"$(nproc)") | tee "$ctest_log"

# Every target, the tests included, compiled once more in Release: the optimizer sees through
# inlined code and finds warnings a Debug build never shows, and a user who builds Release must not
# meet them first. Only compiled, not run. It comes after ctest, not before or alongside: test
# failures are reported first, and the tests, many of which wait on timers and deadlines, do not
# compete with the compiler for the cores. With ccache, most of it is cache hits after the first
# run. It has its own directory: build-release is the demo's and the benchmark's, without tests.
release_dir=${CIAMD_TEST_RELEASE_BUILD_DIR:-build-release-all}
cmake -S . -B "$release_dir" -DCMAKE_BUILD_TYPE=Release -DCIAMD_BUILD_TESTS=ON -DCIAMD_WERROR=ON \
  >/dev/null
cmake --build "$release_dir" -j"$(nproc)"

# The Debian package, built from the Release tree above (nothing is compiled again),
# installed on this machine, run as its systemd unit would run it, and purged
# (scripts/test-package.sh; it leaves the machine as it was, and refuses to run where ciamd is
# installed for real). Bounded: a hung step cannot hold the test command forever.
# CIAMD_TEST_PACKAGE=0 skips it, say on a machine where the test may not install packages.
if [ "${CIAMD_TEST_PACKAGE:-1}" != 0 ]; then
  CIAMD_PACKAGE_BUILD_DIR="$release_dir" timeout --kill-after=30 600 bash scripts/test-package.sh
fi

# The unit test binaries once more, built with ASan + UBSan (scripts/sanitize.sh, docs/fuzzing.md):
# any report fails the run. Not the integration tests: under the sanitizers they take too long on
# two cores (scripts/sanitize.sh without --unit runs them). After the Release build, so that what
# the plain builds find is reported first.
bash scripts/sanitize.sh --unit

# Every fuzzing harness (fuzz/) for a short while from its seed corpus: a crash fails the run, and
# the summary line gives each harness's run count. Long runs are for a quiet machine
# (docs/fuzzing.md). CIAMD_TEST_FUZZ_SECONDS=0 skips this step.
fuzz_seconds=${CIAMD_TEST_FUZZ_SECONDS:-12}
if [ "$fuzz_seconds" -gt 0 ]; then
  bash scripts/fuzz.sh "$fuzz_seconds"
fi

# The last line counts the tests as one line, after the steps that print more once ctest is done.
# ctest's own summary gives the total and the failures; the tests it skipped (the PostgreSQL-only
# suites' SQLite variants) are listed one a line as "(Skipped)".
total=$(grep -oE 'tests failed out of [0-9]+' "$ctest_log" | grep -oE '[0-9]+$')
failed=$(grep -oE '[0-9]+ tests failed out of' "$ctest_log" | grep -oE '^[0-9]+')
skipped=$(grep -cE '\(Skipped\)$' "$ctest_log" || true)
echo "ctest: $((total - failed - skipped)) passed, ${failed} failed, ${skipped} skipped"
