#!/bin/sh
# Writes conduit.conf with its upstream's `server` lines replaced by one per address given, each
# with the parameters of the first one (max_fails, fail_timeout), and nothing else changed: what
# apps/server/test/nginx.ts does for the tests, for compose.yaml, where the processes are
# containers (app1:3000, app2:3000) instead of loopback ports. Fails, writing nothing, when the
# file has no upstream `conduit` block with a server line.
#
#   sh upstreams.sh <conduit.conf> <output> <host:port>...
set -eu
[ $# -ge 3 ] || { echo "usage: upstreams.sh <conduit.conf> <output> <host:port>..." >&2; exit 2; }
source=$1
output=$2
shift 2

rendered=$(awk -v servers="$*" '
  /^upstream conduit \{/ { inside = 1 }
  inside && /^\}/ { inside = 0 }
  inside && /^ *server [^ ;]+[^;]*;$/ {
    if (!done) {
      match($0, /^ */)
      indent = substr($0, 1, RLENGTH)
      parameters = substr($0, RLENGTH + 1)
      sub(/^server [^ ;]+/, "", parameters)
      sub(/;$/, "", parameters)
      count = split(servers, list, " ")
      for (i = 1; i <= count; i++) print indent "server " list[i] parameters ";"
      done = 1
    }
    next
  }
  { print }
  END { if (!done) exit 1 }
' "$source") || { echo "upstreams.sh: no server line in upstream conduit in $source" >&2; exit 1; }
printf '%s\n' "$rendered" >"$output"
