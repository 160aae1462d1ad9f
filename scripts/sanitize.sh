#!/usr/bin/env bash
# The test suite built with AddressSanitizer and UndefinedBehaviorSanitizer, in a tree of its own.
#
#   bash scripts/sanitize.sh            # every target, every test (unit and integration, SQLite
#                                       # and PostgreSQL): the server and the simulator the
#                                       # integration tests start are the sanitized binaries
#   bash scripts/sanitize.sh --unit     # the unit test binaries only (what scripts/test.sh runs)
#   bash scripts/sanitize.sh -- -R net  # extra arguments after -- go to ctest
#
# Any sanitizer error ends the process that made it (UBSan included: -fno-sanitize-recover), so the
# test fails. The reports go to files, not stderr: a server the integration tests start writes
# stderr to a file of the test's, and a process whose exit status no test checks (a server stopped
# at the end of a suite) would otherwise fail silently. Every report is printed after ctest, and
# any report fails the run even when every test passed.
#
# CIAMD_SANITIZE_BUILD_DIR chooses the tree (default build-sanitize).
set -euo pipefail
cd "$(dirname "$0")/.."

unit_only=false
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --unit) unit_only=true ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "usage: $0 [--unit] [-- ctest-args...]" >&2; exit 2 ;;
  esac
  shift
done

bash scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

build_dir=${CIAMD_SANITIZE_BUILD_DIR:-build-sanitize}
# Debug, so that nothing is optimized away from under the checks; frame pointers for whole stacks.
san_flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCIAMD_BUILD_TESTS=ON -DCIAMD_BUILD_BENCH=OFF \
  -DCIAMD_WERROR=ON -DCMAKE_CXX_FLAGS="$san_flags" -DCMAKE_EXE_LINKER_FLAGS="$san_flags" \
  >/dev/null

if $unit_only; then
  cmake --build "$build_dir" -j"$(nproc)" --target unit_tests
  # The unit binaries are the ctest name prefixes; the PostgreSQL one needs the cluster fixture,
  # which belongs to the whole run.
  regex="^($(paste -sd'|' "$build_dir/unit-test-binaries.txt"))\\."
  ctest_args=(-R "$regex" -LE postgres "${ctest_args[@]}")
else
  cmake --build "$build_dir" -j"$(nproc)"
  pg_cluster_dir="$(cd "$build_dir" && pwd)/pg-cluster"
  pg_cluster="$PWD/scripts/pg-cluster.sh"
  trap '"$pg_cluster" stop "$pg_cluster_dir" || true' EXIT
fi

# Reports of this run only: ASan and UBSan append the pid to log_path.
report_dir="$(cd "$build_dir" && pwd)/sanitizer-reports"
rm -rf "$report_dir"
mkdir -p "$report_dir"
export ASAN_OPTIONS="log_path=$report_dir/asan:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="log_path=$report_dir/ubsan:print_stacktrace=1:halt_on_error=1"

status=0
(cd "$build_dir" && ctest --output-on-failure --no-tests=error -j"$(nproc)" "${ctest_args[@]}") ||
  status=$?

shopt -s nullglob
reports=("$report_dir"/*)
if [ ${#reports[@]} -gt 0 ]; then
  for r in "${reports[@]}"; do
    echo "=== sanitizer report $r"
    cat "$r"
  done
  echo "sanitize: ${#reports[@]} sanitizer report(s) in $report_dir" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
