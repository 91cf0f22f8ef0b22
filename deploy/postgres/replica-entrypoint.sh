#!/bin/sh
# The streaming replica's start (compose.yaml), as the postgres user; its arguments are the
# server's command line (`postgres -c ...`, the same as the primary's: a standby refuses to start
# with fewer max_connections and the like than its primary). On an empty data folder it first
# copies the primary (PRIMARY_HOST, default postgres; PRIMARY_PORT, default 5432) with
# pg_basebackup: -R writes standby.signal and primary_conninfo, so the copy starts as a hot
# standby streaming from the primary through the slot primary-init.sh made. Later starts find the
# folder filled and go straight to the server.
set -eu

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "replica: copying the primary (pg_basebackup)"
  # PGPASSWORD (the replication role's) comes from the environment; -R writes it into
  # primary_conninfo, in this folder only, which only the postgres user may read.
  until pg_basebackup --host="${PRIMARY_HOST:-postgres}" --port="${PRIMARY_PORT:-5432}" \
    --username=replicator --pgdata="$PGDATA" --wal-method=stream --slot=replica1 \
    --write-recovery-conf --checkpoint=fast; do
    echo "replica: the primary is not ready yet; trying again in 2 s"
    find "$PGDATA" -mindepth 1 -delete
    sleep 2
  done
  chmod 0700 "$PGDATA"
fi

exec "$@"
