#!/bin/sh
# Runs every compiled node:test file under dist/ (unit tests beside each folder, then the
# integration tests). TEST=<substring> narrows the set, e.g. `make test TEST=ttrpc`.
set -eu
cd "$(dirname "$0")/.."
filter=${TEST:-}
files=$(find dist -path '*/test/*.test.js' -not -path '*/node_modules/*' | sort | grep -F -- "$filter" || true)
if [ -z "$files" ]; then
  echo "run-tests: no test files match '${filter}'" >&2
  exit 1
fi
# shellcheck disable=SC2086
# A hung test must fail, not eat CI's budget: every test gets TEST_TIMEOUT_MS (a guard against
# hangs, not a performance assertion), and the runner exits even if a test leaks a handle.
exec node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-600000}" \
  --test-force-exit --test-reporter=spec $files
