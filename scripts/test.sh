#!/usr/bin/env bash
# The project's one test command (npm test, .ci/run): install what is missing, type-check, then run
# every unit and end-to-end test. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
# node_modules/.bin holds Node 24 (the `node` package); the system node may be older.
export PATH="$PWD/node_modules/.bin:$PATH"
# Brokers started by the tests log at info by default; warnings and errors are what a CI log needs.
export SAMSA_LOG_LEVEL="${SAMSA_LOG_LEVEL:-warn}"

echo "== tsc -p tsconfig.json"
tsc -p tsconfig.json
echo "== tsc -p src/console/web/tsconfig.json"
tsc -p src/console/web/tsconfig.json

# The console's browser tests open the built web app (dist/console), which `samsa console` serves.
echo "== vite build src/console/web"
vite build --logLevel warn src/console/web

echo "== node --test"
tap_file="$(mktemp -t samsa-test-XXXXXX.tap)"
trap 'rm -f "$tap_file"' EXIT
rc=0
# --test-timeout fails a hung test instead of hanging CI; --test-force-exit stops a test file whose
# leftover handles (a socket, a child process) would otherwise keep it alive after its tests end, and
# force-exit-drain.ts keeps that exit from losing the file's last results (nodejs/node#64833).
node --import ./test/helpers/force-exit-drain.ts --test \
  --test-concurrency="${TEST_CONCURRENCY:-2}" \
  --test-timeout="${TEST_TIMEOUT_MS:-180000}" \
  --test-force-exit \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap_file" \
  'src/**/*.test.ts' 'tools/**/*.test.ts' 'test/**/*.test.ts' || rc=$?

echo "== summary"
grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$tap_file" || true
exit "$rc"
