#!/bin/sh
# In-container HTTP health check for compose `healthcheck:` when the image may lack curl (Qdrant's does).
# Usage: http-ok.sh URL   — exits 0 when the URL answers 2xx. Tries curl, wget, node, then bash's /dev/tcp.
# HTTP_OK_METHOD=curl|wget|node|devtcp forces one (used by the tests).
url=${1:?usage: http-ok.sh URL}
method=${HTTP_OK_METHOD:-}
has() { command -v "$1" >/dev/null 2>&1; }
if [ -z "$method" ]; then
  if has curl; then method=curl; elif has wget; then method=wget; elif has node; then method=node; elif has bash; then method=devtcp; else
    echo "http-ok: no curl, wget, node or bash in this image" >&2; exit 2
  fi
fi
case $method in
  curl) exec curl -fsS -o /dev/null --max-time 2 "$url" ;;
  wget) exec wget -q -O /dev/null -T 2 "$url" ;;
  node) exec node -e "fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$url" ;;
  devtcp)
    exec bash -c '
      rest=${1#http://}; hostport=${rest%%/*}; path=/${rest#*/}; [ "$rest" = "$hostport" ] && path=/
      host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=80
      exec 3<>"/dev/tcp/$host/$port" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$path" "$host" >&3
      read -r -t 2 _ status _ <&3 || exit 1
      case $status in 2??) exit 0 ;; *) echo "http-ok: $1 answered $status" >&2; exit 1 ;; esac
    ' http-ok "$url" ;;
  *) echo "http-ok: unknown HTTP_OK_METHOD $method" >&2; exit 2 ;;
esac
