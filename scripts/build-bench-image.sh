#!/usr/bin/env bash
# local/stack-tiny:1 — a 2 MB busybox image for the benchmark's synthetic services (Debian's busybox-static,
# imported without any registry). Built once per machine.
set -euo pipefail
docker image inspect local/stack-tiny:1 >/dev/null 2>&1 && exit 0
if [ ! -x /bin/busybox ] || ! /bin/busybox --list | grep -qx httpd || ldd /bin/busybox >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
fi
root=$(mktemp -d /tmp/stack-tiny.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in sh sleep httpd; do ln -s busybox "$root/bin/$applet"; done
tar -C "$root" -c . | docker import --change 'CMD ["/bin/sh"]' - local/stack-tiny:1 >/dev/null
echo "[images] built local/stack-tiny:1" >&2
