#!/bin/sh
# The primary's first start (compose.yaml): the official postgres image runs this once, as the
# postgres user, after initdb and before it opens the server to the network. It makes Conduit's
# role and database (owner, not superuser: the migrations need nothing more), the replica's
# replication role, the slot the replica streams from, and the line that lets that role connect
# for replication. Passwords come in as psql variables, quoted by psql, never spliced into SQL.
set -eu

psql --set=ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname=postgres \
  --set=conduit_password="$CONDUIT_DB_PASSWORD" \
  --set=replication_password="$CONDUIT_REPLICATION_PASSWORD" <<'SQL'
create role conduit with login password :'conduit_password';
create database conduit owner conduit;
create role replicator with replication login password :'replication_password';
-- The primary keeps the WAL the replica has not received yet, however long it is away (bounded
-- by max_slot_wal_keep_size in compose.yaml), so it can always catch up by streaming.
select pg_create_physical_replication_slot('replica1');
SQL

# "all" in pg_hba.conf's database column does not cover replication connections.
echo 'host replication replicator all scram-sha-256' >>"$PGDATA/pg_hba.conf"
