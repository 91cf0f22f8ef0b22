#!/bin/sh
# PgBouncer's start in compose.yaml: writes the auth file from CONDUIT_DB_PASSWORD (so the
# password lives in the environment of the containers that need it, not in a file in the
# repository), then runs PgBouncer in the foreground with deploy/pgbouncer/pgbouncer.ini, the same
# command line as apps/server/test/pgbouncer.ts runs it with.
set -eu
umask 077
[ $# -eq 1 ] || { echo "usage: start.sh <pgbouncer.ini>" >&2; exit 2; }
: "${CONDUIT_DB_PASSWORD:?CONDUIT_DB_PASSWORD is not set}"
# userlist.txt quotes with double quotes, and a double quote inside is written twice.
escaped=$(printf '%s' "$CONDUIT_DB_PASSWORD" | sed 's/"/""/g')
# The file the configuration names (auth_file), so the two cannot disagree.
auth_file=$(sed -n 's/^auth_file *= *//p' "$1")
printf '"conduit" "%s"\n' "$escaped" >"$auth_file"
exec pgbouncer "$1"
