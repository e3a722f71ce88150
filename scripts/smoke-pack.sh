#!/usr/bin/env bash
# Packs the package, installs the tarball in an empty directory and runs the installed `stack` binary:
# proves the bin, the exports map and the runtime dependencies work outside this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/stack-pack.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -1)
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "./$tarball"
./node_modules/.bin/stack --help | grep -q 'stack up\|up \[options\] \[services...\]'
./node_modules/.bin/stack --version
cp -r "$OLDPWD/test/fixtures/valid" ./valid
./node_modules/.bin/stack -f valid/stack.yaml plan --json | grep -q '"waves":\[\["cache","db"\],\["api"\],\["worker"\]\]'
node --input-type=module -e "import { planWaves, loadStack } from '@fmoua/stack'; const { spec } = loadStack('valid/stack.yaml', { env: { DB_PASSWORD: 'x' } }); if (planWaves(spec.services).length !== 3) process.exit(1);"
echo "smoke test of the packed package ($tarball): ok"
