#!/usr/bin/env bash
# Lints docs/openapi.yaml with Redocly's recommended ruleset (redocly.yaml here), with the
# @redocly/cli version package-lock.json pins; scripts/test.sh installs it (npm ci). Fails on any
# error and on any warning: the description has none, and a new one must be fixed, not tolerated.
# CTest runs it as `openapi_lint`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
redocly="$here/node_modules/.bin/redocly"
if [ ! -x "$redocly" ]; then
  # Never a pass or a skip without the linter: say how to install it.
  echo "openapi-lint: $here/node_modules is not installed; run scripts/test.sh" \
       "(it runs \`npm ci --prefix tests/openapi-lint\`)" >&2
  exit 1
fi
# No telemetry or update check: the tests run offline.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
report="$("$redocly" lint "$root/docs/openapi.yaml" --config "$here/redocly.yaml" \
           --format stylish 2>&1)"
status=$?
printf '%s\n' "$report"
if [ "$status" -ne 0 ]; then
  echo "openapi-lint: docs/openapi.yaml has errors (above)" >&2
  exit 1
fi
if grep -Eq '^ +[0-9]+:[0-9]+ +warning ' <<<"$report"; then
  echo "openapi-lint: docs/openapi.yaml has warnings (above); fix them" >&2
  exit 1
fi
