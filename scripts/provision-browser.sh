#!/usr/bin/env bash
# Chromium from Debian's archive for the dashboard's browser tests (playwright-core drives it: no browser
# download). Installed only when missing; prints its path.
set -euo pipefail
log() { printf '[browser] %s\n' "$*" >&2; }
find_chromium() { command -v chromium || command -v chromium-browser || command -v google-chrome || true; }
if [ -z "$(find_chromium)" ]; then
  log "installing chromium from Debian's archive (about 20 s)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
find_chromium
