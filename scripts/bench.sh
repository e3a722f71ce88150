#!/usr/bin/env bash
# npm run bench [-- --quick]: provisions what the benchmark needs (engine, images, the CLI), then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/provision-docker.sh
bash scripts/build-images.sh
bash scripts/build-bench-image.sh
bash scripts/provision-browser.sh >/dev/null
npm run --silent build
exec npx tsx bench/run.ts "$@"
