#!/usr/bin/env bash
# A real multi-node Docker Swarm on one machine, and `stack up --target swarm` on it:
#   - a local registry from Debian's docker-registry package (plain HTTP, no auth, a temporary store);
#   - a manager and two workers: Docker-in-Docker containers from Debian's docker.io package (images/dind);
#   - local/stack-tiny:1 pushed to the registry and pulled by the workers;
#   - a stack whose `web` service is constrained to the workers (two replicas) and `api` depends on it:
#     brought up and gated through the manager's API (DOCKER_HOST=tcp://manager:2375), checked, taken down.
# Everything it makes is removed at the end (the registry, the nodes, their network). Needs root, a running
# engine and the local images (bash scripts/build-images.sh). Not part of the test command: about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[multinode] %s\n' "$*" >&2; }
NET=stack-multinode
NODES=(stack-mn-manager stack-mn-worker1 stack-mn-worker2)
WORK=$(mktemp -d /tmp/stack-multinode.XXXXXX)
REGISTRY_PID=

cleanup() {
  log "cleaning up"
  docker rm -f "${NODES[@]}" >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  [ -n "$REGISTRY_PID" ] && kill "$REGISTRY_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start=$(date +%s.%N)
command -v docker-registry >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null; }
docker image inspect local/stack-tiny:1 >/dev/null 2>&1 || bash scripts/build-images.sh
docker image inspect local/stack-dind:1 >/dev/null 2>&1 || docker build --network host -t local/stack-dind:1 images/dind >"$WORK/dind-build.log" 2>&1
[ -f dist/cli/main.js ] || npm run -s build

# The nodes' network; its gateway is this machine as the nodes see it (where the registry listens).
docker network create "$NET" >/dev/null
GATEWAY=$(docker network inspect "$NET" -f '{{(index .IPAM.Config 0).Gateway}}')
REGISTRY="$GATEWAY:5000"

cat >"$WORK/registry.yml" <<EOF
version: 0.1
storage: { filesystem: { rootdirectory: $WORK/registry } }
http: { addr: ":5000" }
EOF
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 50); do curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break; sleep 0.2; done
log "registry (Debian docker-registry) on :5000, the nodes reach it as $REGISTRY"
# The engine here pushes to localhost (allowed without TLS); the nodes pull the same repository through the gateway.
docker tag local/stack-tiny:1 localhost:5000/stack-tiny:1
docker push -q localhost:5000/stack-tiny:1 >/dev/null
docker rmi localhost:5000/stack-tiny:1 >/dev/null

for n in "${NODES[@]}"; do
  # Not --privileged: these machines' own container lacks CAP_SYS_RESOURCE, which --privileged asks for. Every
  # other capability, no seccomp/AppArmor confinement, and the cgroup tree writable under a parent of its own.
  docker run -d --name "$n" --hostname "$n" --network "$NET" \
    --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    -e REGISTRY="$REGISTRY" -e DOCKERD_ARGS="--cgroup-parent=/$n" local/stack-dind:1 >/dev/null
done
ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$1"; }
on() { local n=$1; shift; docker -H "tcp://$(ip "$n"):2375" "$@"; }
for n in "${NODES[@]}"; do
  for _ in $(seq 100); do on "$n" info >/dev/null 2>&1 && break; sleep 0.3; done
  on "$n" info >/dev/null || { docker logs "$n"; docker exec "$n" cat /var/log/dockerd.log | tail -20; exit 1; }
done
MANAGER_IP=$(ip stack-mn-manager)
on stack-mn-manager swarm init --advertise-addr "$MANAGER_IP" >/dev/null
TOKEN=$(on stack-mn-manager swarm join-token -q worker)
for w in stack-mn-worker1 stack-mn-worker2; do on "$w" swarm join --token "$TOKEN" "$MANAGER_IP:2377" >/dev/null; done
log "swarm: $(on stack-mn-manager node ls --format '{{.Hostname}} ({{.ManagerStatus}})' | tr '\n' ' ')"

mkdir -p "$WORK/stack"
cat >"$WORK/stack/compose.yml" <<EOF
services:
  web:
    image: $REGISTRY/stack-tiny:1
    command: ["httpd", "-f", "-p", "8080", "-h", "/"]
    ports: ["8080"]
    deploy: { replicas: 2, placement: { constraints: ["node.role==worker"] } }
  api:
    image: $REGISTRY/stack-tiny:1
    command: ["httpd", "-f", "-p", "9090", "-h", "/"]
    ports: ["9090"]
EOF
cat >"$WORK/stack/stack.yaml" <<EOF
version: 1
name: multinode
target: swarm
compose: { files: [compose.yml] }
services:
  web: { probe: { type: tcp, port: 8080 }, startup_timeout: 90s }
  api: { depends_on: [web], probe: { type: http, port: 9090, path: /, expect: { status: [200, 403, 404] } } }
EOF
# stack talks to the manager; this script's own docker commands stay on the engine here.
# These kernels have no IPVS, so no routing mesh: host-mode ports, probed on the worker that runs the task.
mesh=$([ -d /proc/sys/net/ipv4/vs ] && echo ingress || echo host)
stack() { DOCKER_HOST="tcp://$MANAGER_IP:2375" STACK_STATE_DIR="$WORK/state" STACK_METRICS_ADDR= STACK_SWARM_MESH=$mesh node dist/cli/main.js -f "$WORK/stack/stack.yaml" "$@"; }
up_start=$(date +%s.%N)
stack up
up_end=$(date +%s.%N)
stack status
placed=$(on stack-mn-manager service ps multinode_web --filter desired-state=running --format '{{.Node}}' | sort | tr '\n' ' ')
log "web's tasks run on: $placed"
case "$placed" in *manager*) log "FAIL: a web task runs on the manager despite node.role==worker"; exit 1 ;; esac
[ "$(echo "$placed" | wc -w)" = 2 ] || { log "FAIL: expected 2 running web tasks"; exit 1; }
stack down -t 1
[ -z "$(on stack-mn-manager service ls -q --filter label=com.docker.stack.namespace=multinode)" ] || { log "FAIL: services left after down"; exit 1; }
end=$(date +%s.%N)
printf '[multinode] OK: 3-node swarm, web on the workers from the registry, gated; up %.1f s, whole run %.1f s\n' \
  "$(echo "$up_end - $up_start" | bc)" "$(echo "$end - $start" | bc)"
