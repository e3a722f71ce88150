#!/usr/bin/env bash
# The full test suite: static checks, unit tests, then integration tests on a real Docker engine
# (installed and started when missing; local images built once and reused), then a smoke test of the
# packed package. Used by `npm test` and by .ci/run. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
mkdir -p .stack
results=.stack/test-results
rm -rf "$results" && mkdir -p "$results"

npm run --silent check
status=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=$?
bash scripts/provision-docker.sh
bash scripts/build-images.sh
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$results/integration.json" || status=$?
smoke=0
bash scripts/smoke-pack.sh || smoke=1

node --input-type=module -e "
import { readFileSync, existsSync } from 'node:fs';
let passed = 0, failed = 0, skipped = 0;
for (const f of ['unit', 'integration']) {
  const p = '$results/' + f + '.json';
  if (!existsSync(p)) { failed++; continue; }
  const r = JSON.parse(readFileSync(p, 'utf8'));
  passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
}
$smoke ? failed++ : passed++;
console.log(passed + ' passed, ' + failed + ' failed' + (skipped ? ', ' + skipped + ' skipped' : ''));
"
[ "$status" = 0 ] && [ "$smoke" = 0 ]
