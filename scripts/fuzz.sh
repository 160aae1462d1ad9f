#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, docs/fuzzing.md) with clang in a tree of their own and
# runs each for a bounded time, starting from its seed corpus. Fails if any harness crashes.
#
#   bash scripts/fuzz.sh                   # every harness, 20 s each
#   bash scripts/fuzz.sh 600 jws config    # those two, 10 minutes each
#
# Each run works on a temporary copy of fuzz/corpus/<harness>/, so the inputs a run finds do not
# litter the checkout; CIAMD_FUZZ_KEEP_CORPUS=1 keeps the copies (their paths are printed) for a
# long run whose findings are worth merging back (docs/fuzzing.md). A crashing input is saved as
# <build>/fuzz-artifacts/<harness>-crash-<sha1>, and the harness's log is printed.
#
# CIAMD_FUZZ_BUILD_DIR chooses the tree (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [seconds-per-harness] [harness...]" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

build_dir=${CIAMD_FUZZ_BUILD_DIR:-build-fuzz}
# Debug keeps the assertions; -O1 makes the runs several times faster than -O0 does. Warnings do
# not stop this build: the GCC builds of scripts/test.sh are the warning gate, and clang's own set
# of warnings (shown here) must not keep the harnesses from running.
cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DCIAMD_BUILD_FUZZERS=ON -DCIAMD_BUILD_TESTS=OFF \
  -DCIAMD_BUILD_BENCH=OFF -DCIAMD_WERROR=OFF >/dev/null

if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  mapfile -t harnesses <"$build_dir/fuzzers.txt"
fi
cmake --build "$build_dir" -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"

artifacts="$(cd "$build_dir" && pwd)/fuzz-artifacts"
logs="$(cd "$build_dir" && pwd)/fuzz-logs"
mkdir -p "$artifacts" "$logs"
work=$(mktemp -d)
if [ "${CIAMD_FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
  echo "fuzz: corpora kept in $work"
else
  trap 'rm -rf "$work"' EXIT
fi

# UBSan stops at its first report, like ASan, so libFuzzer sees it as a crash.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
summary=()
failed=()
total=0
for h in "${harnesses[@]}"; do
  corpus="$work/$h"
  mkdir -p "$corpus"
  if [ -d "fuzz/corpus/$h" ]; then cp -R "fuzz/corpus/$h/." "$corpus/"; fi
  log="$logs/$h.log"
  # -max_len: a whole request with an 8 KiB header fits; -timeout: a run slower than 10 s is a
  # hang; -rss_limit_mb: a run that needs more memory than this is a finding as well.
  status=0
  "$build_dir/bin/fuzz_$h" "$corpus" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$h-" >"$log" 2>&1 ||
    status=$?
  runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  if [ "$status" -ne 0 ] || [ -z "$runs" ]; then
    echo "=== fuzz_$h failed (exit $status); the end of $log:"
    tail -n 60 "$log"
    failed+=("$h")
    summary+=("$h=FAILED")
  else
    echo "fuzz_$h: $runs runs in ${seconds} s"
    summary+=("$h=$runs")
    total=$((total + runs))
  fi
done

echo "fuzz summary (${seconds} s each): ${summary[*]}; total $total runs"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} harness(es) failed: ${failed[*]}; inputs in $artifacts" >&2
  exit 1
fi
