#!/usr/bin/env bash
# The full test suite: static checks, unit tests, then integration tests on a real Docker engine (installed
# and started when missing; local images built once and reused), then a smoke test of the packed package;
# the unit tests and the smoke test run again on the current Node LTS (24, the npm `node` package). Fails if
# a test left anything in the checkout. Used by `npm test` and by .ci/run. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
results=$(mktemp -d /tmp/stack-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT
# What git sees in the checkout before (ignored files too), to catch a test writing into it.
untracked() { git status --porcelain --ignored --untracked-files=all 2>/dev/null | grep -v -e ' node_modules/' -e ' dist/' | sort; }
before=$(untracked)

npm run --silent check
status=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=$?
echo "[test] unit tests on Node 24 (the current LTS)"
node24=$(npx -y node@24 -p process.execPath)
"$node24" node_modules/vitest/vitest.mjs run --project unit --reporter=dot --reporter=json --outputFile.json="$results/unit-node24.json" || status=$?
bash scripts/provision-docker.sh
bash scripts/build-images.sh
bash scripts/provision-browser.sh >/dev/null   # Chromium from Debian's archive, for the dashboard's browser tests
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$results/integration.json" || status=$?
smoke=0
bash scripts/smoke-pack.sh node || smoke=$((smoke + 1))
bash scripts/smoke-pack.sh "$node24" || smoke=$((smoke + 1))
leftovers=$(comm -13 <(echo "$before") <(untracked))
if [ -n "$leftovers" ]; then
  echo "[test] the tests left files in the checkout (they must use a temp dir):"
  echo "$leftovers"
  status=1
fi

node --input-type=module -e "
import { readFileSync, existsSync } from 'node:fs';
let passed = 0, failed = 0, skipped = 0;
for (const f of ['unit', 'unit-node24', 'integration']) {
  const p = '$results/' + f + '.json';
  if (!existsSync(p)) { failed++; continue; }
  const r = JSON.parse(readFileSync(p, 'utf8'));
  passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
}
passed += 2 - $smoke; failed += $smoke;
console.log(passed + ' passed, ' + failed + ' failed' + (skipped ? ', ' + skipped + ' skipped' : ''));
"
[ "$status" = 0 ] && [ "$smoke" = 0 ]
