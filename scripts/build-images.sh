#!/usr/bin/env bash
# Build the local images the tests and `scripts/dev-up.sh` use, without any container registry:
#   local/debian:bookworm          debootstrap of Debian bookworm (minbase), imported
#   local/stack-base:1             + redis-server, postgresql, prometheus, nodejs from Debian's archive
#   local/stack-redis:1 …          thin images that behave like the official ones (same ports, same env)
#   local/stack-qdrant-standin:1   STAND-IN for Qdrant (not obtainable here): serves its HTTP endpoints
#   local/stack-grafana-standin:1  STAND-IN for Grafana (not obtainable here): serves /api/health
#   local/stack-rag-server:1       the real example RAG server (compose/rag-server)
# Each image is built only when missing (or when its inputs changed), so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[images] %s\n' "$*" >&2; }

have() { docker image inspect "$1" >/dev/null 2>&1; }

# Label every image with a hash of its build inputs so a changed Dockerfile rebuilds it.
inputs_hash() { (cd "$1" && find . -type f | sort | xargs sha256sum) | sha256sum | cut -c1-16; }
up_to_date() { [ "$(docker image inspect -f '{{index .Config.Labels "stack.inputs"}}' "$1" 2>/dev/null)" = "$2" ]; }

if ! have local/debian:bookworm; then
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  rootfs=$(mktemp -d /tmp/stack-rootfs.XXXXXX)
  log "debootstrap bookworm into $rootfs (about 40 s)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" http://deb.debian.org/debian >/tmp/stack-debootstrap.log 2>&1 \
    || { log "debootstrap failed; see /tmp/stack-debootstrap.log"; exit 1; }
  tar -C "$rootfs" -c . | docker import - local/debian:bookworm >/dev/null
  rm -rf "$rootfs"
fi

build() { # build TAG DIR [extra docker build args]
  local tag=$1 dir=$2; shift 2
  local h; h=$(inputs_hash "$dir")
  if up_to_date "$tag" "$h"; then return 0; fi
  log "building $tag"
  docker build --network host --label "stack.inputs=$h" -t "$tag" "$@" "$dir" >/tmp/stack-build-"${tag//[:\/]/_}".log 2>&1 \
    || { log "build of $tag failed; see /tmp/stack-build-${tag//[:\/]/_}.log"; exit 1; }
}

build local/stack-base:1 images/base
build local/stack-redis:1 images/redis &
build local/stack-postgres:1 images/postgres &
build local/stack-prometheus:1 images/prometheus &
build local/stack-qdrant-standin:1 images/qdrant-standin &
build local/stack-grafana-standin:1 images/grafana-standin &
build local/stack-rag-server:1 compose/rag-server -f compose/rag-server/Dockerfile.local &
wait
for t in redis postgres prometheus qdrant-standin grafana-standin rag-server; do
  have "local/stack-$t:1" || { log "local/stack-$t:1 is missing after the build"; exit 1; }
done
log "images ready"
