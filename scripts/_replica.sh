#!/usr/bin/env bash
# A throwaway PostgreSQL primary and its hot standby, for the read-replica tests.
#
#   scripts/_replica.sh start DIR PRIMARY_PORT STANDBY_PORT
#   scripts/_replica.sh stop DIR
#
# `start` makes a small primary cluster in DIR/primary (initdb, wal_level=replica, replication
# allowed from 127.0.0.1), starts it, clones it with `pg_basebackup -R` (which writes the
# standby's primary_conninfo and standby.signal) into DIR/standby, and starts that as a hot
# standby streaming from the primary. Idempotent: leftovers of an interrupted run in DIR are
# stopped and removed first. The servers run as the postgres user when started by root (as
# scripts/test is in CI), and listen on 127.0.0.1 only. `stop` stops both and removes DIR.
set -euo pipefail

bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
command=$1
dir=$2

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_all() {
  for cluster in standby primary; do
    if [ -f "$dir/$cluster/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/$cluster" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
}

case $command in
  start)
    primary_port=$3
    standby_port=$4
    mkdir -p "$dir"
    stop_all
    rm -rf "$dir/primary" "$dir/standby"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_postgres "$bin/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 >/dev/null
    cat >> "$dir/primary/postgresql.conf" <<EOF
port = $primary_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
max_connections = 60
fsync = off
full_page_writes = off
EOF
    # initdb --auth=trust already lets 127.0.0.1 replicate; say it anyway for other defaults.
    echo "host replication postgres 127.0.0.1/32 trust" >> "$dir/primary/pg_hba.conf"
    as_postgres "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
    as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
      -D "$dir/standby" -R -X stream -c fast
    cat >> "$dir/standby/postgresql.conf" <<EOF
port = $standby_port
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1s
EOF
    as_postgres "$bin/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
    ;;
  stop)
    stop_all
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start DIR PRIMARY_PORT STANDBY_PORT | stop DIR" >&2
    exit 2
    ;;
esac
