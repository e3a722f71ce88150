#!/usr/bin/env bash
# Packs the package, installs the tarball in an empty directory and runs the installed `stack` binary with
# the given Node (default: the one on PATH): proves the bin, the exports map and the runtime dependencies work
# outside this checkout, on that Node.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=${1:-node}
# In this checkout, what the README and the VS Code tasks run: `npx stack` (the build makes the bin executable).
npx --no-install stack --version >/dev/null 2>&1 ||
  { echo "npx stack does not run in this checkout: is dist/cli/main.js executable? (npm run build makes it so)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/stack-pack.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -1)
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "./$tarball"
stack() { "$NODE" ./node_modules/.bin/stack "$@"; }
stack --help | grep -q 'up \[options\] \[services...\]'
stack --version
cp -r "$OLDPWD/test/fixtures/valid" ./valid
stack -f valid/stack.yaml plan --json | grep -q '"waves":\[\["cache","db"\],\["api"\],\["worker"\]\]'
"$NODE" --input-type=module -e "import { planWaves, loadStack } from '@fmoua/stack'; const { spec } = loadStack('valid/stack.yaml', { env: { DB_PASSWORD: 'x' } }); if (planWaves(spec.services).length !== 3) process.exit(1);"
echo "smoke test of the packed package ($tarball) on Node $("$NODE" --version): ok"
