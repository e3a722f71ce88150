#!/usr/bin/env bash
# Make sure a Docker engine answers and that docker-compose (v1) or `docker compose` (v2) exists.
# On a fresh Debian machine (root, no engine) this installs Debian's docker.io + docker-compose and
# starts dockerd in the background. Safe to run again: it does nothing when the engine already answers.
set -euo pipefail

log() { printf '[provision] %s\n' "$*" >&2; }

# iproute2 (`ip`): the engine-restart test gives a second engine a bridge of its own.
if ! command -v ip >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
fi

if docker info >/dev/null 2>&1 && { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; }; then
  log "Docker engine $(docker info --format '{{.ServerVersion}}') is up"
  exit 0
fi

if ! command -v dockerd >/dev/null || ! { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; }; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "No Docker engine and this is not a root Debian machine: install Docker Desktop or docker-ce, then retry."
    exit 3
  fi
  log "installing docker.io, docker-compose and debootstrap from Debian (about a minute)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap iproute2 >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
fi
docker info >/dev/null 2>&1 || { log "dockerd did not answer within 30 s; see /var/log/dockerd.log"; exit 3; }
log "Docker engine $(docker info --format '{{.ServerVersion}}') is up"
