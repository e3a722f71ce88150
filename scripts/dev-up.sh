#!/usr/bin/env bash
# One command from a fresh clone to the six-service stack running and healthy, then its status.
# On these machines (Debian, root, no registry) it also installs and starts Docker and builds the images
# locally: Qdrant and Grafana are STAND-INS there. It writes .env (git-ignored) with a random
# POSTGRES_PASSWORD and STACK_COMPOSE_FILES=compose/docker-compose.local.yml (the images it built), so
# that every later `npx stack …` in this checkout uses the same local images.
# With registry access, use the official images instead: npm install && npm run build && npx stack up && npx stack status
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[dev-up] %s\n' "$*" >&2; }

[ -d node_modules ] || { log "installing npm dependencies"; npm install --no-audit --no-fund; }
[ -f dist/cli/main.js ] && [ -z "$(find src -newer dist/cli/main.js -print -quit)" ] || { log "building the CLI"; npm run --silent build; }
bash scripts/provision-docker.sh
bash scripts/build-images.sh

if [ ! -f .env ]; then
  log "writing .env with a random POSTGRES_PASSWORD (git-ignored; see .env.example)"
  sed "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')/" .env.example > .env
fi
# The local images, for this checkout's every `stack` command (stack reads STACK_* settings from .env as compose reads COMPOSE_FILE).
if ! grep -q '^STACK_COMPOSE_FILES=' .env; then
  log "using the locally built images: STACK_COMPOSE_FILES=compose/docker-compose.local.yml in .env"
  printf '\n# Written by scripts/dev-up.sh: the images built by scripts/build-images.sh (no registry here).\nSTACK_COMPOSE_FILES=compose/docker-compose.local.yml\n' >> .env
fi

node dist/cli/main.js up "$@"
node dist/cli/main.js status
